//! `decide`: segments, channel, send time and content for one customer, as a pure function.

use crate::prelude::*;

mod affinity;
mod channel;
mod content;
mod input;
mod segments;
mod timing;

pub use affinity::{blended_affinity, top_category, AffinityNow};
pub use channel::{
    choose_channel, ChannelChoice, ChoiceBasis, Exclusion, ExclusionReason, RankedChannel,
    ResponseBasis,
};
pub use content::{choose_content, SkippedVariant, SlotChoice, VariantBasis};
pub use input::DecisionInput;
pub use segments::{score_segments, SegmentResult};
pub use timing::{choose_time, is_quiet, SendTime, TimingConstraint, TimingOutcome, TimingSource};

use crate::context::DecisionContext;
use crate::profile::Profile;
use crate::ruleset::Ruleset;
use crate::session::Session;
use serde::{Deserialize, Serialize};

/// Everything decided for one customer at one moment, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Whether a verified profile was used (false: the safe, non-personalized default).
    pub personalized: bool,
    /// The profile's subject, when there is one.
    pub subject: Option<String>,
    /// Every segment's result, highest priority first.
    pub segments: Vec<SegmentResult>,
    /// The customer's top category now (stored affinity decayed, plus the live session).
    pub top_category: Option<String>,
    /// The channel, with every exclusion and the ranking of the rest.
    pub channel: ChannelChoice,
    /// When to reach the customer on the chosen channel (`None` when no channel was chosen).
    pub timing: Option<SendTime>,
    /// Content per web slot.
    pub content: Vec<SlotChoice>,
}

impl Decision {
    /// Names of the matched segments, highest priority first.
    pub fn matched_segments(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter(|s| s.matched).map(|s| &*s.name)
    }
}

/// Decides for one customer. Pure: the time comes from `context.now`, nothing is read from outside.
/// `profile` is `None` when there is no verified profile: the decision is then the safe default
/// (no consent is assumed, only the live session and the request context are used).
pub fn decide(
    ruleset: &Ruleset,
    profile: Option<&Profile>,
    session: &Session,
    context: &DecisionContext,
) -> Decision {
    let input = DecisionInput {
        profile,
        session,
        context,
        affinity: &ruleset.affinity,
    };
    let segments = score_segments(ruleset, &input);
    let top = top_category(profile, session, &ruleset.affinity, context.now);
    let channel = choose_channel(&ruleset.channels, profile, session, context);
    let timing = channel.channel.map(|chosen| {
        let real_time_now = ruleset.channels.rules.get(chosen).real_time && session.live;
        choose_time(
            &ruleset.timing,
            profile,
            chosen,
            real_time_now,
            context.now,
            context.purpose,
        )
    });
    let content = choose_content(&ruleset.slots, &ruleset.catalogue, &segments, top);
    Decision {
        personalized: profile.is_some(),
        subject: profile.map(|p| p.subject.clone()),
        top_category: top.map(str::to_owned),
        segments,
        channel,
        timing,
        content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::ItemBlock;

    fn json_name<T: Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    #[test]
    fn enum_names_are_their_json_names() {
        for v in ExclusionReason::ALL {
            assert_eq!(v.name(), json_name(v));
        }
        for v in ResponseBasis::ALL {
            assert_eq!(v.name(), json_name(v));
        }
        for v in ChoiceBasis::ALL {
            assert_eq!(v.name(), json_name(v));
        }
        for v in TimingSource::ALL {
            assert_eq!(v.name(), json_name(v));
        }
        for v in TimingConstraint::ALL {
            assert_eq!(v.name(), json_name(v));
        }
        for v in TimingOutcome::ALL {
            assert_eq!(v.name(), json_name(v));
        }
        for v in VariantBasis::ALL {
            assert_eq!(v.name(), json_name(v));
        }
        for v in ItemBlock::ALL {
            assert_eq!(v.name(), json_name(v));
        }
    }
}
