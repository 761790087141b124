//! Content per web slot: the best qualifying variant, gated by the catalogue (sell what exists).

use crate::prelude::*;

use super::segments::SegmentResult;
use crate::ruleset::{Catalogue, ItemBlock, Margin, Slot, Variant};
use crate::vocabulary::vocabulary;
use serde::{Deserialize, Serialize};

/// Why a variant was passed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedVariant {
    /// The variant.
    pub variant: String,
    /// Why it can't be shown.
    pub reason: ItemBlock,
}

vocabulary! {
    /// Why the chosen variant won.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum VariantBasis {
        /// Its segment matched (the highest-priority matching segment wins).
        Segment => "segment",
        /// It is for the customer's top category.
        TopCategory => "top_category",
        /// The slot's default.
        Default => "default",
    }
}

/// The content chosen for one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotChoice {
    /// Slot name.
    pub slot: String,
    /// Chosen variant id.
    pub variant: String,
    /// Its content.
    pub content: String,
    /// Why it was chosen.
    pub basis: VariantBasis,
    /// The segment that selected it, if any.
    pub segment: Option<String>,
    /// Qualifying variants that could not be shown (out of stock, slow delivery, unknown item).
    pub skipped: Vec<SkippedVariant>,
}

/// Chooses a variant for every slot. Qualifying variants are ranked by the priority of their segment
/// (segment variants before category variants), then by item margin, then by authoring order.
pub fn choose_content(
    slots: &[Slot],
    catalogue: &Catalogue,
    segments: &[SegmentResult],
    top_category: Option<&str>,
) -> Vec<SlotChoice> {
    slots
        .iter()
        .map(|slot| choose_slot(slot, catalogue, segments, top_category))
        .collect()
}

fn choose_slot(
    slot: &Slot,
    catalogue: &Catalogue,
    segments: &[SegmentResult],
    top: Option<&str>,
) -> SlotChoice {
    let mut skipped = Vec::new();
    let mut best: Option<(&Variant, (i64, Margin), VariantBasis)> = None;
    for variant in &slot.variants {
        let Some((rank, basis)) = qualifies(variant, segments, top) else {
            continue;
        };
        let margin = match variant.item.as_deref().map(|id| catalogue.sellable(id)) {
            None => Margin::default(),
            Some(Ok(item)) => item.margin,
            Some(Err(reason)) => {
                skipped.push(SkippedVariant {
                    variant: variant.id.clone(),
                    reason,
                });
                continue;
            }
        };
        let key = (rank, margin);
        if best.as_ref().is_none_or(|(_, best_key, _)| key > *best_key) {
            best = Some((variant, key, basis));
        }
    }
    let (variant, basis) = best.map_or((&slot.default, VariantBasis::Default), |(v, _, b)| (v, b));
    SlotChoice {
        slot: slot.name.clone(),
        variant: variant.id.clone(),
        content: variant.content.clone(),
        basis,
        segment: if basis == VariantBasis::Segment {
            variant.segment.clone()
        } else {
            None
        },
        skipped,
    }
}

/// Whether a variant's conditions hold, and its rank: segment variants rank by segment priority above all
/// category variants.
fn qualifies(
    variant: &Variant,
    segments: &[SegmentResult],
    top: Option<&str>,
) -> Option<(i64, VariantBasis)> {
    if let Some(category) = &variant.category {
        if top != Some(category.as_str()) {
            return None;
        }
    }
    match &variant.segment {
        Some(name) => segments
            .iter()
            .find(|s| s.matched && *s.name == **name)
            .map(|s| (i64::from(s.priority) + (1 << 40), VariantBasis::Segment)),
        None if variant.category.is_some() => Some((0, VariantBasis::TopCategory)),
        None => None,
    }
}
