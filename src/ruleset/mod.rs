//! The ruleset: segments, channel and timing policy, content variants and catalogue context.
//!
//! People write a [`RulesetSource`] as JSON; [`compile`] checks it and compiles every rule once into a
//! [`Ruleset`], which the central store signs into a ruleset snapshot and the edge evaluates without
//! parsing JSON.

use crate::prelude::*;

mod content;
mod policy;
mod segment;
mod snapshot;

pub use content::{Catalogue, CatalogueItem, ItemBlock, Margin, Slot, Variant};
pub use policy::{
    AffinityPolicy, ChannelPolicy, ChannelRule, FrequencyCap, QuietHoursPolicy, SendWindow,
    TimingPolicy,
};
pub use segment::{Segment, SegmentSource, SegmentTest};
pub use snapshot::{accept_ruleset, INVALID_RULESET};
#[cfg(not(target_arch = "wasm32"))]
pub use snapshot::{sign_ruleset, verify_ruleset};

use crate::codec::{Decodable, Invalid, Reader};
use crate::fields::{Field, FieldTable};
use crate::profile::HOURS_PER_WEEK;
use crate::rules::{self, RuleError};
use bincode::Encode;
use serde::{Deserialize, Serialize};

/// Most segments one ruleset may hold.
pub const MAX_SEGMENTS: usize = 256;

/// A ruleset as written by people (the authoring JSON). See `docs/RULESET.md` and
/// `docs/schema/ruleset.schema.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesetSource {
    /// Name of the ruleset, for people and logs.
    pub name: String,
    /// Segments, in any order (decisions order them by priority).
    #[serde(default)]
    pub segments: Vec<SegmentSource>,
    /// Channel policy.
    #[serde(default)]
    pub channels: ChannelPolicy,
    /// Timing policy.
    #[serde(default)]
    pub timing: TimingPolicy,
    /// Affinity decay and session blending.
    #[serde(default)]
    pub affinity: AffinityPolicy,
    /// Web content slots.
    #[serde(default)]
    pub slots: Vec<Slot>,
    /// Catalogue context.
    #[serde(default)]
    pub catalogue: Catalogue,
}

/// A compiled ruleset, as carried by a ruleset snapshot.
#[derive(Debug, Clone, PartialEq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub struct Ruleset {
    /// Name of the ruleset.
    pub name: String,
    /// The fields the rules read, in slot order.
    pub fields: Vec<Field>,
    /// Compiled segments, highest priority first (ties in name order).
    pub segments: Vec<Segment>,
    /// Channel policy.
    pub channels: ChannelPolicy,
    /// Timing policy.
    pub timing: TimingPolicy,
    /// Affinity policy.
    pub affinity: AffinityPolicy,
    /// Web content slots.
    pub slots: Vec<Slot>,
    /// Catalogue context.
    pub catalogue: Catalogue,
}

impl Decodable for Ruleset {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Ruleset {
            name: r.read()?,
            fields: r.read()?,
            segments: r.read()?,
            channels: r.read()?,
            timing: r.read()?,
            affinity: r.read()?,
            slots: r.read()?,
            catalogue: r.read()?,
        })
    }
}

/// Why a ruleset could not be compiled or loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesetError {
    /// A segment's rule does not compile.
    #[error("segment `{segment}`: {error}")]
    Rule {
        /// The segment.
        segment: String,
        /// What is wrong, with the JSON path inside the rule.
        error: RuleError,
    },
    /// A segment needs exactly one of `rule` or `score` (and `threshold` goes with `score`).
    #[error("segment `{segment}`: {message}")]
    SegmentShape {
        /// The segment.
        segment: String,
        /// What is wrong.
        message: &'static str,
    },
    /// A segment name is not of the allowed form.
    #[error("segment name `{0}` must be 1..=64 characters of [a-z0-9_-]")]
    SegmentName(String),
    /// Two segments share a name.
    #[error("segment `{0}` is defined twice")]
    DuplicateSegment(String),
    /// Too many segments.
    #[error("a ruleset holds at most {MAX_SEGMENTS} segments")]
    TooManySegments,
    /// A slot's default variant needs a segment or a category (it must always apply).
    #[error("slot `{slot}`: the default variant must not need a segment or category")]
    DefaultNeedsSegment {
        /// The slot.
        slot: String,
    },
    /// A slot variant names a segment that doesn't exist.
    #[error("slot `{slot}` variant `{variant}` names unknown segment `{segment}`")]
    UnknownSegment {
        /// The slot.
        slot: String,
        /// The variant.
        variant: String,
        /// The missing segment.
        segment: String,
    },
    /// A policy value is out of range.
    #[error("{0}")]
    Policy(String),
}

/// Compiles an authoring ruleset: every rule is compiled once, fields resolved to slots, and the whole
/// ruleset checked (names, shapes, references, policy ranges).
pub fn compile(source: &RulesetSource) -> Result<Ruleset, RulesetError> {
    if source.segments.len() > MAX_SEGMENTS {
        return Err(RulesetError::TooManySegments);
    }
    let mut table = FieldTable::default();
    let mut segments = Vec::with_capacity(source.segments.len());
    for seg in &source.segments {
        if !is_valid_segment_name(&seg.name) {
            return Err(RulesetError::SegmentName(seg.name.clone()));
        }
        if segments.iter().any(|s: &Segment| *s.name == *seg.name) {
            return Err(RulesetError::DuplicateSegment(seg.name.clone()));
        }
        let shape = |message| RulesetError::SegmentShape {
            segment: seg.name.clone(),
            message,
        };
        let compile_rule = |json: &serde_json::Value, table: &mut FieldTable| {
            rules::compile(json, table).map_err(|error| RulesetError::Rule {
                segment: seg.name.clone(),
                error,
            })
        };
        let test = match (&seg.rule, &seg.score, seg.threshold) {
            (Some(rule), None, None) => SegmentTest::Boolean(compile_rule(rule, &mut table)?),
            (None, Some(score), Some(threshold)) if threshold.is_finite() => SegmentTest::Score {
                rule: compile_rule(score, &mut table)?,
                threshold,
            },
            (None, Some(_), _) => return Err(shape("`score` needs a finite `threshold`")),
            (Some(_), None, Some(_)) => {
                return Err(shape("`threshold` goes with `score`, not `rule`"))
            }
            (Some(_), Some(_), _) => return Err(shape("give either `rule` or `score`, not both")),
            (None, None, _) => return Err(shape("needs a `rule` or a `score`")),
        };
        segments.push(Segment {
            name: seg.name.as_str().into(),
            priority: seg.priority,
            test,
        });
    }
    segments.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.name.cmp(&b.name))
    });
    check_slots(&source.slots, &segments)?;
    check_timing(&source.timing)?;
    Ok(Ruleset {
        name: source.name.clone(),
        fields: table.into_fields(),
        segments,
        channels: source.channels.clone(),
        timing: source.timing.clone(),
        affinity: source.affinity,
        slots: source.slots.clone(),
        catalogue: source.catalogue.clone(),
    })
}

impl Ruleset {
    /// Checks a decoded ruleset (e.g. from a snapshot) so evaluation can never index out of range.
    pub fn validate(&self) -> Result<(), RulesetError> {
        for segment in &self.segments {
            let rule = match &segment.test {
                SegmentTest::Boolean(rule) | SegmentTest::Score { rule, .. } => rule,
            };
            rule.validate(self.fields.len())
                .map_err(|error| RulesetError::Rule {
                    segment: String::from(&*segment.name),
                    error,
                })?;
        }
        check_slots(&self.slots, &self.segments)?;
        check_timing(&self.timing)
    }
}

fn is_valid_segment_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn check_slots(slots: &[Slot], segments: &[Segment]) -> Result<(), RulesetError> {
    for slot in slots {
        if slot.default.segment.is_some() || slot.default.category.is_some() {
            return Err(RulesetError::DefaultNeedsSegment {
                slot: slot.name.clone(),
            });
        }
        for variant in &slot.variants {
            if let Some(name) = &variant.segment {
                if !segments.iter().any(|s| *s.name == **name) {
                    return Err(RulesetError::UnknownSegment {
                        slot: slot.name.clone(),
                        variant: variant.id.clone(),
                        segment: name.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

fn check_timing(timing: &TimingPolicy) -> Result<(), RulesetError> {
    let hours = [
        timing.quiet_hours.start_hour,
        timing.quiet_hours.end_hour,
        timing.send_window.start_hour,
    ];
    if hours
        .iter()
        .chain([&timing.send_window.end_hour, &timing.default_hour])
        .any(|h| *h > 23)
    {
        return Err(RulesetError::Policy("timing: hours must be 0..=23".into()));
    }
    if !(1..=336).contains(&timing.horizon_hours) {
        return Err(RulesetError::Policy(
            "timing: horizon_hours must be 1..=336".into(),
        ));
    }
    if !timing.population_prior.is_empty()
        && (timing.population_prior.len() != HOURS_PER_WEEK
            || timing.population_prior.iter().any(|l| *l > 3))
    {
        return Err(RulesetError::Policy(
            "timing: population_prior must be 168 levels of 0..=3".into(),
        ));
    }
    Ok(())
}
