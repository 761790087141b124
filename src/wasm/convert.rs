//! A `Decision` as plain JS objects, built directly: property keys, enum values and segment names are JS
//! strings made once and reused, so a decision costs property sets, not string decoding.

use crate::channel::Channel;
use crate::decide::{
    ChannelChoice, ChoiceBasis, Decision, ExclusionReason, ResponseBasis, SendTime, SlotChoice,
    TimingOutcome, TimingSource, VariantBasis,
};
use crate::ruleset::ItemBlock;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// A plain object whose properties are set with `object[key] = value` (cheaper than `Reflect.set`).
    type PlainObject;

    #[wasm_bindgen(method, structural, indexing_setter)]
    fn set(this: &PlainObject, key: &JsValue, value: &JsValue);
}

/// JS strings for a fixed list of names, indexed like the list (with `null` past the end).
struct Names(Vec<JsValue>, JsValue);

impl Names {
    fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Names {
        Names(
            names.into_iter().map(JsValue::from_str).collect(),
            JsValue::NULL,
        )
    }

    fn get(&self, index: usize) -> JsValue {
        self.0.get(index).cloned().unwrap_or(JsValue::NULL)
    }

    fn get_ref(&self, index: usize) -> &JsValue {
        self.0.get(index).unwrap_or(&self.1)
    }
}

/// The keys of every object of a decision, in the order of [`KEYS`].
const KEYS: [&str; 26] = [
    "personalized",
    "subject",
    "segments",
    "topCategory",
    "channel",
    "timing",
    "content",
    "name",
    "priority",
    "matched",
    "score",
    "basis",
    "excluded",
    "ranking",
    "reason",
    "expectedResponsePct",
    "cost",
    "at",
    "localHourOfWeek",
    "bestHourOfWeek",
    "source",
    "outcome",
    "slot",
    "variant",
    "segment",
    "skipped",
];

#[derive(Clone, Copy)]
enum Key {
    Personalized,
    Subject,
    Segments,
    TopCategory,
    Channel,
    Timing,
    Content,
    Name,
    Priority,
    Matched,
    Score,
    Basis,
    Excluded,
    Ranking,
    Reason,
    ExpectedResponsePct,
    Cost,
    At,
    LocalHourOfWeek,
    BestHourOfWeek,
    Source,
    Outcome,
    Slot,
    Variant,
    Segment,
    Skipped,
}

/// Cached JS strings of the keys and of every enum value a decision holds.
pub struct Strings {
    keys: Names,
    channels: Names,
    exclusions: Names,
    responses: Names,
    choices: Names,
    sources: Names,
    outcomes: Names,
    variant_bases: Names,
    item_blocks: Names,
}

impl Strings {
    /// Makes every JS string once.
    pub fn new() -> Strings {
        Strings {
            keys: Names::of(KEYS),
            channels: Names::of(Channel::ALL.map(Channel::name)),
            exclusions: Names::of(ExclusionReason::ALL.map(ExclusionReason::name)),
            responses: Names::of(ResponseBasis::ALL.map(ResponseBasis::name)),
            choices: Names::of(ChoiceBasis::ALL.map(ChoiceBasis::name)),
            sources: Names::of(TimingSource::ALL.map(TimingSource::name)),
            outcomes: Names::of(TimingOutcome::ALL.map(TimingOutcome::name)),
            variant_bases: Names::of(VariantBasis::ALL.map(VariantBasis::name)),
            item_blocks: Names::of(ItemBlock::ALL.map(ItemBlock::name)),
        }
    }

    fn set(&self, object: &Object, key: Key, value: &JsValue) {
        object
            .unchecked_ref::<PlainObject>()
            .set(self.keys.get_ref(key as usize), value);
    }

    fn channel(&self, channel: Channel) -> JsValue {
        self.channels.get(channel.index())
    }

    /// The decision as a plain object; `segment_names` are the ruleset's segment names as JS strings, in the
    /// ruleset's order (the order of `decision.segments`).
    pub fn decision(&self, decision: &Decision, segment_names: &[JsValue]) -> JsValue {
        let out = Object::new();
        self.set(&out, Key::Personalized, &decision.personalized.into());
        self.set(&out, Key::Subject, &text(decision.subject.as_deref()));
        let segments = Array::new_with_length(decision.segments.len() as u32);
        for (i, s) in decision.segments.iter().enumerate() {
            let o = Object::new();
            let name = segment_names
                .get(i)
                .cloned()
                .unwrap_or_else(|| JsValue::from_str(&s.name));
            self.set(&o, Key::Name, &name);
            self.set(&o, Key::Priority, &f64::from(s.priority).into());
            self.set(&o, Key::Matched, &s.matched.into());
            self.set(
                &o,
                Key::Score,
                &s.score.map_or(JsValue::NULL, JsValue::from_f64),
            );
            segments.set(i as u32, o.into());
        }
        self.set(&out, Key::Segments, &segments);
        self.set(
            &out,
            Key::TopCategory,
            &text(decision.top_category.as_deref()),
        );
        self.set(&out, Key::Channel, &self.channel_choice(&decision.channel));
        self.set(
            &out,
            Key::Timing,
            &decision
                .timing
                .as_ref()
                .map_or(JsValue::NULL, |t| self.send_time(t)),
        );
        let content: Array = decision
            .content
            .iter()
            .map(|c| self.slot_choice(c))
            .collect();
        self.set(&out, Key::Content, &content);
        out.into()
    }

    fn channel_choice(&self, choice: &ChannelChoice) -> JsValue {
        let out = Object::new();
        self.set(
            &out,
            Key::Channel,
            &choice.channel.map_or(JsValue::NULL, |c| self.channel(c)),
        );
        self.set(&out, Key::Basis, &self.choices.get(choice.basis as usize));
        let excluded: Array = choice
            .excluded
            .iter()
            .map(|e| {
                let o = Object::new();
                self.set(&o, Key::Channel, &self.channel(e.channel));
                self.set(&o, Key::Reason, &self.exclusions.get(e.reason as usize));
                JsValue::from(o)
            })
            .collect();
        self.set(&out, Key::Excluded, &excluded);
        let ranking: Array = choice
            .ranking
            .iter()
            .map(|r| {
                let o = Object::new();
                self.set(&o, Key::Channel, &self.channel(r.channel));
                self.set(
                    &o,
                    Key::ExpectedResponsePct,
                    &f64::from(r.expected_response_pct).into(),
                );
                self.set(&o, Key::Basis, &self.responses.get(r.basis as usize));
                self.set(&o, Key::Cost, &f64::from(r.cost).into());
                self.set(&o, Key::Priority, &f64::from(r.priority).into());
                JsValue::from(o)
            })
            .collect();
        self.set(&out, Key::Ranking, &ranking);
        out.into()
    }

    fn send_time(&self, t: &SendTime) -> JsValue {
        let out = Object::new();
        self.set(
            &out,
            Key::At,
            &t.at
                .map_or(JsValue::NULL, |at| JsValue::from_f64(at as f64)),
        );
        let hour = |h: Option<u16>| h.map_or(JsValue::NULL, |h| JsValue::from_f64(f64::from(h)));
        self.set(&out, Key::LocalHourOfWeek, &hour(t.local_hour_of_week));
        self.set(&out, Key::BestHourOfWeek, &hour(t.best_hour_of_week));
        self.set(&out, Key::Source, &self.sources.get(t.source as usize));
        self.set(&out, Key::Outcome, &self.outcomes.get(t.outcome as usize));
        out.into()
    }

    fn slot_choice(&self, c: &SlotChoice) -> JsValue {
        let out = Object::new();
        self.set(&out, Key::Slot, &JsValue::from_str(&c.slot));
        self.set(&out, Key::Variant, &JsValue::from_str(&c.variant));
        self.set(&out, Key::Content, &JsValue::from_str(&c.content));
        self.set(&out, Key::Basis, &self.variant_bases.get(c.basis as usize));
        self.set(&out, Key::Segment, &text(c.segment.as_deref()));
        let skipped: Array = c
            .skipped
            .iter()
            .map(|s| {
                let o = Object::new();
                self.set(&o, Key::Variant, &JsValue::from_str(&s.variant));
                self.set(&o, Key::Reason, &self.item_blocks.get(s.reason as usize));
                JsValue::from(o)
            })
            .collect();
        self.set(&out, Key::Skipped, &skipped);
        out.into()
    }
}

fn text(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}
