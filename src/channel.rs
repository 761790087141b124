//! The channels persona-edge can choose between, and a fixed-size map keyed by channel.

use crate::codec::{Decodable, Invalid, Reader};
use crate::vocabulary::vocabulary;
use bincode::Encode;
use serde::{Deserialize, Serialize};

vocabulary! {
    /// A way to reach a customer.
    #[derive(
        Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Encode,
    )]
    #[cfg_attr(test, derive(bincode::Decode))]
    pub enum Channel {
        /// E-mail.
        Email => "email",
        /// Text message.
        Sms => "sms",
        /// Mobile push notification.
        Push => "push",
        /// In-page / in-app web content (real time while the session is live).
        Web => "web",
        /// A phone call.
        Phone => "phone",
        /// Paid advertising audiences.
        Ads => "ads",
    }
}

impl Channel {
    /// Position of this channel in [`Channel::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl Decodable for Channel {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Channel::from_index(r.u32()?).ok_or(Invalid::Tag)
    }
}

impl core::fmt::Display for Channel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// One value per channel, stored densely. In JSON it is an object keyed by channel name
/// (`{"email": ..., "sms": ...}`); channels left out take their default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub struct PerChannel<T>(pub [T; 6]);

impl<T> PerChannel<T> {
    /// The value for one channel.
    pub fn get(&self, channel: Channel) -> &T {
        &self.0[channel.index()]
    }

    /// The value for one channel, mutably.
    pub fn get_mut(&mut self, channel: Channel) -> &mut T {
        &mut self.0[channel.index()]
    }

    /// Iterates `(channel, value)` in [`Channel::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Channel, &T)> {
        Channel::ALL.into_iter().zip(self.0.iter())
    }
}

impl<T: Decodable + Default> Decodable for PerChannel<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        r.read().map(PerChannel)
    }
}

impl<T: Serialize> Serialize for PerChannel<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(6))?;
        for (channel, value) in self.iter() {
            map.serialize_entry(channel.name(), value)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for PerChannel<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = alloc::collections::BTreeMap::<Channel, T>::deserialize(deserializer)?;
        let mut out = PerChannel::<T>(Default::default());
        for (channel, value) in entries {
            *out.get_mut(channel) = value;
        }
        Ok(out)
    }
}
