//! One customer's view across linked identifiers: the states of the identifiers linked to a customer
//! (an anonymous browser that logged in, an imported record matched to it) are merged into the state the
//! customer's snapshot is minimized from. Each identifier keeps its own stored state, so a link that
//! splits later takes exactly what that identifier contributed back out.
//!
//! What merges:
//! - **Behaviour** (interest, activity, engagement, commerce, recent sends, service situations) adds up,
//!   each value decayed from its own day. Inferred behaviour (interest, activity, engagement) is left out
//!   when the customer denied `personalization`.
//! - **Consent**: the customer's own records rule. Where the customer recorded nothing for a channel or
//!   purpose, a linked identifier's *denial* applies (a withdrawal travels with the person); a linked
//!   identifier's grant never does.
//! - **Traits**: locale, country and time zone fill in where the customer's are unknown; the rest (tier,
//!   lifecycle, closed account), stated preferences and supplied predictions are the customer's own.

use super::policy::Policy;
use super::state::ProfileState;
use persona_edge::profile::{Consent, ConsentState, Purpose};

impl ProfileState {
    /// The view of a customer's cluster served to `serve_as` (the customer or one of its members): this
    /// (the customer's) state with every member's state absorbed, under `serve_as`'s subject id (a
    /// member's snapshot must name the subject its token was issued for).
    pub fn merged<'a>(
        mut self,
        members: impl IntoIterator<Item = &'a ProfileState>,
        serve_as: &str,
        policy: &Policy,
        now: u64,
    ) -> ProfileState {
        for member in members {
            self.absorb(member, policy, now);
        }
        serve_as.clone_into(&mut self.subject);
        self
    }

    /// Merges a linked identifier's state into this (the customer's) state, as of `now`.
    pub fn absorb(&mut self, other: &ProfileState, policy: &Policy, now: u64) {
        for (mine, theirs) in self
            .consent
            .channels
            .0
            .iter_mut()
            .zip(other.consent.channels.0.iter())
        {
            travel(mine, theirs);
        }
        for (purpose, theirs) in &other.consent.purposes {
            match self.consent.purposes.iter_mut().find(|(p, _)| p == purpose) {
                Some((_, mine)) => travel(mine, theirs),
                None if theirs.state == ConsentState::Denied => {
                    self.consent.purposes.push((*purpose, *theirs));
                }
                None => {}
            }
        }
        let traits = &mut self.traits;
        traits.locale = traits.locale.take().or_else(|| other.traits.locale.clone());
        traits.country = traits
            .country
            .take()
            .or_else(|| other.traits.country.clone());
        traits.time_zone = traits
            .time_zone
            .take()
            .or_else(|| other.traits.time_zone.clone());

        self.commerce.absorb(&other.commerce, policy);
        self.sends
            .absorb(&other.sends, now, policy.max_recent_sends);
        self.service.absorb(&other.service, policy);
        if self.denied(Purpose::Personalization) {
            self.forget_inferred();
        } else {
            self.interest.absorb(&other.interest, policy);
            self.activity.absorb(&other.activity, policy);
            self.engagement
                .absorb(&other.engagement, policy.engagement_half_life_days);
        }
    }
}

/// A linked identifier's consent applies only as a denial where the customer recorded nothing.
fn travel(mine: &mut Consent, theirs: &Consent) {
    if mine.state == ConsentState::Unknown && theirs.state == ConsentState::Denied {
        *mine = *theirs;
    }
}
