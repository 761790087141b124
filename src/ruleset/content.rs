//! Web content slots, their variants, and the catalogue context that gates them.

use crate::prelude::*;

use crate::codec::{Decodable, Invalid, Reader};
use crate::vocabulary::vocabulary;
use bincode::Encode;
use serde::{Deserialize, Serialize};

/// One piece of content that can fill a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Stable id, reported in decisions and feedback.
    pub id: String,
    /// The content itself (HTML or text, as the site renders it).
    #[serde(default)]
    pub content: String,
    /// Shown only when this segment matched.
    #[serde(default)]
    pub segment: Option<String>,
    /// Shown only when this is the customer's top category (stored affinity blended with the session).
    #[serde(default)]
    pub category: Option<String>,
    /// The catalogue item it promotes: the variant is skipped when the item can't be sold.
    #[serde(default)]
    pub item: Option<String>,
}

impl Decodable for Variant {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Variant {
            id: r.read()?,
            content: r.read()?,
            segment: r.read()?,
            category: r.read()?,
            item: r.read()?,
        })
    }
}

/// A named place on the page that gets one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// Slot name, as in the page's slot attribute.
    pub name: String,
    /// Candidate variants, in authoring order.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Shown when no variant qualifies (or the profile is missing). It must not need a segment.
    pub default: Variant,
}

impl Decodable for Slot {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Slot {
            name: r.read()?,
            variants: r.read()?,
            default: r.read()?,
        })
    }
}

/// Margin class of an item: prefer what earns something.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, Encode,
)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(rename_all = "snake_case")]
pub enum Margin {
    /// Low or negative margin.
    Low,
    /// Ordinary margin.
    #[default]
    Medium,
    /// High margin.
    High,
}

impl Decodable for Margin {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => Margin::Low,
            1 => Margin::Medium,
            2 => Margin::High,
            _ => return Err(Invalid::Tag),
        })
    }
}

/// Business context for one item (from the catalogue/ERP, not per customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct CatalogueItem {
    /// Item id.
    pub id: String,
    /// Category id.
    #[serde(default)]
    pub category: String,
    /// Units in stock.
    #[serde(default)]
    pub stock: u32,
    /// Days to deliver.
    #[serde(default)]
    pub delivery_days: u8,
    /// Margin class.
    #[serde(default)]
    pub margin: Margin,
}

impl Decodable for CatalogueItem {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(CatalogueItem {
            id: r.read()?,
            category: r.read()?,
            stock: r.read()?,
            delivery_days: r.read()?,
            margin: r.read()?,
        })
    }
}

/// The catalogue context a ruleset carries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Items that variants may promote.
    #[serde(default)]
    pub items: Vec<CatalogueItem>,
    /// Items that take longer than this to deliver are not promoted.
    #[serde(default = "default_max_delivery")]
    pub max_delivery_days: u8,
}

impl Decodable for Catalogue {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Catalogue {
            items: r.read()?,
            max_delivery_days: r.read()?,
        })
    }
}

fn default_max_delivery() -> u8 {
    7
}

vocabulary! {
    /// Why an item can't be promoted.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum ItemBlock {
        /// Not in the catalogue.
        UnknownItem => "unknown_item",
        /// No stock.
        OutOfStock => "out_of_stock",
        /// Delivery takes too long.
        SlowDelivery => "slow_delivery",
    }
}

impl Catalogue {
    /// Looks an item up by id.
    pub fn item(&self, id: &str) -> Option<&CatalogueItem> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Whether an item may be promoted now, and why not.
    pub fn sellable(&self, id: &str) -> Result<&CatalogueItem, ItemBlock> {
        let item = self.item(id).ok_or(ItemBlock::UnknownItem)?;
        if item.stock == 0 {
            Err(ItemBlock::OutOfStock)
        } else if item.delivery_days > self.max_delivery_days {
            Err(ItemBlock::SlowDelivery)
        } else {
            Ok(item)
        }
    }
}
