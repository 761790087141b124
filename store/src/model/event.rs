//! Ingested events (`POST /v1/events`): browsing, buying, messaging and service, one JSON object each,
//! `{"subject", "type", "at", ...}`. They are folded into aggregates and not kept.

use super::check;
use super::error::ModelError;
use persona_edge::channel::Channel;
use serde::Deserialize;

/// The body of `POST /v1/events`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// The events, in any order (late events fold in with their age).
    pub events: Vec<Event>,
}

/// One thing a customer did or that happened to them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    /// The pseudonymous subject id.
    pub subject: String,
    /// When it happened, Unix seconds.
    pub at: u64,
    /// The sender's id of this event (strongly recommended): a retried delivery with the same id within
    /// the dedupe window is applied once.
    #[serde(default)]
    pub id: Option<String>,
    /// What happened (the `type` field and its own fields; unknown fields are refused there).
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened, by `type`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    /// A page was viewed.
    PageView {
        /// Page type (`"home"`, `"product"`, ...), a lower-case id.
        #[serde(default)]
        page_type: Option<String>,
        /// Catalogue category of the page.
        #[serde(default)]
        category: Option<String>,
    },
    /// A category listing was viewed.
    CategoryView {
        /// The category id.
        category: String,
    },
    /// Something was put in the cart.
    AddToCart {
        /// Category of the item.
        #[serde(default)]
        category: Option<String>,
        /// Price of what was added.
        value: f64,
    },
    /// An order was placed.
    Purchase {
        /// The order id (a purchase is counted once per id).
        order_id: String,
        /// Gross order value.
        value: f64,
        /// Cost of the goods, for net value.
        #[serde(default)]
        cost: Option<f64>,
        /// Number of items, at least 1.
        items: u32,
        /// Main category of the order.
        #[serde(default)]
        category: Option<String>,
        /// Bought with a discount.
        #[serde(default)]
        discounted: bool,
    },
    /// Goods were returned.
    Return {
        /// The order the goods came from.
        #[serde(default)]
        order_id: Option<String>,
        /// Value refunded for the returned goods.
        value: f64,
        /// Number of items returned, at least 1.
        items: u32,
    },
    /// A message was sent.
    MessageSent {
        /// The channel.
        channel: Channel,
    },
    /// A message was delivered.
    MessageDelivered {
        /// The channel.
        channel: Channel,
    },
    /// A message was opened.
    MessageOpened {
        /// The channel.
        channel: Channel,
    },
    /// A message was clicked.
    MessageClicked {
        /// The channel.
        channel: Channel,
    },
    /// A complaint was opened.
    ComplaintOpened {
        /// The service case id.
        case_id: String,
    },
    /// A complaint was closed.
    ComplaintClosed {
        /// The service case id.
        case_id: String,
    },
    /// A refund was requested.
    RefundRequested {
        /// The service case id.
        case_id: String,
    },
    /// A refund was settled.
    RefundSettled {
        /// The service case id.
        case_id: String,
    },
    /// An order is late.
    OrderLate {
        /// The order id.
        order_id: String,
    },
    /// A (late) order was delivered.
    OrderDelivered {
        /// The order id.
        order_id: String,
    },
}

fn optional(
    value: Option<&String>,
    check: impl FnOnce(&str) -> Result<(), ModelError>,
) -> Result<(), ModelError> {
    value.map_or(Ok(()), |v| check(v))
}

fn items(count: u32) -> Result<(), ModelError> {
    if count >= 1 {
        Ok(())
    } else {
        Err(ModelError::new("items", "must be at least 1"))
    }
}

impl Event {
    /// The pseudonymous subject id.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// When it happened, Unix seconds.
    pub fn at(&self) -> u64 {
        self.at
    }

    /// The sender's id, if given.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Checks the event against the server clock `now`; paths are relative to the event (`"at"`,
    /// `"value"`, `"order_id"`, ...). Channels and types are already checked by deserialization.
    pub fn validate(&self, now: u64) -> Result<(), ModelError> {
        check::subject("subject", &self.subject)?;
        check::instant("at", self.at, now)?;
        optional(self.id.as_ref(), |id| check::delivery_id("id", id))?;
        let category = |c: &str| check::category("category", c);
        match &self.kind {
            EventKind::PageView {
                page_type,
                category: c,
            } => {
                optional(page_type.as_ref(), |p| check::category("page_type", p))?;
                optional(c.as_ref(), category)
            }
            EventKind::CategoryView { category: c } => category(c),
            EventKind::AddToCart { category: c, value } => {
                optional(c.as_ref(), category)?;
                check::amount("value", *value)
            }
            EventKind::Purchase {
                order_id,
                value,
                cost,
                items: n,
                category: c,
                discounted: _,
            } => {
                check::id("order_id", order_id)?;
                check::amount("value", *value)?;
                cost.map_or(Ok(()), |v| check::amount("cost", v))?;
                items(*n)?;
                optional(c.as_ref(), category)
            }
            EventKind::Return {
                order_id,
                value,
                items: n,
            } => {
                optional(order_id.as_ref(), |o| check::id("order_id", o))?;
                check::amount("value", *value)?;
                items(*n)
            }
            EventKind::MessageSent { .. }
            | EventKind::MessageDelivered { .. }
            | EventKind::MessageOpened { .. }
            | EventKind::MessageClicked { .. } => Ok(()),
            EventKind::ComplaintOpened { case_id }
            | EventKind::ComplaintClosed { case_id }
            | EventKind::RefundRequested { case_id }
            | EventKind::RefundSettled { case_id } => check::id("case_id", case_id),
            EventKind::OrderLate { order_id } | EventKind::OrderDelivered { order_id } => {
                check::id("order_id", order_id)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_795_000_000;

    fn event(json: &str) -> Event {
        serde_json::from_str(json).expect("valid event JSON")
    }

    fn error_path(json: &str) -> String {
        event(json)
            .validate(NOW)
            .map_or_else(|e| e.path, |()| String::new())
    }

    #[test]
    fn every_type_parses() {
        let bodies = [
            r#""type": "page_view""#,
            r#""type": "page_view", "page_type": "product", "category": "camping""#,
            r#""type": "category_view", "category": "camping""#,
            r#""type": "add_to_cart", "value": 25"#,
            r#""type": "purchase", "order_id": "A-1", "value": 99.5, "cost": 50, "items": 2, "category": "camping", "discounted": true"#,
            r#""type": "return", "value": 10, "items": 1"#,
            r#""type": "message_sent", "channel": "email""#,
            r#""type": "message_delivered", "channel": "sms""#,
            r#""type": "message_opened", "channel": "push""#,
            r#""type": "message_clicked", "channel": "email""#,
            r#""type": "complaint_opened", "case_id": "C1""#,
            r#""type": "complaint_closed", "case_id": "C1""#,
            r#""type": "refund_requested", "case_id": "R1""#,
            r#""type": "refund_settled", "case_id": "R1""#,
            r#""type": "order_late", "order_id": "A-1""#,
            r#""type": "order_delivered", "order_id": "A-1""#,
        ];
        for body in bodies {
            let json = format!(r#"{{"subject": "c_ana_7f3a91", "at": {NOW}, {body}}}"#);
            let e = event(&json);
            assert_eq!((e.subject(), e.at()), ("c_ana_7f3a91", NOW));
            assert_eq!(e.validate(NOW), Ok(()), "{json}");
        }
    }

    #[test]
    fn unknown_types_and_fields_fail_to_deserialize() {
        let bad = [
            r#"{"subject": "c1", "at": 1, "type": "teleport"}"#,
            r#"{"subject": "c1", "at": 1}"#,
            r#"{"subject": "c1", "at": 1, "type": "category_view", "category": "x", "extra": 1}"#,
            r#"{"subject": "c1", "at": 1, "type": "message_sent", "channel": "fax"}"#,
            r#"{"subject": "c1", "at": 1, "type": "purchase", "order_id": "o", "value": 1}"#,
            r#"{"subject": "c1", "at": -5, "type": "page_view"}"#,
            r#"{"at": 1, "type": "page_view"}"#,
        ];
        for json in bad {
            assert!(serde_json::from_str::<Event>(json).is_err(), "{json}");
        }
        assert!(serde_json::from_str::<EventBatch>(r#"{"events": [], "more": 1}"#).is_err());
        let batch: EventBatch = serde_json::from_str(
            r#"{"events": [{"subject": "c1", "at": 1, "type": "page_view"}]}"#,
        )
        .expect("batch");
        assert_eq!(batch.events.len(), 1);
    }

    #[test]
    fn validation_errors_carry_the_path() {
        let at = NOW;
        let cases = [
            (
                format!(r#"{{"subject": "a@b.c", "at": {at}, "type": "page_view"}}"#),
                "subject",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {}, "type": "page_view"}}"#,
                    NOW + 90_000
                ),
                "at",
            ),
            (
                r#"{"subject": "c1", "at": 900000000, "type": "page_view"}"#.to_string(),
                "at",
            ),
            (
                format!(r#"{{"subject": "c1", "at": {at}, "type": "add_to_cart", "value": -1}}"#),
                "value",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "add_to_cart", "value": 1e300}}"#
                ),
                "value",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "category_view", "category": "Tents!"}}"#
                ),
                "category",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "page_view", "page_type": "PDP page"}}"#
                ),
                "page_type",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "purchase", "order_id": "", "value": 1, "items": 1}}"#
                ),
                "order_id",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "purchase", "order_id": "o", "value": 1, "cost": -2, "items": 1}}"#
                ),
                "cost",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "purchase", "order_id": "o", "value": 1, "items": 0}}"#
                ),
                "items",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "return", "value": 1, "items": 0}}"#
                ),
                "items",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "complaint_opened", "case_id": "{}"}}"#,
                    "x".repeat(65)
                ),
                "case_id",
            ),
            (
                format!(
                    r#"{{"subject": "c1", "at": {at}, "type": "order_late", "order_id": "line\nbreak"}}"#
                ),
                "order_id",
            ),
        ];
        for (json, path) in cases {
            assert_eq!(error_path(&json), path, "{json}");
        }
    }
}
