//! Segment scoring: every segment of the ruleset evaluated against one profile, session and context.

use crate::prelude::*;

use super::DecisionInput;
use crate::ruleset::{Ruleset, SegmentTest};
use alloc::sync::Arc;
use serde::{Deserialize, Serialize};

/// One segment's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentResult {
    /// Segment name.
    pub name: Arc<str>,
    /// Segment priority.
    pub priority: i32,
    /// Whether the customer is in the segment.
    pub matched: bool,
    /// The score, for score segments (`None` for boolean segments, or when the score is not a number).
    pub score: Option<f64>,
}

/// Evaluates every segment, in the ruleset's priority order.
pub fn score_segments(ruleset: &Ruleset, input: &DecisionInput<'_>) -> Vec<SegmentResult> {
    let slots = input.bind(&ruleset.fields);
    ruleset
        .segments
        .iter()
        .map(|segment| {
            let (matched, score) = match &segment.test {
                SegmentTest::Boolean(rule) => (rule.evaluate_bool(&slots), None),
                SegmentTest::Score { rule, threshold } => {
                    let score = rule.evaluate_number(&slots).filter(|s| s.is_finite());
                    (score.is_some_and(|s| s >= *threshold), score)
                }
            };
            SegmentResult {
                name: segment.name.clone(),
                priority: segment.priority,
                matched,
                score,
            }
        })
        .collect()
}
