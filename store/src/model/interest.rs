//! Category interest: decayed, weighted views, add-to-carts and purchases per category, turned into the
//! snapshot's affinities (normalization by saturation, so thin evidence stays low).

use super::decay::DecayedMap;
use super::policy::Policy;
use persona_edge::profile::CategoryAffinity;
use serde::{Deserialize, Serialize};

/// Decayed interest weight per category, at most [`Policy::max_categories`] of them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Interest(DecayedMap<String>);

impl Interest {
    /// Adds another customer's interest (a linked identifier's); the weakest categories beyond the cap go.
    pub(crate) fn absorb(&mut self, other: &Interest, policy: &Policy) {
        self.0.absorb(&other.0, policy.interest_half_life_days);
        self.0.keep_strongest(policy.max_categories);
    }

    /// Adds `weight` of interest in `category` shown on `day`; the weakest categories beyond the cap go.
    pub(crate) fn add(&mut self, category: &str, weight: f64, day: u32, policy: &Policy) {
        self.0.add(
            category.to_owned(),
            weight,
            day,
            policy.interest_half_life_days,
        );
        self.0.keep_strongest(policy.max_categories);
    }

    /// The strongest affinities on `today`, strongest first, at most [`Policy::snapshot_affinities`],
    /// each `100 * w / (w + k)` with `k` = [`Policy::affinity_half_saturation`]; zero scores are left out.
    pub(crate) fn affinities(&self, policy: &Policy, today: u32) -> Vec<CategoryAffinity> {
        let mut ranked: Vec<(&String, f64)> = self
            .0
            .iter_at(today, policy.interest_half_life_days)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
            .into_iter()
            .take(policy.snapshot_affinities)
            .map(|(category, weight)| CategoryAffinity {
                category: category.clone(),
                score: saturate(weight, policy.affinity_half_saturation),
            })
            .filter(|a| a.score > 0)
            .collect()
    }
}

/// `100 * w / (w + k)`, rounded: 50 at `w = k`, towards 100 as evidence grows.
fn saturate(weight: f64, half_saturation: f64) -> u8 {
    let weight = weight.max(0.0);
    let score = if half_saturation > 0.0 {
        100.0 * weight / (weight + half_saturation)
    } else if weight > 0.0 {
        100.0
    } else {
        0.0
    };
    score.round().clamp(0.0, 100.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation_is_bounded_and_monotonic() {
        assert_eq!(saturate(0.0, 8.0), 0);
        assert_eq!(saturate(8.0, 8.0), 50);
        assert_eq!(saturate(24.0, 8.0), 75);
        assert_eq!(saturate(1e12, 8.0), 100);
        assert_eq!(saturate(f64::NAN, 8.0), 0);
        assert_eq!(saturate(1.0, 0.0), 100);
    }

    #[test]
    fn keeps_at_most_the_cap_and_emits_the_top_few() {
        let policy = Policy::default();
        let mut interest = Interest::default();
        for i in 0..40 {
            interest.add(&format!("cat{i:02}"), f64::from(i) + 1.0, 100, &policy);
        }
        assert_eq!(interest.0.iter_at(100, 30.0).count(), policy.max_categories);
        let top = interest.affinities(&policy, 100);
        assert_eq!(top.len(), policy.snapshot_affinities);
        assert_eq!(top[0].category, "cat39");
        assert!(top.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn affinities_fade_with_time() {
        let policy = Policy::default();
        let mut interest = Interest::default();
        interest.add("camping", policy.purchase_weight, 1000, &policy);
        let fresh = interest.affinities(&policy, 1000)[0].score;
        let month = interest.affinities(&policy, 1030)[0].score;
        assert_eq!(fresh, 50);
        assert!(month < fresh);
        assert!(interest.affinities(&policy, 1000 + 3 * 365).is_empty());
    }
}
