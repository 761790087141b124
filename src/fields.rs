//! The fields rules can read: profile, live session and request context, resolved to slots at compile
//! time and read once per decision.
//!
//! Paths are dotted, e.g. `profile.loyalty_tier`, `session.cart_value`, `context.hour`. The full list is in
//! `docs/RULESET.md`.

use crate::prelude::*;

use crate::channel::Channel;
use crate::codec::{Decodable, Invalid, Reader};
use crate::profile::Purpose;
use crate::rules::FieldCatalog;
use bincode::Encode;

/// Longest category name a field path may carry.
const MAX_CATEGORY_LEN: usize = 64;

/// A readable field. Every variant maps to one dotted path.
#[derive(Debug, Clone, PartialEq, Eq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub enum Field {
    /// `profile.known`: whether a verified profile is present.
    Known,
    /// `profile.locale`.
    Locale,
    /// `profile.country`.
    Country,
    /// `profile.loyalty_tier`: `"none"`, `"bronze"`, `"silver"`, `"gold"`, `"platinum"`.
    LoyaltyTier,
    /// `profile.tier_rank`: 0 (none) ..= 4 (platinum).
    TierRank,
    /// `profile.lifecycle`: `"prospect"`, `"new"`, `"active"`, `"at_risk"`, `"lapsed"`, `"churned"`.
    Lifecycle,
    /// `profile.net_value_band`: 0..=10.
    NetValueBand,
    /// `profile.return_rate`: percent.
    ReturnRate,
    /// `profile.consent.<channel>`: `"granted"`, `"denied"`, `"unknown"`.
    ChannelConsent(Channel),
    /// `profile.purpose.<purpose>`: `"granted"`, `"denied"`, `"unknown"`.
    PurposeConsent(Purpose),
    /// `profile.preferred_channel`: a channel name or null.
    PreferredChannel,
    /// `profile.interests`: stated interests (array of category ids).
    Interests,
    /// `profile.affinity.<category>`: affinity now, 0..=100 (decayed, plus this session's views).
    Affinity(String),
    /// `profile.top_category`: the category with the highest affinity now, or null.
    TopCategory,
    /// `profile.price_band`: 0..=5.
    PriceBand,
    /// `profile.discount_sensitivity`: percent.
    DiscountSensitivity,
    /// `profile.rfm.recency`: 0..=5.
    Recency,
    /// `profile.rfm.frequency`: 0..=5.
    Frequency,
    /// `profile.rfm.monetary`: 0..=5.
    Monetary,
    /// `profile.engagement.<channel>.sent`.
    EngagementSent(Channel),
    /// `profile.engagement.<channel>.responded`.
    EngagementResponded(Channel),
    /// `profile.churn_risk`: percent.
    ChurnRisk,
    /// `profile.purchase_propensity`: percent.
    PurchasePropensity,
    /// `profile.service.open_complaint`.
    OpenComplaint,
    /// `profile.service.pending_refund`.
    PendingRefund,
    /// `profile.service.late_order`.
    LateOrder,
    /// `profile.service.active`: any service situation.
    ServiceActive,
    /// `session.live`.
    SessionLive,
    /// `session.device`: `"desktop"`, `"mobile"`, `"tablet"`, `"unknown"`.
    Device,
    /// `session.page_type`.
    PageType,
    /// `session.page_views`.
    PageViews,
    /// `session.categories`: categories viewed this session, most viewed first.
    SessionCategories,
    /// `session.views.<category>`: views of one category this session.
    SessionViews(String),
    /// `session.cart_value`.
    CartValue,
    /// `context.country`.
    RequestCountry,
    /// `context.consent_banner`: `"unanswered"`, `"accepted"`, `"rejected"`, `"partial"`.
    ConsentBanner,
    /// `context.now`: Unix seconds.
    Now,
    /// `context.hour`: the customer's local hour of day, 0..=23 (UTC without a profile).
    LocalHour,
    /// `context.weekday`: the customer's local day of week, 0 = Monday.
    LocalWeekday,
    /// `profile.net_value`: net value generalized to the store's grid, currency units (see
    /// [`Profile::net_value`]).
    NetValue,
}

impl Decodable for Field {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => Field::Known,
            1 => Field::Locale,
            2 => Field::Country,
            3 => Field::LoyaltyTier,
            4 => Field::TierRank,
            5 => Field::Lifecycle,
            6 => Field::NetValueBand,
            7 => Field::ReturnRate,
            8 => Field::ChannelConsent(r.read()?),
            9 => Field::PurposeConsent(r.read()?),
            10 => Field::PreferredChannel,
            11 => Field::Interests,
            12 => Field::Affinity(r.read()?),
            13 => Field::TopCategory,
            14 => Field::PriceBand,
            15 => Field::DiscountSensitivity,
            16 => Field::Recency,
            17 => Field::Frequency,
            18 => Field::Monetary,
            19 => Field::EngagementSent(r.read()?),
            20 => Field::EngagementResponded(r.read()?),
            21 => Field::ChurnRisk,
            22 => Field::PurchasePropensity,
            23 => Field::OpenComplaint,
            24 => Field::PendingRefund,
            25 => Field::LateOrder,
            26 => Field::ServiceActive,
            27 => Field::SessionLive,
            28 => Field::Device,
            29 => Field::PageType,
            30 => Field::PageViews,
            31 => Field::SessionCategories,
            32 => Field::SessionViews(r.read()?),
            33 => Field::CartValue,
            34 => Field::RequestCountry,
            35 => Field::ConsentBanner,
            36 => Field::Now,
            37 => Field::LocalHour,
            38 => Field::LocalWeekday,
            39 => Field::NetValue,
            _ => return Err(Invalid::Tag),
        })
    }
}

/// Every field with a fixed path.
static FIXED_PATHS: [(&str, Field); 34] = [
    ("profile.known", Field::Known),
    ("profile.locale", Field::Locale),
    ("profile.country", Field::Country),
    ("profile.loyalty_tier", Field::LoyaltyTier),
    ("profile.tier_rank", Field::TierRank),
    ("profile.lifecycle", Field::Lifecycle),
    ("profile.net_value_band", Field::NetValueBand),
    ("profile.net_value", Field::NetValue),
    ("profile.return_rate", Field::ReturnRate),
    ("profile.preferred_channel", Field::PreferredChannel),
    ("profile.interests", Field::Interests),
    ("profile.top_category", Field::TopCategory),
    ("profile.price_band", Field::PriceBand),
    ("profile.discount_sensitivity", Field::DiscountSensitivity),
    ("profile.rfm.recency", Field::Recency),
    ("profile.rfm.frequency", Field::Frequency),
    ("profile.rfm.monetary", Field::Monetary),
    ("profile.churn_risk", Field::ChurnRisk),
    ("profile.purchase_propensity", Field::PurchasePropensity),
    ("profile.service.open_complaint", Field::OpenComplaint),
    ("profile.service.pending_refund", Field::PendingRefund),
    ("profile.service.late_order", Field::LateOrder),
    ("profile.service.active", Field::ServiceActive),
    ("session.live", Field::SessionLive),
    ("session.device", Field::Device),
    ("session.page_type", Field::PageType),
    ("session.page_views", Field::PageViews),
    ("session.categories", Field::SessionCategories),
    ("session.cart_value", Field::CartValue),
    ("context.country", Field::RequestCountry),
    ("context.consent_banner", Field::ConsentBanner),
    ("context.now", Field::Now),
    ("context.hour", Field::LocalHour),
    ("context.weekday", Field::LocalWeekday),
];

impl Field {
    /// Resolves a dotted path to a field, or `None` when no such field exists.
    pub fn parse(path: &str) -> Option<Field> {
        match FIXED_PATHS.iter().find(|(p, _)| *p == path) {
            Some((_, field)) => Some(field.clone()),
            None => Field::parse_keyed(path),
        }
    }

    /// The dotted path of this field (the inverse of [`Field::parse`]).
    pub fn path(&self) -> String {
        match self {
            Field::ChannelConsent(c) => format!("profile.consent.{}", c.name()),
            Field::PurposeConsent(p) => format!("profile.purpose.{}", p.name()),
            Field::Affinity(category) => format!("profile.affinity.{category}"),
            Field::SessionViews(category) => format!("session.views.{category}"),
            Field::EngagementSent(c) => format!("profile.engagement.{}.sent", c.name()),
            Field::EngagementResponded(c) => format!("profile.engagement.{}.responded", c.name()),
            fixed => FIXED_PATHS
                .iter()
                .find(|(_, f)| f == fixed)
                .map_or_else(String::new, |(p, _)| (*p).to_owned()),
        }
    }

    fn parse_keyed(path: &str) -> Option<Field> {
        let category = |name: &str| {
            (!name.is_empty() && name.len() <= MAX_CATEGORY_LEN && !name.contains('.'))
                .then(|| name.to_owned())
        };
        if let Some(rest) = path.strip_prefix("profile.consent.") {
            return Channel::from_name(rest).map(Field::ChannelConsent);
        }
        if let Some(rest) = path.strip_prefix("profile.purpose.") {
            return Purpose::ALL
                .into_iter()
                .find(|p| p.name() == rest)
                .map(Field::PurposeConsent);
        }
        if let Some(rest) = path.strip_prefix("profile.affinity.") {
            return category(rest).map(Field::Affinity);
        }
        if let Some(rest) = path.strip_prefix("session.views.") {
            return category(rest).map(Field::SessionViews);
        }
        if let Some(rest) = path.strip_prefix("profile.engagement.") {
            let (channel, count) = rest.split_once('.')?;
            let channel = Channel::from_name(channel)?;
            return match count {
                "sent" => Some(Field::EngagementSent(channel)),
                "responded" => Some(Field::EngagementResponded(channel)),
                _ => None,
            };
        }
        None
    }
}

/// Assigns slots to fields while rules compile; the result is stored in the ruleset.
#[derive(Debug, Default)]
pub struct FieldTable {
    fields: Vec<Field>,
}

impl FieldTable {
    /// The fields in slot order.
    pub fn into_fields(self) -> Vec<Field> {
        self.fields
    }
}

impl FieldCatalog for FieldTable {
    fn resolve(&mut self, path: &str) -> Result<u16, String> {
        let field = Field::parse(path).ok_or_else(|| {
            "not a profile, session or context field (see docs/RULESET.md)".to_owned()
        })?;
        if let Some(index) = self.fields.iter().position(|f| *f == field) {
            return Ok(index as u16);
        }
        let index =
            u16::try_from(self.fields.len()).map_err(|_| "too many distinct fields".to_owned())?;
        self.fields.push(field);
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_parses_back_to_its_field() {
        let keyed = [
            "profile.consent.sms",
            "profile.purpose.ad_targeting",
            "profile.affinity.running",
            "session.views.tents",
            "profile.engagement.push.sent",
            "profile.engagement.email.responded",
        ];
        let paths = FIXED_PATHS.iter().map(|(p, _)| *p).chain(keyed);
        for path in paths {
            let field = Field::parse(path).unwrap_or_else(|| panic!("{path} does not parse"));
            assert_eq!(field.path(), path);
        }
    }

    #[test]
    fn unknown_paths_are_refused() {
        for path in [
            "profile.email",
            "profile.consent.fax",
            "profile.affinity.",
            "profile.affinity.a.b",
            "",
        ] {
            assert_eq!(Field::parse(path), None, "{path}");
        }
    }
}
