//! Generalization of language tags and countries: `"de-de"` becomes `"de-DE"`, `"de_DE_1996"` becomes
//! `"de-DE"`, `"zh-Hant-TW"` becomes `"zh-TW"`, `"fr"` stays `"fr"`; `"de"` as a country becomes `"DE"`.

/// Longest language tag accepted before generalization.
const MAX_TAG_LEN: usize = 64;

/// ISO 3166-1 alpha-2 codes officially assigned, plus `XK` (Kosovo, user-assigned but in common use).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET \
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU \
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK \
YE YT ZA ZM ZW";

/// The message for a tag that cannot be generalized.
pub(crate) const LOCALE_RULE: &str =
    "must be a language tag such as de-DE (language, optional script and region)";

/// The message for a country that is not an assigned code.
pub(crate) const COUNTRY_RULE: &str = "must be an assigned ISO 3166-1 alpha-2 code such as DE";

/// Generalizes a BCP 47 language tag to language or language-region. `-` and `_` both separate subtags;
/// extended languages and scripts are dropped, as are variants, extensions and private use after the
/// region. `None` when the tag is not well-formed.
pub(crate) fn generalize_locale(tag: &str) -> Option<String> {
    if tag.len() > MAX_TAG_LEN {
        return None;
    }
    let mut subtags = tag.split(['-', '_']);
    let language = subtags.next()?;
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = language.to_ascii_lowercase();
    // Before the region come at most extended languages (3 letters) and a script (4 letters).
    let mut looking_for_region = true;
    for subtag in subtags {
        if subtag.is_empty()
            || subtag.len() > 8
            || !subtag.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return None;
        }
        if !looking_for_region {
            continue;
        }
        let letters = subtag.bytes().all(|b| b.is_ascii_alphabetic());
        let digits = subtag.bytes().all(|b| b.is_ascii_digit());
        match subtag.len() {
            2 if letters => {
                out.push('-');
                out.push_str(&subtag.to_ascii_uppercase());
                looking_for_region = false;
            }
            3 if digits => {
                out.push('-');
                out.push_str(subtag);
                looking_for_region = false;
            }
            3 | 4 if letters => {}
            _ => looking_for_region = false,
        }
    }
    Some(out)
}

/// The upper-case ISO 3166-1 alpha-2 code for `code` in either case, if it is assigned.
pub(crate) fn normalize_country(code: &str) -> Option<String> {
    let upper = code.to_ascii_uppercase();
    let known = upper.len() == 2
        && upper.bytes().all(|b| b.is_ascii_uppercase())
        && COUNTRIES.split(' ').any(|c| c == upper);
    known.then_some(upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_generalize_to_language_region() {
        let cases = [
            ("de-de", "de-DE"),
            ("de_DE", "de-DE"),
            ("DE-de-1996", "de-DE"),
            ("zh-Hant-TW", "zh-TW"),
            ("es-419", "es-419"),
            ("fr", "fr"),
            ("en-US-x-private", "en-US"),
            ("sr-Latn", "sr"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                generalize_locale(input).as_deref(),
                Some(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn garbage_locales_are_rejected() {
        for input in [
            "",
            "d",
            "deutsch",
            "de--DE",
            "de-DE!",
            "12-DE",
            "de-",
            "i-klingon",
        ] {
            assert_eq!(generalize_locale(input), None, "{input}");
        }
        assert_eq!(generalize_locale(&format!("de-{}", "a".repeat(70))), None);
    }

    #[test]
    fn countries_are_assigned_codes() {
        assert_eq!(normalize_country("de").as_deref(), Some("DE"));
        assert_eq!(normalize_country("US").as_deref(), Some("US"));
        assert_eq!(normalize_country("ZZ"), None);
        assert_eq!(normalize_country("DEU"), None);
        assert_eq!(normalize_country("D1"), None);
        assert_eq!(COUNTRIES.split(' ').count(), 250);
    }
}
