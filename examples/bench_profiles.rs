//! Generates the inputs of the WebAssembly benchmarks (`pkg-config/test/bench/`): the 50-rule bench ruleset
//! compiled and signed, 1,000 varied profiles signed as profile snapshots, a live session and a request
//! context for each, the JSON data document a JSON Logic engine needs to evaluate the same rules on the same
//! values, and the segments persona-edge decides (natively) for each.
//!
//! ```text
//! cargo run --release --example bench_profiles -- OUT_DIR
//! ```
//!
//! Writes `OUT_DIR/ruleset.snap` (the 50 segments), `OUT_DIR/ruleset-0.snap` (the same ruleset without
//! segments, to separate the cost of the 50 segments from the rest of a decision), `OUT_DIR/profiles.ndjson`
//! (one profile a line: `subject`, `snapshot` (hex), `session` (camelCase JSON), `context` (camelCase JSON),
//! `data` (the nested data document), `expected` (matched segment names, in ruleset order)) and
//! `OUT_DIR/meta.json` (public key, audience, now, the rules in compiled segment order).
//!
//! Deterministic: a fixed-seed PRNG, fixed times and a fixed signing key (Ed25519 signatures are
//! deterministic), so the same build writes the same bytes.
//!
//! The signing key is BENCH ONLY: its seed is in this file (and in meta.json). Never trust its public key.

use ed25519_dalek::SigningKey;
use persona_edge::channel::{Channel, PerChannel};
use persona_edge::context::{ConsentBanner, DecisionContext, MessagePurpose};
use persona_edge::decide::decide;
use persona_edge::decide::DecisionInput;
use persona_edge::profile::sign_profile;
use persona_edge::profile::{
    ActivityHistogram, Behaviour, CategoryAffinity, ChannelActivity, Consent, ConsentLedger,
    ConsentState, Engagement, LifecycleStage, LoyaltyTier, Predictions, Profile, Purpose,
    QuietHours, RecentSends, RfmBands, ServiceState, StatedPreferences, ZoneChange, ZoneSchedule,
    HOURS_PER_WEEK,
};
use persona_edge::ruleset::{compile, sign_ruleset, RulesetSource, SegmentTest};
use persona_edge::session::{CategoryViews, Device, Session};
use persona_edge::snapshot::{public_key_to_base64url, public_key_to_hex, KeyId};
use serde_json::{json, Value as Json};
use std::io::Write;
use std::path::PathBuf;

/// BENCH ONLY signing key seed: published here on purpose.
const BENCH_SEED: [u8; 32] = *b"persona-edge BENCH ONLY key !!!!";
/// The audience every bench snapshot is for.
const AUDIENCE: &str = "bench.persona-edge.example";
/// "Now" of the benchmark: 2026-11-23 09:15:00 UTC (as `samples/context.json`).
const NOW: u64 = 1_795_425_300;
const TODAY: u32 = (NOW / 86_400) as u32;
const ISSUED_AT: u64 = NOW - 3_600;
const EXPIRES_AT: u64 = NOW + 30 * 86_400;
const PROFILES: usize = 1_000;
/// Seed of the profile generator.
const PRNG_SEED: u64 = 0x5EED_BE4C_0000_0050;

/// Categories of the bench rules (affinities, interests, session categories), plus a few the rules don't read.
const RULE_CATEGORIES: [&str; 8] = [
    "running", "camping", "hiking", "cycling", "yoga", "climbing", "swimming", "fitness",
];
const OTHER_CATEGORIES: [&str; 3] = ["nutrition", "outdoor", "tennis"];

/// SplitMix64: a tiny, fully specified PRNG (no dependency whose output could change between versions).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % u64::from(hi - lo + 1)) as u32
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut pick = self.range(0, total - 1);
        for (i, w) in weights.iter().enumerate() {
            if pick < *w {
                return i;
            }
            pick -= w;
        }
        weights.len() - 1
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u32 - 1) as usize]
    }

    /// A clamped, roughly bell-shaped percent around `mean` (sum of three uniforms).
    fn percent_around(&mut self, mean: i32, spread: i32) -> u8 {
        let s: i32 = (0..3)
            .map(|_| self.range(0, 2 * spread as u32) as i32 - spread)
            .sum();
        (mean + s / 2).clamp(0, 100) as u8
    }

    /// `n` distinct items (n <= items.len()).
    fn distinct<'a>(&mut self, items: &[&'a str], n: usize) -> Vec<&'a str> {
        let mut pool: Vec<&str> = items.to_vec();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n.min(pool.len()) {
            let i = self.range(0, pool.len() as u32 - 1) as usize;
            out.push(pool.swap_remove(i));
        }
        out
    }
}

struct Market {
    country: &'static str,
    locale: &'static str,
    offset_minutes: i16,
    /// Next DST change (Unix seconds, new offset), if the zone has one.
    next_change: Option<(u64, i16)>,
    weight: u32,
}

const EU_DST_2027: u64 = 1_806_195_600; // 2027-03-28 01:00 UTC
const MARKETS: [Market; 9] = [
    Market {
        country: "DE",
        locale: "de-DE",
        offset_minutes: 60,
        next_change: Some((EU_DST_2027, 120)),
        weight: 26,
    },
    Market {
        country: "US",
        locale: "en-US",
        offset_minutes: -300,
        next_change: Some((1_805_007_600, -240)),
        weight: 12,
    },
    Market {
        country: "US",
        locale: "en-US",
        offset_minutes: -480,
        next_change: Some((1_805_018_400, -420)),
        weight: 6,
    },
    Market {
        country: "US",
        locale: "es-US",
        offset_minutes: -360,
        next_change: Some((1_805_011_200, -300)),
        weight: 4,
    },
    Market {
        country: "GB",
        locale: "en-GB",
        offset_minutes: 0,
        next_change: Some((EU_DST_2027, 60)),
        weight: 14,
    },
    Market {
        country: "SE",
        locale: "sv-SE",
        offset_minutes: 60,
        next_change: Some((EU_DST_2027, 120)),
        weight: 12,
    },
    Market {
        country: "FR",
        locale: "fr-FR",
        offset_minutes: 60,
        next_change: Some((EU_DST_2027, 120)),
        weight: 14,
    },
    Market {
        country: "NL",
        locale: "nl-NL",
        offset_minutes: 60,
        next_change: Some((EU_DST_2027, 120)),
        weight: 7,
    },
    Market {
        country: "JP",
        locale: "ja-JP",
        offset_minutes: 540,
        next_change: None,
        weight: 5,
    },
];

const TIERS: [LoyaltyTier; 5] = [
    LoyaltyTier::None,
    LoyaltyTier::Bronze,
    LoyaltyTier::Silver,
    LoyaltyTier::Gold,
    LoyaltyTier::Platinum,
];
const LIFECYCLES: [LifecycleStage; 6] = [
    LifecycleStage::Prospect,
    LifecycleStage::New,
    LifecycleStage::Active,
    LifecycleStage::AtRisk,
    LifecycleStage::Lapsed,
    LifecycleStage::Churned,
];

fn consent(rng: &mut Rng, granted: f64, denied: f64) -> Consent {
    let u = rng.unit();
    let state = if u < granted {
        ConsentState::Granted
    } else if u < granted + denied {
        ConsentState::Denied
    } else {
        return Consent::default();
    };
    Consent {
        state,
        day: TODAY - rng.range(1, 900),
    }
}

/// A weekly activity histogram: a few daily peaks (commute, lunch, evening) and weekend mornings, with noise.
fn histogram(rng: &mut Rng, density: f64) -> ActivityHistogram {
    let peaks: Vec<u32> = (0..rng.range(1, 3)).map(|_| rng.range(6, 22)).collect();
    let weekend_peak = rng.range(9, 16);
    let mut levels = [0u8; HOURS_PER_WEEK];
    for (hour_of_week, level) in levels.iter_mut().enumerate() {
        let (weekday, hour) = (hour_of_week / 24, (hour_of_week % 24) as u32);
        let near = |p: u32| hour.abs_diff(p) <= 1;
        let mut l: u8 = if weekday >= 5 {
            u8::from(hour.abs_diff(weekend_peak) <= 2) * 2
        } else if peaks.contains(&hour) {
            3
        } else {
            u8::from(peaks.iter().any(|p| near(*p)))
        };
        if (1..=5).contains(&hour) {
            l = 0;
        } else if rng.chance(density * 0.15) {
            l = (l + 1).min(3);
        }
        *level = l;
    }
    ActivityHistogram::from_levels(&levels)
}

fn profile(rng: &mut Rng, index: usize) -> Profile {
    let market = &MARKETS[rng.weighted(&MARKETS.map(|m| m.weight))];
    let tier = TIERS[rng.weighted(&[36, 25, 20, 13, 6])];
    let lifecycle = LIFECYCLES[rng.weighted(&[8, 10, 44, 18, 14, 6])];
    let tier_n = tier as i32;
    let net_value_band = match lifecycle {
        LifecycleStage::Prospect => 0,
        _ => (tier_n * 2 + rng.range(0, 4) as i32 - 1).clamp(0, 10) as u8,
    };
    // Return rates: most low, a long tail of serial returners.
    let return_rate = if rng.chance(0.12) {
        rng.range(30, 70)
    } else {
        rng.range(0, 28)
    } as u8;

    let marketing_optin = rng.chance(0.7);
    let (g, d) = if marketing_optin {
        (0.75, 0.1)
    } else {
        (0.2, 0.5)
    };
    let channels = PerChannel([
        consent(rng, g, d),
        consent(rng, g * 0.6, d + 0.1),
        consent(rng, g * 0.7, d),
        consent(rng, 0.3, 0.1),
        consent(rng, 0.15, 0.3),
        consent(rng, g * 0.5, d + 0.15),
    ]);
    let mut purposes = vec![(
        Purpose::Marketing,
        consent(rng, if marketing_optin { 0.9 } else { 0.1 }, 0.5),
    )];
    if rng.chance(0.7) {
        purposes.push((Purpose::Personalization, consent(rng, 0.8, 0.15)));
    }
    if rng.chance(0.5) {
        purposes.push((Purpose::Analytics, consent(rng, 0.7, 0.2)));
    }
    if rng.chance(0.6) {
        purposes.push((Purpose::AdTargeting, consent(rng, 0.45, 0.45)));
    }

    let n_interests = rng.weighted(&[30, 35, 22, 10, 3]);
    let mut interest_pool: Vec<&str> = RULE_CATEGORIES.to_vec();
    interest_pool.extend(OTHER_CATEGORIES);
    let interests = rng
        .distinct(&interest_pool, n_interests)
        .into_iter()
        .map(String::from)
        .collect();
    let preferred_channel = match rng.weighted(&[60, 20, 8, 10, 2]) {
        1 => Some(Channel::Email),
        2 => Some(Channel::Sms),
        3 => Some(Channel::Push),
        4 => Some(Channel::Phone),
        _ => None,
    };
    let quiet_hours = rng.chance(0.15).then(|| QuietHours {
        start_hour: rng.range(20, 23) as u8,
        end_hour: rng.range(6, 9) as u8,
    });

    // Affinities over the rule categories (and a few others), scored by the store some days ago.
    let n_affinities = rng.weighted(&[10, 20, 30, 22, 12, 6]);
    let mut affinity_pool: Vec<&str> = RULE_CATEGORIES.to_vec();
    affinity_pool.extend(OTHER_CATEGORIES);
    let mut affinities: Vec<CategoryAffinity> = rng
        .distinct(&affinity_pool, n_affinities)
        .into_iter()
        .map(|category| CategoryAffinity {
            category: category.into(),
            score: rng.range(5, 100) as u8,
        })
        .collect();
    affinities.sort_by_key(|a| std::cmp::Reverse(a.score));
    // Half the profiles were scored today (no decay), the rest up to 90 days ago.
    let affinity_day = if rng.chance(0.5) {
        TODAY
    } else {
        TODAY - rng.range(1, 90)
    };

    let active = matches!(lifecycle, LifecycleStage::Active | LifecycleStage::New);
    let rfm = RfmBands {
        recency: if active {
            rng.range(3, 5)
        } else {
            rng.range(0, 3)
        } as u8,
        frequency: (tier_n as u32 + rng.range(0, 2)).min(5) as u8,
        monetary: (net_value_band as u32 / 2).min(5) as u8,
    };
    let sent_email = rng.range(0, 220) as u16;
    let sent_sms = if rng.chance(0.4) { rng.range(1, 40) } else { 0 } as u16;
    let sent_push = if rng.chance(0.5) { rng.range(1, 80) } else { 0 } as u16;
    let respond = |rng: &mut Rng, sent: u16, rate: f64| Engagement {
        sent,
        responded: (f64::from(sent) * rate * rng.unit() * 2.0).min(f64::from(sent)) as u16,
    };
    let engagement = PerChannel([
        respond(rng, sent_email, 0.12),
        respond(rng, sent_sms, 0.18),
        respond(rng, sent_push, 0.08),
        Engagement::default(),
        if rng.chance(0.05) {
            let sent = rng.range(1, 4) as u16;
            respond(rng, sent, 0.3)
        } else {
            Engagement::default()
        },
        Engagement::default(),
    ]);
    let sends = |rng: &mut Rng, day_max: u32, week_max: u32| {
        let week = rng.range(0, week_max) as u8;
        RecentSends {
            day: (rng.range(0, day_max) as u8).min(week),
            week,
        }
    };
    let recent_sends = PerChannel([
        sends(rng, 1, 3),
        sends(rng, 1, 1),
        sends(rng, 2, 5),
        RecentSends::default(),
        RecentSends::default(),
        sends(rng, 3, 6),
    ]);
    let density = match lifecycle {
        LifecycleStage::Active => 1.0,
        LifecycleStage::New | LifecycleStage::AtRisk => 0.5,
        _ => 0.2,
    };
    let activity = if lifecycle == LifecycleStage::Prospect && rng.chance(0.5) {
        ActivityHistogram::default()
    } else {
        histogram(rng, density)
    };
    let mut channel_activity = Vec::new();
    for channel in [Channel::Email, Channel::Push, Channel::Sms] {
        if rng.chance(if channel == Channel::Email { 0.4 } else { 0.15 }) {
            channel_activity.push(ChannelActivity {
                channel,
                hours: histogram(rng, density),
            });
        }
    }

    let churn_mean = match lifecycle {
        LifecycleStage::Prospect => 45,
        LifecycleStage::New => 35,
        LifecycleStage::Active => 18,
        LifecycleStage::AtRisk => 62,
        LifecycleStage::Lapsed => 78,
        LifecycleStage::Churned => 95,
    };
    let churn_risk = rng.percent_around(churn_mean, 20);
    let purchase_propensity = rng.percent_around(75 - i32::from(churn_risk) / 2 + tier_n * 3, 25);
    let service = ServiceState {
        open_complaint: rng.chance(0.04),
        pending_refund: rng.chance(0.05) || (return_rate > 40 && rng.chance(0.3)),
        late_order: active && rng.chance(0.04),
    };

    Profile {
        subject: format!("b_{index:04}_{:08x}", rng.next() as u32),
        locale: market.locale.into(),
        country: market.country.into(),
        zone: ZoneSchedule {
            offset_minutes: market.offset_minutes,
            next_change: market
                .next_change
                .map(|(at, offset_minutes)| ZoneChange { at, offset_minutes }),
        },
        loyalty_tier: tier,
        lifecycle,
        net_value_band,
        // The lower edge of the band (band 2 starts at 25 and each band doubles): no extra draw from the
        // generator, so every other input stays as it was.
        net_value: match net_value_band {
            0 | 1 => 0,
            band => 25 << (band - 2),
        },
        return_rate,
        consent: ConsentLedger { channels, purposes },
        preferences: StatedPreferences {
            preferred_channel,
            interests,
            quiet_hours,
        },
        behaviour: Behaviour {
            affinities,
            affinity_day,
            price_band: rng.range(0, 5) as u8,
            discount_sensitivity: rng.percent_around(45, 40),
            rfm,
            engagement,
            recent_sends,
            activity,
            channel_activity,
        },
        predictions: Predictions {
            churn_risk,
            purchase_propensity,
        },
        service,
    }
}

fn session(rng: &mut Rng, profile: &Profile) -> Session {
    let live = rng.chance(0.9);
    let device = [
        Device::Desktop,
        Device::Mobile,
        Device::Tablet,
        Device::Unknown,
    ][rng.weighted(&[38, 50, 9, 3])];
    let page_type = *rng.pick(&[
        "home", "home", "category", "category", "category", "product", "product", "product",
        "cart", "search", "checkout",
    ]);
    let page_views = if live { rng.range(1, 24) } else { 0 };
    // Browsing leans towards the profile's stored affinities.
    let n = if live {
        rng.weighted(&[25, 35, 25, 10, 5])
    } else {
        0
    };
    let mut categories: Vec<CategoryViews> = Vec::new();
    for _ in 0..n {
        let category = match profile.behaviour.affinities.first() {
            Some(top) if rng.chance(0.4) => top.category.clone(),
            _ => (*rng.pick(&RULE_CATEGORIES)).to_owned(),
        };
        if categories.iter().all(|c| c.category != category) {
            categories.push(CategoryViews {
                category,
                views: rng.range(1, 5),
            });
        }
    }
    categories.sort_by_key(|c| std::cmp::Reverse(c.views));
    let cart_value = if live && rng.chance(0.3) {
        // Whole cents, as a cart would hold.
        f64::from(rng.range(500, 40_000)) / 100.0
    } else {
        0.0
    };
    Session {
        live,
        device,
        page_type: if live {
            page_type.into()
        } else {
            String::new()
        },
        page_views,
        categories,
        cart_value,
    }
}

fn context(rng: &mut Rng, profile: &Profile) -> DecisionContext {
    DecisionContext {
        now: NOW,
        // The request country is usually the profile's, sometimes a traveller's.
        country: Some(if rng.chance(0.9) {
            profile.country.clone()
        } else {
            (*rng.pick(&["DE", "US", "GB", "ES", "IT"])).to_owned()
        }),
        consent_banner: [
            ConsentBanner::Accepted,
            ConsentBanner::Unanswered,
            ConsentBanner::Partial,
            ConsentBanner::Rejected,
        ][rng.weighted(&[70, 15, 8, 7])],
        purpose: if rng.chance(0.9) {
            MessagePurpose::Promotional
        } else {
            MessagePurpose::Service
        },
        extra_sends: PerChannel::default(),
        global_privacy_control: false,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .ok_or("usage: cargo run --release --example bench_profiles -- OUT_DIR")?,
    );
    std::fs::create_dir_all(&out)?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let source: RulesetSource = serde_json::from_str(&std::fs::read_to_string(
        root.join("samples/bench/ruleset-50.json"),
    )?)?;
    let ruleset = compile(&source)?;
    let key = SigningKey::from_bytes(&BENCH_SEED);
    let public = key.verifying_key();

    let ruleset_bytes = sign_ruleset(&ruleset, ISSUED_AT, EXPIRES_AT, 1, AUDIENCE, &key)?;
    std::fs::write(out.join("ruleset.snap"), &ruleset_bytes)?;
    let empty = compile(&RulesetSource {
        name: format!("{} without segments", source.name),
        segments: Vec::new(),
        ..source.clone()
    })?;
    let empty_bytes = sign_ruleset(&empty, ISSUED_AT, EXPIRES_AT, 1, AUDIENCE, &key)?;
    std::fs::write(out.join("ruleset-0.snap"), &empty_bytes)?;

    let mut rng = Rng(PRNG_SEED);
    let mut lines = std::io::BufWriter::new(std::fs::File::create(out.join("profiles.ndjson"))?);
    let (mut snapshot_bytes, mut matched_total) = (Vec::new(), 0usize);
    let mut matches_per_segment = vec![0usize; ruleset.segments.len()];
    for index in 0..PROFILES {
        let profile = profile(&mut rng, index);
        let session = session(&mut rng, &profile);
        let context = context(&mut rng, &profile);
        let snapshot = sign_profile(&profile, ISSUED_AT, EXPIRES_AT, 1, AUDIENCE, &key)?;
        snapshot_bytes.push(snapshot.len());
        let input = DecisionInput {
            profile: Some(&profile),
            session: &session,
            context: &context,
            affinity: &ruleset.affinity,
        };
        let decision = decide(&ruleset, Some(&profile), &session, &context);
        let expected: Vec<&str> = decision.matched_segments().collect();
        matched_total += expected.len();
        for (i, s) in decision.segments.iter().enumerate() {
            matches_per_segment[i] += usize::from(s.matched);
        }
        // The request context as a caller passes it: `extraSends` only when there are any.
        let mut context_json = serde_json::to_value(&context)?;
        if context.extra_sends.iter().all(|(_, n)| *n == 0) {
            context_json
                .as_object_mut()
                .expect("object")
                .remove("extraSends");
        }
        let line = json!({
            "subject": profile.subject,
            "snapshot": hex(&snapshot),
            "session": session,
            "context": context_json,
            "data": input.document(&ruleset.fields),
            "expected": expected,
        });
        serde_json::to_writer(&mut lines, &line)?;
        lines.write_all(b"\n")?;
    }
    lines.flush()?;

    let rules: Vec<Json> = ruleset
        .segments
        .iter()
        .map(|segment| {
            let authored = source
                .segments
                .iter()
                .find(|s| *s.name == *segment.name)
                .expect("every compiled segment was authored");
            match &segment.test {
                SegmentTest::Boolean(_) => json!({
                    "name": &*segment.name,
                    "priority": segment.priority,
                    "kind": "boolean",
                    "rule": authored.rule,
                }),
                SegmentTest::Score { threshold, .. } => json!({
                    "name": &*segment.name,
                    "priority": segment.priority,
                    "kind": "score",
                    "rule": authored.score,
                    "threshold": threshold,
                }),
            }
        })
        .collect();
    let min = snapshot_bytes.iter().min().copied().unwrap_or(0);
    let max = snapshot_bytes.iter().max().copied().unwrap_or(0);
    let mean = snapshot_bytes.iter().sum::<usize>() as f64 / snapshot_bytes.len().max(1) as f64;
    let never: Vec<&str> = ruleset
        .segments
        .iter()
        .zip(&matches_per_segment)
        .filter(|(_, n)| **n == 0)
        .map(|(s, _)| &*s.name)
        .collect();
    let always: Vec<&str> = ruleset
        .segments
        .iter()
        .zip(&matches_per_segment)
        .filter(|(_, n)| **n == PROFILES)
        .map(|(s, _)| &*s.name)
        .collect();
    let meta = json!({
        "description": "Inputs of the persona-edge WebAssembly benchmarks (pkg-config/test/bench/), written by `cargo run --release --example bench_profiles -- OUT_DIR`.",
        "warning": "BENCH ONLY signing key: its seed is published here and in examples/bench_profiles.rs. Never trust this public key outside benchmarks.",
        "bench_only_seed_hex": hex(&BENCH_SEED),
        "public_key_hex": public_key_to_hex(&public),
        "public_key_base64url": public_key_to_base64url(&public),
        "key_id": KeyId::of(&public).to_hex(),
        "audience": AUDIENCE,
        "now": NOW,
        "issued_at": ISSUED_AT,
        "expires_at": EXPIRES_AT,
        "profiles": PROFILES,
        "snapshot_encoding": "hex",
        "ruleset": {
            "file": "ruleset.snap",
            "source": "samples/bench/ruleset-50.json",
            "name": ruleset.name,
            "bytes": ruleset_bytes.len(),
            "segments": ruleset.segments.len(),
            "fields": ruleset.fields.iter().map(|f| f.path()).collect::<Vec<_>>(),
        },
        "ruleset_without_segments": { "file": "ruleset-0.snap", "bytes": empty_bytes.len() },
        "profile_snapshot_bytes": { "min": min, "mean": (mean * 10.0).round() / 10.0, "max": max },
        "matched_segments_per_profile": (matched_total as f64 / PROFILES as f64 * 100.0).round() / 100.0,
        "segments_never_matched": never,
        "segments_always_matched": always,
        "rules": rules,
    });
    std::fs::write(
        out.join("meta.json"),
        serde_json::to_string_pretty(&meta)? + "\n",
    )?;
    println!(
        "wrote {PROFILES} profiles ({min}..{max} bytes, mean {mean:.0}; {:.1} of {} segments matched on average), \
         ruleset.snap ({} bytes), ruleset-0.snap ({} bytes) and meta.json to {}",
        matched_total as f64 / PROFILES as f64,
        ruleset.segments.len(),
        ruleset_bytes.len(),
        empty_bytes.len(),
        out.display()
    );
    if !never.is_empty() || !always.is_empty() {
        println!("segments never matched: {never:?}; always matched: {always:?}");
    }
    Ok(())
}
