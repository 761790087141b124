//! Tests of the send-time choice.

use super::*;
use crate::prelude::*;
use crate::profile::{ChannelActivity, ZoneChange};

// Monday 2026-11-23 09:15 UTC.
const MONDAY_0915: u64 = 1_795_425_300;

fn profile_peaking_at(hour_of_week: usize, zone: ZoneSchedule) -> Profile {
    let mut p = Profile {
        zone,
        ..Profile::default()
    };
    let mut levels = [0u8; HOURS_PER_WEEK];
    levels[hour_of_week] = 3;
    for (i, l) in levels.iter_mut().enumerate() {
        if i % 24 == 12 {
            *l = (*l).max(1);
        }
    }
    p.behaviour.channel_activity.push(ChannelActivity {
        channel: Channel::Email,
        hours: ActivityHistogram::from_levels(&levels),
    });
    p
}

/// A promotional e-mail for `p`, planned at [`MONDAY_0915`].
fn promo_email(policy: &TimingPolicy, p: &Profile) -> SendTime {
    choose_time(
        policy,
        Some(p),
        Channel::Email,
        false,
        MONDAY_0915,
        MessagePurpose::Promotional,
    )
}

#[test]
fn the_reference_instant_is_a_monday() {
    assert_eq!(hour_of_week(MONDAY_0915 as i64), 9);
}

#[test]
fn picks_the_peak_hour_in_local_time() {
    // Peak Tuesday 19:00 local, customer at UTC+1.
    let p = profile_peaking_at(
        24 + 19,
        ZoneSchedule {
            offset_minutes: 60,
            next_change: None,
        },
    );
    let policy = TimingPolicy {
        min_history_mass: 1,
        ..TimingPolicy::default()
    };
    let t = promo_email(&policy, &p);
    assert_eq!(t.outcome, TimingOutcome::BestHour);
    assert_eq!(t.source, TimingSource::OwnChannelHistory);
    assert_eq!(t.local_hour_of_week, Some(24 + 19));
    // Tuesday 19:00 local = 18:00 UTC.
    assert_eq!(
        t.at,
        Some(MONDAY_0915 - 9 * 3600 - 900 + 24 * 3600 + 18 * 3600)
    );
}

#[test]
fn quiet_peak_is_deferred_to_the_end_of_the_quiet_window() {
    // Peak Tuesday 03:00 local, quiet 21..8.
    let p = profile_peaking_at(24 + 3, ZoneSchedule::default());
    let policy = TimingPolicy {
        min_history_mass: 1,
        ..TimingPolicy::default()
    };
    let t = promo_email(&policy, &p);
    assert_eq!(t.best_hour_of_week, Some(27));
    assert_eq!(t.outcome, TimingOutcome::Deferred);
    assert_eq!(t.local_hour_of_week, Some(24 + 8));

    let nearest = TimingPolicy {
        quiet_hours_policy: QuietHoursPolicy::NearestEdge,
        ..policy.clone()
    };
    let t = promo_email(&nearest, &p);
    assert_eq!(t.outcome, TimingOutcome::MovedToNearestEdge);
    // Monday 20:00 is 7 hours before 03:00; Tuesday 08:00 is 5 hours after.
    assert_eq!(t.local_hour_of_week, Some(24 + 8));

    let drop = TimingPolicy {
        quiet_hours_policy: QuietHoursPolicy::Drop,
        ..policy
    };
    let t = promo_email(&drop, &p);
    assert_eq!((t.outcome, t.at), (TimingOutcome::Dropped, None));
    assert_eq!(t.constraint, Some(TimingConstraint::QuietHours));
}

#[test]
fn every_move_names_its_constraint() {
    use crate::ruleset::SendWindow;
    // Peak Monday 19:00 local: not quiet (21..8), but outside a 9..17 send window.
    let p = profile_peaking_at(19, ZoneSchedule::default());
    let window = TimingPolicy {
        min_history_mass: 1,
        send_window: SendWindow {
            start_hour: 9,
            end_hour: 17,
        },
        ..TimingPolicy::default()
    };
    for (policy, outcome) in [
        (QuietHoursPolicy::Defer, TimingOutcome::Deferred),
        (
            QuietHoursPolicy::NearestEdge,
            TimingOutcome::MovedToNearestEdge,
        ),
        (QuietHoursPolicy::Drop, TimingOutcome::Dropped),
    ] {
        let policy = TimingPolicy {
            quiet_hours_policy: policy,
            ..window.clone()
        };
        let t = promo_email(&policy, &p);
        assert_eq!(t.outcome, outcome);
        assert_eq!(
            t.constraint,
            Some(TimingConstraint::SendWindow),
            "{outcome:?}"
        );
        assert_eq!(t.purpose, MessagePurpose::Promotional);
    }
    // A peak that is both quiet and outside the window names quiet hours; an allowed one nothing.
    let quiet_peak = profile_peaking_at(24 + 3, ZoneSchedule::default());
    let t = promo_email(&window, &quiet_peak);
    assert_eq!(t.constraint, Some(TimingConstraint::QuietHours));
    let open_peak = profile_peaking_at(24 + 11, ZoneSchedule::default());
    let t = promo_email(&window, &open_peak);
    assert_eq!((t.outcome, t.constraint), (TimingOutcome::BestHour, None));
}

#[test]
fn a_service_message_goes_at_the_first_allowed_instant() {
    // SMS-like peak at 18:00 every day; a service message does not wait for it.
    let p = profile_peaking_at(18, ZoneSchedule::default());
    let policy = TimingPolicy {
        min_history_mass: 1,
        send_window: crate::ruleset::SendWindow {
            start_hour: 9,
            end_hour: 17,
        },
        ..TimingPolicy::default()
    };
    let service = |now| {
        choose_time(
            &policy,
            Some(&p),
            Channel::Email,
            false,
            now,
            MessagePurpose::Service,
        )
    };
    // Monday 09:15, not quiet: now.
    let t = service(MONDAY_0915);
    assert_eq!((t.at, t.outcome), (Some(MONDAY_0915), TimingOutcome::Now));
    assert_eq!(t.source, TimingSource::FirstAllowedInstant);
    assert_eq!(
        (t.purpose, t.constraint, t.best_hour_of_week),
        (MessagePurpose::Service, None, None)
    );
    // Monday 18:30 is outside the promotional send window: a service message still goes now.
    let evening = MONDAY_0915 + 9 * 3600 + 15 * 60;
    assert_eq!(service(evening).at, Some(evening));
    // Monday 23:30, quiet until 08:00: Tuesday 08:00, deferred by quiet hours.
    let late = MONDAY_0915 + 14 * 3600 + 15 * 60;
    let t = service(late);
    let tuesday_0800 = MONDAY_0915 - 9 * 3600 - 900 + 24 * 3600 + 8 * 3600;
    assert_eq!(
        (t.at, t.outcome),
        (Some(tuesday_0800), TimingOutcome::Deferred)
    );
    assert_eq!(t.constraint, Some(TimingConstraint::QuietHours));
    assert_eq!(t.local_hour_of_week, Some(24 + 8));
    // The same customer and moment for a promotion: the 18:00 peak is outside the window.
    let promo = choose_time(
        &policy,
        Some(&p),
        Channel::Email,
        false,
        late,
        MessagePurpose::Promotional,
    );
    assert_ne!(promo.at, t.at);
    assert_eq!(promo.purpose, MessagePurpose::Promotional);
}

#[test]
fn schedules_across_a_daylight_saving_change() {
    // Offset changes from +60 to +120 on Wednesday 00:00 UTC; peak Thursday 19:00 local.
    let change = MONDAY_0915 - 9 * 3600 - 900 + 2 * 86_400;
    let zone = ZoneSchedule {
        offset_minutes: 60,
        next_change: Some(ZoneChange {
            at: change,
            offset_minutes: 120,
        }),
    };
    let p = profile_peaking_at(3 * 24 + 19, zone);
    let policy = TimingPolicy {
        min_history_mass: 1,
        ..TimingPolicy::default()
    };
    let t = promo_email(&policy, &p);
    assert_eq!(t.local_hour_of_week, Some(3 * 24 + 19));
    // Thursday 19:00 at UTC+2 = 17:00 UTC.
    assert_eq!(
        t.at,
        Some(MONDAY_0915 - 9 * 3600 - 900 + 3 * 86_400 + 17 * 3600)
    );
}

#[test]
fn falls_back_to_prior_then_default() {
    let prior: Vec<u8> = (0..HOURS_PER_WEEK)
        .map(|h| if h == 24 + 14 { 3 } else { 0 })
        .collect();
    let policy = TimingPolicy {
        population_prior: prior,
        ..TimingPolicy::default()
    };
    let t = choose_time(
        &policy,
        None,
        Channel::Email,
        false,
        MONDAY_0915,
        MessagePurpose::Promotional,
    );
    assert_eq!(t.source, TimingSource::PopulationPrior);
    assert_eq!(t.local_hour_of_week, Some(24 + 14));

    let t = choose_time(
        &TimingPolicy::default(),
        None,
        Channel::Email,
        false,
        MONDAY_0915,
        MessagePurpose::Promotional,
    );
    assert_eq!(t.source, TimingSource::CampaignDefault);
    // Monday 10:00 is still ahead of Monday 09:15.
    assert_eq!(t.local_hour_of_week, Some(10));
}

#[test]
fn live_real_time_is_now() {
    let t = choose_time(
        &TimingPolicy::default(),
        None,
        Channel::Web,
        true,
        MONDAY_0915,
        MessagePurpose::Promotional,
    );
    assert_eq!((t.at, t.outcome), (Some(MONDAY_0915), TimingOutcome::Now));
}
