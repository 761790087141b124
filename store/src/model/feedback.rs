//! Feedback from the engagement side (`POST /v1/feedback`): what happened to a message or a shown content
//! slot. It feeds engagement, recent sends and per-channel activity.

use super::check::{self, element};
use super::error::ModelError;
use persona_edge::channel::Channel;
use serde::Deserialize;

/// Most segment names one feedback event may carry.
pub const MAX_FEEDBACK_SEGMENTS: usize = 32;

/// The body of `POST /v1/feedback`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBatch {
    /// The feedback events.
    pub events: Vec<Feedback>,
}

/// What happened to a message or slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    /// Shown (a web slot) or sent: counts as a message and a recent send.
    Shown,
    /// Delivered.
    Delivered,
    /// Opened: a response.
    Opened,
    /// Clicked: a response.
    Clicked,
    /// Led to a conversion: a response.
    Converted,
    /// Shown and not acted on: adds nothing the `shown` did not count.
    Ignored,
}

/// One feedback event, as the browser client or a messaging provider sends it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    /// The pseudonymous subject id.
    pub subject: String,
    /// What happened.
    pub kind: FeedbackKind,
    /// The channel; absent means `web` (a content slot shown on the site).
    #[serde(default)]
    pub channel: Option<Channel>,
    /// The content slot, if any (reporting only; not kept in the profile).
    #[serde(default)]
    pub slot: Option<String>,
    /// The content variant, if any (reporting only; not kept in the profile).
    #[serde(default)]
    pub variant: Option<String>,
    /// The segments the decision matched (reporting only; not kept in the profile).
    #[serde(default)]
    pub segments: Vec<String>,
    /// When it happened, Unix seconds.
    pub at: u64,
    /// The subject's read token, checked by the server.
    #[serde(default)]
    pub token: Option<String>,
    /// The sender's id of this event (strongly recommended): a retried delivery with the same id within
    /// the dedupe window is applied once.
    #[serde(default)]
    pub id: Option<String>,
}

impl Feedback {
    /// The pseudonymous subject id.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// When it happened, Unix seconds.
    pub fn at(&self) -> u64 {
        self.at
    }

    /// The read token the client sent, if any (the server checks it; the model does not).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The channel it counts for: the one given, else `web`.
    pub fn channel(&self) -> Channel {
        self.channel.unwrap_or(Channel::Web)
    }

    /// Checks the feedback against the server clock `now`; paths are relative to the feedback.
    pub fn validate(&self, now: u64) -> Result<(), ModelError> {
        check::subject("subject", &self.subject)?;
        check::instant("at", self.at, now)?;
        if let Some(id) = &self.id {
            check::delivery_id("id", id)?;
        }
        if let Some(slot) = &self.slot {
            check::id("slot", slot)?;
        }
        if let Some(variant) = &self.variant {
            check::id("variant", variant)?;
        }
        if self.segments.len() > MAX_FEEDBACK_SEGMENTS {
            return Err(ModelError::new("segments", "must list at most 32 segments"));
        }
        self.segments
            .iter()
            .enumerate()
            .try_for_each(|(i, s)| check::id(&element("segments", i), s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_795_000_000;

    #[test]
    fn parses_with_defaults_and_counts_for_web_without_a_channel() {
        let f: Feedback = serde_json::from_str(&format!(
            r#"{{"subject": "c_ana_7f3a91", "kind": "clicked", "slot": "hero", "variant": "b",
                "segments": ["likely_to_churn"], "at": {NOW}, "token": "t0k"}}"#
        ))
        .expect("feedback");
        assert_eq!(f.channel(), Channel::Web);
        assert_eq!(f.token(), Some("t0k"));
        assert_eq!((f.subject(), f.at()), ("c_ana_7f3a91", NOW));
        assert_eq!(f.validate(NOW), Ok(()));
        let email: Feedback = serde_json::from_str(&format!(
            r#"{{"subject": "c1", "kind": "opened", "channel": "email", "at": {NOW}}}"#
        ))
        .expect("feedback");
        assert_eq!(email.channel(), Channel::Email);
        assert_eq!(email.token(), None);
    }

    #[test]
    fn unknown_fields_and_kinds_fail_to_deserialize() {
        let bad = [
            r#"{"subject": "c1", "kind": "liked", "at": 1}"#,
            r#"{"subject": "c1", "kind": "shown", "at": 1, "page": "x"}"#,
            r#"{"subject": "c1", "kind": "shown", "channel": "fax", "at": 1}"#,
            r#"{"subject": "c1", "kind": "shown"}"#,
        ];
        for json in bad {
            assert!(serde_json::from_str::<Feedback>(json).is_err(), "{json}");
        }
        assert!(serde_json::from_str::<FeedbackBatch>(r#"{"feedback": []}"#).is_err());
    }

    #[test]
    fn validation_errors_carry_the_path() {
        let base = |extra: &str, at: u64| {
            let json = format!(r#"{{"subject": "c1", "kind": "shown", "at": {at}{extra}}}"#);
            serde_json::from_str::<Feedback>(&json)
                .expect("feedback")
                .validate(NOW)
                .map_or_else(|e| e.path, |()| String::new())
        };
        assert_eq!(base("", NOW + 2 * 86_400), "at");
        assert_eq!(base(r#", "slot": """#, NOW), "slot");
        assert_eq!(base(r#", "variant": "é""#, NOW), "variant");
        assert_eq!(base(r#", "segments": ["ok", "", "x"]"#, NOW), "segments[1]");
        let many: Vec<String> = (0..33).map(|i| format!("\"s{i}\"")).collect();
        assert_eq!(
            base(&format!(r#", "segments": [{}]"#, many.join(",")), NOW),
            "segments"
        );
        assert_eq!(base("", NOW), "");
    }
}
