//! Category affinity at decision time: stored affinities decay with age, the live session adds to them.

use crate::profile::Profile;
use crate::ruleset::AffinityPolicy;
use crate::session::Session;

const SECONDS_PER_DAY: u64 = 86_400;

/// Category affinity at one moment for one customer. The decay factor depends only on the age of the
/// stored affinities, so it is computed once here, not once per category.
#[derive(Debug, Clone, Copy)]
pub struct AffinityNow<'a> {
    profile: Option<&'a Profile>,
    session: &'a Session,
    decay: f64,
    view_weight: f64,
}

impl<'a> AffinityNow<'a> {
    /// Affinity as of `now` (Unix seconds) under `policy`.
    pub fn new(
        profile: Option<&'a Profile>,
        session: &'a Session,
        policy: &AffinityPolicy,
        now: u64,
    ) -> Self {
        let decay = match profile {
            Some(p) if policy.half_life_days > 0.0 => {
                let age_days = (now / SECONDS_PER_DAY)
                    .saturating_sub(u64::from(p.behaviour.affinity_day))
                    as f64;
                crate::math::powf(0.5, age_days / policy.half_life_days)
            }
            _ => 1.0,
        };
        AffinityNow {
            profile,
            session,
            decay,
            view_weight: policy.session_view_weight.max(0.0),
        }
    }

    /// The affinity for a category, 0..=100: the stored score halved every `half_life_days` since it was
    /// computed, plus `session_view_weight` per view in this session, capped at 100.
    pub fn of(&self, category: &str) -> f64 {
        let stored = self.profile.map_or(0.0, |p| {
            f64::from(p.behaviour.affinity(category)) * self.decay
        });
        let live = f64::from(self.session.views_of(category)) * self.view_weight;
        (stored + live).min(100.0)
    }

    /// The category with the highest affinity (ties go to the name that sorts first), or `None` when
    /// nothing is known.
    pub fn top(&self) -> Option<&'a str> {
        let stored = self
            .profile
            .into_iter()
            .flat_map(|p| p.behaviour.affinities.iter().map(|a| a.category.as_str()));
        let live = self.session.categories.iter().map(|c| c.category.as_str());
        let mut best: Option<(&str, f64)> = None;
        for category in stored.chain(live) {
            let score = self.of(category);
            let better = match best {
                None => score > 0.0,
                Some((name, top)) => score > top || (score == top && category < name),
            };
            if better {
                best = Some((category, score));
            }
        }
        best.map(|(name, _)| name)
    }
}

/// The customer's affinity for a category now (see [`AffinityNow::of`]).
pub fn blended_affinity(
    profile: Option<&Profile>,
    session: &Session,
    policy: &AffinityPolicy,
    now: u64,
    category: &str,
) -> f64 {
    AffinityNow::new(profile, session, policy, now).of(category)
}

/// The category with the highest affinity now (see [`AffinityNow::top`]).
pub fn top_category<'a>(
    profile: Option<&'a Profile>,
    session: &'a Session,
    policy: &AffinityPolicy,
    now: u64,
) -> Option<&'a str> {
    AffinityNow::new(profile, session, policy, now).top()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::CategoryAffinity;
    use crate::session::SessionEvent;

    fn profile_with(category: &str, score: u8, day: u32) -> Profile {
        let mut p = Profile::default();
        p.behaviour.affinities.push(CategoryAffinity {
            category: category.into(),
            score,
        });
        p.behaviour.affinity_day = day;
        p
    }

    #[test]
    fn stored_affinity_halves_each_half_life() {
        let p = profile_with("tents", 80, 100);
        let policy = AffinityPolicy {
            half_life_days: 30.0,
            session_view_weight: 20.0,
        };
        let now = 130 * SECONDS_PER_DAY;
        let a = blended_affinity(Some(&p), &Session::default(), &policy, now, "tents");
        assert!((a - 40.0).abs() < 1e-9, "{a}");
    }

    #[test]
    fn todays_browsing_beats_an_old_interest() {
        // Bought tents long ago (strong, but a year old); browsing shoes today.
        let p = profile_with("tents", 90, 100);
        let policy = AffinityPolicy::default();
        let now = 465 * SECONDS_PER_DAY;
        let mut s = Session::default();
        assert_eq!(top_category(Some(&p), &s, &policy, now), Some("tents"));
        for _ in 0..2 {
            s.record(&SessionEvent::PageView {
                page_type: "product".into(),
                category: Some("shoes".into()),
            });
        }
        assert_eq!(top_category(Some(&p), &s, &policy, now), Some("shoes"));
    }
}
