//! The live session as a JavaScript handle: events fold into it in Rust (the same `Session::record` the
//! native core uses), and `decide` reads it without converting anything.

use crate::prelude::*;

use super::convert::session_state;
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

    /// The session's state as a plain object (`Session.toJSON` names the device): `{ live, device,
    /// pageType, pageViews, categories: [{ category, views }], cartValue }`, in one call.
    pub fn state(&self) -> JsValue {
        session_state(&self.session)
    }
}
