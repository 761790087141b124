//! Segments: named JSON Logic rules, boolean or scored, with priorities.

use crate::prelude::*;

use crate::codec::{Decodable, Invalid, Reader};
use crate::rules::Rule;
use alloc::sync::Arc;
use bincode::Encode;
use serde::{Deserialize, Serialize};

/// How a segment decides membership.
#[derive(Debug, Clone, PartialEq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub enum SegmentTest {
    /// The rule's result is truthy.
    Boolean(Rule),
    /// The rule computes a number; members score at least `threshold`.
    Score {
        /// The numeric score expression.
        rule: Rule,
        /// Lowest score that makes a member.
        threshold: f64,
    },
}

impl Decodable for SegmentTest {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => SegmentTest::Boolean(r.read()?),
            1 => SegmentTest::Score {
                rule: r.read()?,
                threshold: r.read()?,
            },
            _ => return Err(Invalid::Tag),
        })
    }
}

/// A compiled segment.
#[derive(Debug, Clone, PartialEq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub struct Segment {
    /// Segment name (unique in the ruleset); shared, so decisions can name it without copying.
    pub name: Arc<str>,
    /// Higher priority segments come first in decisions and win content slots.
    pub priority: i32,
    /// The membership test.
    pub test: SegmentTest,
}

impl Decodable for Segment {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Segment {
            name: r.read()?,
            priority: r.read()?,
            test: r.read()?,
        })
    }
}

/// A segment as written by people: `rule` (boolean) or `score` with `threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSource {
    /// Segment name: 1..=64 characters of `[a-z0-9_-]`.
    pub name: String,
    /// Priority (default 0).
    #[serde(default)]
    pub priority: i32,
    /// A JSON Logic rule whose truthy result means membership.
    #[serde(default)]
    pub rule: Option<serde_json::Value>,
    /// A JSON Logic expression computing a score.
    #[serde(default)]
    pub score: Option<serde_json::Value>,
    /// Membership threshold for `score`.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Free text for people reading the ruleset.
    #[serde(default)]
    pub description: Option<String>,
}
