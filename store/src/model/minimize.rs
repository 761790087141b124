//! Minimization: the snapshot profile as of a moment, computed from the stored aggregates. Only bands,
//! scores, counts and days leave the store; no order ids, case ids, instants or raw amounts.

use super::decay::day_of;
use super::policy::Policy;
use super::state::ProfileState;
use super::zone;
use persona_edge::profile::{
    Behaviour, ConsentLedger, ConsentState, LifecycleStage, Predictions, Profile, Purpose,
};

impl ProfileState {
    /// Minimization: the snapshot profile as of `now` (Unix seconds).
    pub fn to_profile(&self, policy: &Policy, now: u64) -> Profile {
        let today = day_of(now);
        let commerce = &self.commerce;
        let zone = zone::lookup(self.traits.time_zone.as_deref());
        let lifecycle = self.lifecycle(policy, today);
        // With `personalization` denied the snapshot carries no inferred behaviour (the store keeps none
        // either; this also covers a state stored before the refusal was honoured).
        let inferred = !self.denied(Purpose::Personalization);
        Profile {
            subject: self.subject.clone(),
            locale: self.traits.locale.clone().unwrap_or_default(),
            country: self.traits.country.clone().unwrap_or_default(),
            zone: zone::schedule(zone.as_ref(), now, policy.zone_horizon_days),
            loyalty_tier: self.traits.loyalty_tier,
            lifecycle,
            net_value_band: commerce.net_value_band(policy),
            net_value: commerce.net_value_generalized(policy),
            return_rate: commerce.return_rate(),
            consent: self.consent_ledger(),
            preferences: self.preferences.clone(),
            behaviour: Behaviour {
                affinities: if inferred {
                    self.interest.affinities(policy, today)
                } else {
                    Default::default()
                },
                affinity_day: today,
                price_band: commerce.price_band(policy),
                discount_sensitivity: commerce.discount_sensitivity(policy),
                rfm: commerce.rfm(policy, today),
                engagement: if inferred {
                    self.engagement
                        .counts(today, policy.engagement_half_life_days)
                } else {
                    Default::default()
                },
                recent_sends: self.sends.counts(now),
                activity: if inferred {
                    self.activity.overall(policy, today)
                } else {
                    Default::default()
                },
                channel_activity: if inferred {
                    self.activity.per_channel(policy, today)
                } else {
                    Default::default()
                },
            },
            predictions: Predictions {
                churn_risk: self.predictions.churn_risk.unwrap_or_else(|| {
                    if lifecycle == LifecycleStage::Churned {
                        100
                    } else {
                        commerce.churn_risk(policy, today)
                    }
                }),
                purchase_propensity: self.predictions.purchase_propensity.unwrap_or(0),
            },
            service: self.service.state(now, policy),
        }
    }

    /// Churned when the account is closed; else the stage the system of record set; else derived.
    fn lifecycle(&self, policy: &Policy, today: u32) -> LifecycleStage {
        if self.traits.account_closed {
            LifecycleStage::Churned
        } else {
            self.traits
                .lifecycle
                .unwrap_or_else(|| self.commerce.lifecycle(policy, today))
        }
    }

    /// The consent ledger with purposes in a fixed order and purposes never recorded left out.
    fn consent_ledger(&self) -> ConsentLedger {
        let purposes = Purpose::ALL
            .into_iter()
            .filter_map(|purpose| {
                self.consent
                    .purposes
                    .iter()
                    .find(|(p, c)| {
                        *p == purpose && (c.state != ConsentState::Unknown || c.day != 0)
                    })
                    .copied()
            })
            .collect();
        ConsentLedger {
            channels: self.consent.channels,
            purposes,
        }
    }
}
