//! Closed vocabularies: enums whose variants each have one stable name, used in JSON, in rules, in the
//! package's TypeScript types and in the demo shop's labels.
//!
//! [`vocabulary!`] is where each of them is written: one line per variant, `Variant => "name"`. It
//! expands to the enum (with serde's name of every variant set to that name), `ALL` in declaration order,
//! `name()` and `from_name()`. The TypeScript unions and the JavaScript tables outside Rust are checked
//! against `ALL` and `name()` by `tests/vocabulary.rs`.

/// Declares a vocabulary enum; see the [module documentation](self).
///
/// ```ignore
/// vocabulary! {
///     /// A device class.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
///     pub enum Device {
///         /// A phone.
///         Mobile => "mobile",
///         /// A computer.
///         Desktop => "desktop",
///     }
/// }
/// ```
///
/// The enum must derive serde's `Serialize` or `Deserialize` (the names are serde renames). A variant's
/// position in `ALL` is its declaration index, which is also the tag bincode encodes.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident => $text:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The stable name, as in JSON and in rules.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The variant named `name` (as written by `name()`), if any.
            pub fn from_name(name: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.name() == name)
            }

            /// The variant at `index` in `ALL` (its bincode tag), if any.
            pub fn from_index(index: u32) -> Option<$name> {
                $name::ALL.get(index as usize).copied()
            }
        }
    };
}

pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    use crate::channel::Channel;
    use crate::codec::{decode, encode};
    use crate::profile::Purpose;
    use serde::{Deserialize, Serialize};

    vocabulary! {
        /// A vocabulary declared only here.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        enum Weather {
            /// First.
            Sunny => "sunny",
            /// Second, with a name unlike the variant's.
            HeavyRain => "downpour",
        }
    }

    #[test]
    fn one_declaration_gives_all_names_serde_and_indexes() {
        assert_eq!(Weather::ALL, [Weather::Sunny, Weather::HeavyRain]);
        assert_eq!(Weather::HeavyRain.name(), "downpour");
        assert_eq!(Weather::from_name("downpour"), Some(Weather::HeavyRain));
        assert_eq!(Weather::from_name("heavy_rain"), None);
        assert_eq!(Weather::from_index(1), Some(Weather::HeavyRain));
        assert_eq!(Weather::from_index(2), None);
        assert_eq!(
            serde_json::to_string(&Weather::HeavyRain).unwrap(),
            r#""downpour""#
        );
        assert_eq!(
            serde_json::from_str::<Weather>(r#""sunny""#).unwrap(),
            Weather::Sunny
        );
        assert!(serde_json::from_str::<Weather>(r#""Sunny""#).is_err());
    }

    #[test]
    fn the_bincode_tag_of_every_variant_is_its_index_in_all() {
        for channel in Channel::ALL {
            assert_eq!(decode::<Channel>(&encode(&channel), 16), Ok(channel));
        }
        for purpose in Purpose::ALL {
            assert_eq!(decode::<Purpose>(&encode(&purpose), 16), Ok(purpose));
        }
        assert!(decode::<Channel>(&encode(&6u32), 16).is_err());
    }
}
