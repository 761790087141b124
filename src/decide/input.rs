//! What a decision reads its fields from (profile, live session, request context), and the reading of
//! each [`Field`] into a rule [`Value`].

use crate::prelude::*;

use super::AffinityNow;
use crate::context::DecisionContext;
use crate::fields::Field;
use crate::profile::Profile;
use crate::rules::Value;
use crate::ruleset::AffinityPolicy;
use crate::session::Session;

/// What a decision reads fields from.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    /// The verified profile, if any.
    pub profile: Option<&'a Profile>,
    /// The live session.
    pub session: &'a Session,
    /// The request context.
    pub context: &'a DecisionContext,
    /// Affinity policy of the ruleset.
    pub affinity: &'a AffinityPolicy,
}

impl DecisionInput<'_> {
    /// Reads every field into its slot.
    pub fn bind(&self, fields: &[Field]) -> Vec<Value> {
        let affinity = self.affinity_now();
        fields
            .iter()
            .map(|f| self.read_with(f, &affinity))
            .collect()
    }

    fn affinity_now(&self) -> AffinityNow<'_> {
        AffinityNow::new(self.profile, self.session, self.affinity, self.context.now)
    }

    /// The JSON document a generic JSON Logic engine would need to give the same answers: every field
    /// nested by its dotted path, with the value this input binds for it (used to compare engines).
    pub fn document(&self, fields: &[Field]) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for field in fields {
            let path = field.path();
            let mut node = &mut root;
            let mut parts = path.split('.').peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_none() {
                    node.insert(part.to_owned(), self.read(field).to_json());
                    break;
                }
                let child = node
                    .entry(part)
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                let serde_json::Value::Object(map) = child else {
                    break;
                };
                node = map;
            }
        }
        serde_json::Value::Object(root)
    }

    /// Reads one field. Profile fields read as null without a profile (except `profile.known`).
    pub fn read(&self, field: &Field) -> Value {
        self.read_with(field, &self.affinity_now())
    }

    fn read_with(&self, field: &Field, affinity: &AffinityNow<'_>) -> Value {
        use Field::*;
        let session = self.session;
        let context = self.context;
        match field {
            Known => return Value::Bool(self.profile.is_some()),
            SessionLive => return Value::Bool(session.live),
            Device => return text(session.device.name()),
            PageType => return text(&session.page_type),
            PageViews => return number(session.page_views),
            SessionCategories => {
                return list(session.categories.iter().map(|c| c.category.as_str()))
            }
            SessionViews(category) => return number(session.views_of(category)),
            CartValue => return Value::Number(session.cart_value),
            RequestCountry => return context.country.as_deref().map_or(Value::Null, text),
            ConsentBanner => return text(context.consent_banner.name()),
            Now => return Value::Number(context.now as f64),
            LocalHour | LocalWeekday => {
                let local = self
                    .profile
                    .map_or(context.now as i64, |p| p.zone.to_local(context.now));
                let days = local.div_euclid(86_400);
                return if *field == LocalHour {
                    number((local.rem_euclid(86_400) / 3600) as u32)
                } else {
                    number((days + 3).rem_euclid(7) as u32)
                };
            }
            Affinity(category) => return Value::Number(affinity.of(category)),
            TopCategory => return affinity.top().map_or(Value::Null, text),
            _ => {}
        }
        let Some(p) = self.profile else {
            return Value::Null;
        };
        let b = &p.behaviour;
        match field {
            Locale => text(&p.locale),
            Country => text(&p.country),
            LoyaltyTier => text(p.loyalty_tier.name()),
            TierRank => number(p.loyalty_tier as u32),
            Lifecycle => text(p.lifecycle.name()),
            NetValueBand => number(p.net_value_band),
            NetValue => number(p.net_value),
            ReturnRate => number(p.return_rate),
            ChannelConsent(channel) => text(p.consent.channel(*channel).name()),
            PurposeConsent(purpose) => text(p.consent.purpose(*purpose).name()),
            PreferredChannel => p
                .preferences
                .preferred_channel
                .map_or(Value::Null, |c| text(c.name())),
            Interests => list(p.preferences.interests.iter().map(String::as_str)),
            PriceBand => number(b.price_band),
            DiscountSensitivity => number(b.discount_sensitivity),
            Recency => number(b.rfm.recency),
            Frequency => number(b.rfm.frequency),
            Monetary => number(b.rfm.monetary),
            EngagementSent(channel) => number(b.engagement.get(*channel).sent),
            EngagementResponded(channel) => number(b.engagement.get(*channel).responded),
            ChurnRisk => number(p.predictions.churn_risk),
            PurchasePropensity => number(p.predictions.purchase_propensity),
            OpenComplaint => Value::Bool(p.service.open_complaint),
            PendingRefund => Value::Bool(p.service.pending_refund),
            LateOrder => Value::Bool(p.service.late_order),
            ServiceActive => Value::Bool(p.service.active()),
            _ => Value::Null,
        }
    }
}

fn text(s: &str) -> Value {
    Value::from(s)
}

fn number(n: impl Into<u32>) -> Value {
    Value::Number(f64::from(n.into()))
}

fn list<'s>(items: impl Iterator<Item = &'s str>) -> Value {
    Value::Array(items.map(Value::from).collect())
}
