//! A `Decision` (and a live session's state) handed to JS as a flat tape: numbers in one `Float64Array`
//! view of wasm memory and every string in one text, turned into plain objects by `decision.js` in one
//! call. Building the objects on the JS side costs object literals instead of a boundary crossing per
//! property (the decision of a 50-segment ruleset has ~250 properties).
//!
//! The layout is private to this file and `decision.js` (read in the same order as written here):
//! numbers are `f64`, `NaN` stands for `null`, enums are indexes into the name tables of
//! [`Names::new`], and a string is its length in UTF-16 code units (`-1` for `null`) on the tape with its
//! text appended to the text.

use super::host;
use crate::channel::Channel;
use crate::context::MessagePurpose;
use crate::decide::{
    ChannelChoice, ChoiceBasis, Decision, ExclusionReason, ResponseBasis, SendTime, SlotChoice,
    TimingConstraint, TimingOutcome, TimingSource, VariantBasis,
};
use crate::prelude::*;
use crate::ruleset::ItemBlock;
use crate::session::{Device, Session};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/decision.js")]
extern "C" {
    /// Builds the `Decision` object from a tape (see the module docs).
    #[wasm_bindgen(js_name = decisionFromTape)]
    fn decision_from_tape(
        tape: &[f64],
        text: &str,
        segment_names: &JsValue,
        names: &JsValue,
    ) -> JsValue;

    /// Builds a session's state object from a tape (see [`session_state`]).
    #[wasm_bindgen(js_name = sessionFromTape)]
    fn session_from_tape(tape: &[f64], text: &str) -> JsValue;
}

/// A live session's state as a plain object, in one call: `{ live, device (index of `Device::ALL`),
/// pageType, pageViews, categories: [{ category, views }], cartValue }`.
pub fn session_state(session: &Session) -> JsValue {
    let mut tape = Tape::default();
    tape.flag(session.live);
    tape.index(
        Device::ALL
            .iter()
            .position(|d| *d == session.device)
            .unwrap_or(0),
    );
    tape.string(Some(&session.page_type));
    tape.number(session.page_views);
    tape.count(session.categories.len());
    for c in &session.categories {
        tape.string(Some(&c.category));
        tape.number(c.views);
    }
    tape.number(session.cart_value);
    session_from_tape(&tape.numbers, &tape.text)
}

/// The JS name tables of every enum a decision holds, made once per engine, in the order `decision.js`
/// reads them.
pub struct Names(JsValue);

/// Appends one name table to `text` (after an empty line unless it is the first).
pub fn push_table(text: &mut String, names: &[&str]) {
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(name);
    }
}

impl Names {
    /// Makes every JS string once.
    pub fn new() -> Names {
        let mut text = String::new();
        push_table(&mut text, &Channel::ALL.map(Channel::name));
        push_table(&mut text, &ChoiceBasis::ALL.map(ChoiceBasis::name));
        push_table(&mut text, &ExclusionReason::ALL.map(ExclusionReason::name));
        push_table(&mut text, &ResponseBasis::ALL.map(ResponseBasis::name));
        push_table(&mut text, &TimingSource::ALL.map(TimingSource::name));
        push_table(&mut text, &TimingOutcome::ALL.map(TimingOutcome::name));
        push_table(&mut text, &VariantBasis::ALL.map(VariantBasis::name));
        push_table(&mut text, &ItemBlock::ALL.map(ItemBlock::name));
        push_table(
            &mut text,
            &TimingConstraint::ALL.map(TimingConstraint::name),
        );
        push_table(&mut text, &MessagePurpose::ALL.map(MessagePurpose::name));
        Names(host::tables(&text))
    }

    /// The decision as a plain object; `segment_names` are the ruleset's segment names as a JS array, in
    /// the ruleset's order (the order of `decision.segments`).
    pub fn decision(&self, decision: &Decision, segment_names: &JsValue) -> JsValue {
        let mut tape = Tape::default();
        tape.write(decision);
        decision_from_tape(&tape.numbers, &tape.text, segment_names, &self.0)
    }
}

/// The tape being written.
#[derive(Default)]
struct Tape {
    numbers: Vec<f64>,
    text: String,
}

impl Tape {
    fn number(&mut self, value: impl Into<f64>) {
        self.numbers.push(value.into());
    }

    fn flag(&mut self, value: bool) {
        self.number(u8::from(value));
    }

    fn optional(&mut self, value: Option<f64>) {
        self.number(value.unwrap_or(f64::NAN));
    }

    fn index(&mut self, index: usize) {
        self.number(index as f64);
    }

    fn count(&mut self, count: usize) {
        self.index(count);
    }

    fn string(&mut self, value: Option<&str>) {
        match value {
            None => self.number(-1),
            Some(s) => {
                let units = if s.is_ascii() {
                    s.len()
                } else {
                    s.encode_utf16().count()
                };
                self.count(units);
                self.text.push_str(s);
            }
        }
    }

    fn write(&mut self, decision: &Decision) {
        self.flag(decision.personalized);
        self.string(decision.subject.as_deref());
        self.string(decision.top_category.as_deref());
        self.count(decision.segments.len());
        for s in &decision.segments {
            self.number(s.priority);
            self.flag(s.matched);
            self.optional(s.score);
        }
        self.channel_choice(&decision.channel);
        self.flag(decision.timing.is_some());
        if let Some(timing) = &decision.timing {
            self.send_time(timing);
        }
        self.count(decision.content.len());
        for slot in &decision.content {
            self.slot_choice(slot);
        }
    }

    fn channel(&mut self, channel: Option<Channel>) {
        self.optional(channel.map(|c| c.index() as f64));
    }

    fn channel_choice(&mut self, choice: &ChannelChoice) {
        self.channel(choice.channel);
        self.index(choice.basis as usize);
        self.count(choice.excluded.len());
        for e in &choice.excluded {
            self.channel(Some(e.channel));
            self.index(e.reason as usize);
        }
        self.count(choice.ranking.len());
        for r in &choice.ranking {
            self.channel(Some(r.channel));
            self.number(r.expected_response_pct);
            self.index(r.basis as usize);
            self.number(r.own_observations);
            self.number(r.cost);
            self.number(r.priority);
        }
    }

    fn send_time(&mut self, t: &SendTime) {
        self.optional(t.at.map(|at| at as f64));
        self.optional(t.local_hour_of_week.map(f64::from));
        self.optional(t.best_hour_of_week.map(f64::from));
        self.index(t.source as usize);
        self.index(t.outcome as usize);
        self.optional(t.constraint.map(|c| c as usize as f64));
        self.index(t.purpose as usize);
    }

    fn slot_choice(&mut self, c: &SlotChoice) {
        self.string(Some(&c.slot));
        self.string(Some(&c.variant));
        self.string(Some(&c.content));
        self.index(c.basis as usize);
        self.string(c.segment.as_deref());
        self.count(c.skipped.len());
        for s in &c.skipped {
            self.string(Some(&s.variant));
            self.index(s.reason as usize);
        }
    }
}
