//! The live session: what the visitor does during this visit, aggregated as it happens.

use crate::prelude::*;

use crate::vocabulary::vocabulary;
use serde::{Deserialize, Serialize};

/// Most distinct categories a session remembers; further categories are ignored.
pub const MAX_SESSION_CATEGORIES: usize = 32;

vocabulary! {
    /// Kind of device the session runs on.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub enum Device {
        /// Not known.
        #[default]
        Unknown => "unknown",
        /// Desktop or laptop browser.
        Desktop => "desktop",
        /// Phone.
        Mobile => "mobile",
        /// Tablet.
        Tablet => "tablet",
    }
}

/// One thing the visitor did in this session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum SessionEvent {
    /// A page was viewed.
    PageView {
        /// Page type (`"home"`, `"product"`, `"category"`, `"cart"`, `"checkout"`, ...).
        page_type: String,
        /// Catalogue category of the page, if any.
        #[serde(default)]
        category: Option<String>,
    },
    /// Something was added to the cart.
    AddToCart {
        /// Category of the item.
        #[serde(default)]
        category: Option<String>,
        /// Price of what was added, in the site's currency.
        value: f64,
    },
    /// The cart value was set outright (e.g. after a removal).
    CartValue {
        /// New cart value.
        value: f64,
    },
}

/// Views of one category in this session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryViews {
    /// Category id.
    pub category: String,
    /// Views in this session.
    pub views: u32,
}

/// The live session, as the rules and the decision see it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Whether the visitor is on the site right now (real-time channels may answer "now").
    #[serde(default)]
    pub live: bool,
    /// Device of the session.
    #[serde(default)]
    pub device: Device,
    /// Type of the current page.
    #[serde(default)]
    pub page_type: String,
    /// Pages viewed in this session.
    #[serde(default)]
    pub page_views: u32,
    /// Categories viewed in this session, most viewed first after [`Session::record`].
    #[serde(default)]
    pub categories: Vec<CategoryViews>,
    /// Current cart value.
    #[serde(default)]
    pub cart_value: f64,
}

impl Session {
    /// Folds one event into the session aggregates. Non-finite or negative values are ignored.
    pub fn record(&mut self, event: &SessionEvent) {
        self.live = true;
        match event {
            SessionEvent::PageView {
                page_type,
                category,
            } => {
                self.page_views = self.page_views.saturating_add(1);
                self.page_type.clone_from(page_type);
                if let Some(category) = category {
                    self.count_category(category);
                }
            }
            SessionEvent::AddToCart { category, value } => {
                if value.is_finite() && *value >= 0.0 {
                    self.cart_value += value;
                }
                if let Some(category) = category {
                    self.count_category(category);
                }
            }
            SessionEvent::CartValue { value } => {
                if value.is_finite() && *value >= 0.0 {
                    self.cart_value = *value;
                }
            }
        }
    }

    /// Views of one category in this session.
    pub fn views_of(&self, category: &str) -> u32 {
        self.categories
            .iter()
            .find(|c| c.category == category)
            .map_or(0, |c| c.views)
    }

    fn count_category(&mut self, category: &str) {
        if let Some(entry) = self.categories.iter_mut().find(|c| c.category == category) {
            entry.views = entry.views.saturating_add(1);
        } else if self.categories.len() < MAX_SESSION_CATEGORIES {
            self.categories.push(CategoryViews {
                category: category.to_owned(),
                views: 1,
            });
        }
        crate::sort::stable_sort_by(&mut self.categories, |a, b| a.views > b.views);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fold_into_aggregates() {
        let mut s = Session::default();
        let view = |c: &str| SessionEvent::PageView {
            page_type: "product".into(),
            category: Some(c.into()),
        };
        s.record(&view("shoes"));
        s.record(&view("tents"));
        s.record(&view("tents"));
        s.record(&SessionEvent::AddToCart {
            category: Some("tents".into()),
            value: 120.0,
        });
        s.record(&SessionEvent::AddToCart {
            category: None,
            value: f64::NAN,
        });
        assert!(s.live);
        assert_eq!(s.page_views, 3);
        assert_eq!(s.categories[0].category, "tents");
        assert_eq!(s.views_of("tents"), 3);
        assert_eq!(s.views_of("shoes"), 1);
        assert_eq!(s.cart_value, 120.0);
    }
}
