//! The live session as a JavaScript handle: events fold into it in Rust (the same `Session::record` the
//! native core uses), and `decide` reads it without converting anything.

use crate::prelude::*;

use super::error::{whole, BindingError};
use crate::session::{CategoryViews, Device, Session, SessionEvent, MAX_SESSION_CATEGORIES};
use wasm_bindgen::prelude::*;

/// What the visitor did in this visit.
#[wasm_bindgen]
#[derive(Default)]
pub struct LiveSession {
    pub(crate) session: Session,
}

fn count(what: &'static str, value: f64) -> Result<u32, BindingError> {
    u32::try_from(whole(what, value)?)
        .map_err(|_| BindingError::InvalidArgument(what, "at most 4294967295"))
}

#[wasm_bindgen]
impl LiveSession {
    /// An empty session.
    #[wasm_bindgen(constructor)]
    pub fn new() -> LiveSession {
        LiveSession::default()
    }

    /// Records one event: `kind` 0 page view (`page_type` required), 1 add to cart, 2 cart value.
    pub fn track(
        &mut self,
        kind: u8,
        page_type: Option<String>,
        category: Option<String>,
        value: f64,
    ) -> Result<(), BindingError> {
        let event = match (kind, page_type) {
            (0, Some(page_type)) => SessionEvent::PageView {
                page_type,
                category,
            },
            (0, None) => return Err(BindingError::InvalidArgument("event.pageType", "a string")),
            (1, _) => SessionEvent::AddToCart { category, value },
            (2, _) => SessionEvent::CartValue { value },
            _ => {
                return Err(BindingError::InvalidArgument(
                    "event.type",
                    "page_view, add_to_cart or cart_value",
                ))
            }
        };
        self.session.record(&event);
        Ok(())
    }

    /// Replaces the whole session (e.g. restored from session storage) by one without categories (add
    /// them with `restoreCategory`); `device` is an index of the device names of `inputNames()`. Nothing
    /// changes on a bad value.
    pub fn restore(
        &mut self,
        live: bool,
        device: u8,
        page_type: String,
        page_views: f64,
        cart_value: f64,
    ) -> Result<(), BindingError> {
        let device = *Device::ALL
            .get(usize::from(device))
            .ok_or(BindingError::InvalidArgument(
                "session.device",
                "unknown, desktop, mobile or tablet",
            ))?;
        if !cart_value.is_finite() {
            return Err(BindingError::InvalidArgument(
                "session.cartValue",
                "a finite number",
            ));
        }
        self.session = Session {
            live,
            device,
            page_type,
            page_views: count("session.pageViews", page_views)?,
            categories: Vec::new(),
            cart_value,
        };
        Ok(())
    }

    /// Adds a category and its views to a restored session (in order: most viewed first).
    #[wasm_bindgen(js_name = restoreCategory)]
    pub fn restore_category(&mut self, category: String, views: f64) -> Result<(), BindingError> {
        if self.session.categories.len() >= MAX_SESSION_CATEGORIES {
            return Err(BindingError::InvalidArgument(
                "session.categories",
                "at most 32 entries",
            ));
        }
        let views = count("session.categories[].views", views)?;
        self.session
            .categories
            .push(CategoryViews { category, views });
        Ok(())
    }

    /// Whether the visitor is on the site now.
    #[wasm_bindgen(getter)]
    pub fn live(&self) -> bool {
        self.session.live
    }

    /// The device class, as an index of the device names of `inputNames()`.
    #[wasm_bindgen(getter)]
    pub fn device(&self) -> u8 {
        Device::ALL
            .iter()
            .position(|d| *d == self.session.device)
            .unwrap_or(0) as u8
    }

    /// The type of the page seen last.
    #[wasm_bindgen(getter, js_name = pageType)]
    pub fn page_type(&self) -> String {
        self.session.page_type.clone()
    }

    /// Pages seen in this visit.
    #[wasm_bindgen(getter, js_name = pageViews)]
    pub fn page_views(&self) -> u32 {
        self.session.page_views
    }

    /// How many categories were viewed.
    #[wasm_bindgen(getter, js_name = categoryCount)]
    pub fn category_count(&self) -> usize {
        self.session.categories.len()
    }

    /// The `index`-th category viewed (most viewed first), or none.
    pub fn category(&self, index: usize) -> Option<String> {
        self.session
            .categories
            .get(index)
            .map(|c| c.category.clone())
    }

    /// The views of the `index`-th category (0 past the end).
    #[wasm_bindgen(js_name = categoryViews)]
    pub fn category_views(&self, index: usize) -> u32 {
        self.session.categories.get(index).map_or(0, |c| c.views)
    }

    /// The cart's value.
    #[wasm_bindgen(getter, js_name = cartValue)]
    pub fn cart_value(&self) -> f64 {
        self.session.cart_value
    }
}
