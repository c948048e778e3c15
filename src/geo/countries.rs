//! Static country table: ISO 3166-1 alpha-2 codes, English names, and the
//! languages spoken in each country.
//!
//! Why this exists:
//! * SPEC section 2, step 5 (language filter): a flow can say "only send
//!   visitors whose browser language is spoken in the target countries".
//!   [`accept_language_matches`] checks the visitor's `Accept-Language`
//!   header against the flow's country list, using [`languages`].
//! * SPEC section 4 (stats): geo reports show a readable country name next to
//!   the code ([`country_name`]), and inputs are checked with [`is_country`].
//!
//! The table lists all 249 officially assigned ISO 3166-1 alpha-2 codes,
//! sorted by code so lookups can use binary search. Names are short English
//! names that read well in reports ("Russia", "Bolivia", "Vietnam") and are
//! not always the long ISO names. User-assigned codes such as `xk` (Kosovo)
//! are not included.
//!
//! Languages are ISO 639-1 codes for the official languages plus languages
//! that are widely spoken or widely used on the web in that country (for
//! example `ru` in Ukraine, Kazakhstan and the Baltic states). Languages
//! with no ISO 639-1 code (Filipino is given as `tl`; Papiamento, Tetum and
//! Tok Pisin are left out) cannot show up in an `Accept-Language` primary
//! subtag we match on, so they are not listed. Uninhabited territories have
//! an empty list.

pub use super::country_table::{Country, COUNTRIES};

/// Most `Accept-Language` entries looked at; the rest of a (hostile) header
/// is ignored so the work per request stays bounded.
const MAX_HEADER_ENTRIES: usize = 64;

/// Lower-cases a 2-letter ASCII code. `None` for anything else.
fn two_letters(code: &str) -> Option<[u8; 2]> {
    match code.trim().as_bytes() {
        &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some([a.to_ascii_lowercase(), b.to_ascii_lowercase()])
        }
        _ => None,
    }
}

fn find(code: &str) -> Option<&'static Country> {
    let key = two_letters(code)?;
    COUNTRIES
        .binary_search_by(|row| row.code.as_bytes().cmp(&key[..]))
        .ok()
        .map(|i| &COUNTRIES[i])
}

/// English name of a country, e.g. `country_name("DE") == Some("Germany")`.
/// Case-insensitive; surrounding whitespace is ignored.
pub fn country_name(code: &str) -> Option<&'static str> {
    find(code).map(|row| row.name)
}

/// True when `code` is an ISO 3166-1 alpha-2 code (any case).
pub fn is_country(code: &str) -> bool {
    find(code).is_some()
}

/// ISO 639-1 codes of the languages spoken in a country, main ones first.
/// Empty for unknown codes and uninhabited territories.
pub fn languages(code: &str) -> &'static [&'static str] {
    find(code).map_or(&[], |row| row.languages)
}

/// Normalises a language tag to its lower-case 2-letter primary subtag:
/// `"de-CH"` → `de`, `"en_US"` → `en`, `"zh-Hant-TW"` → `zh`.
/// Deprecated codes still sent by old browsers are mapped to the current
/// ones (`iw` → `he`, `in` → `id`, `ji` → `yi`, `mo` → `ro`), and `fil`
/// (Filipino, no 2-letter code) to `tl`. `None` for anything else.
fn primary_language(tag: &str) -> Option<[u8; 2]> {
    let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
    if primary.eq_ignore_ascii_case("fil") {
        return Some(*b"tl");
    }
    let lang = two_letters(primary)?;
    Some(match &lang {
        b"iw" => *b"he",
        b"in" => *b"id",
        b"ji" => *b"yi",
        b"mo" => *b"ro",
        _ => lang,
    })
}

fn spoken_in(lang: [u8; 2], countries: &[String]) -> bool {
    countries
        .iter()
        .any(|country| languages(country).iter().any(|l| l.as_bytes() == lang))
}

/// True when language `lang` is spoken in at least one of `countries`.
///
/// `lang` is case-insensitive and may be a full tag: `"de-CH"` and `"en_US"`
/// are reduced to `de` and `en`. Country codes are case-insensitive; unknown
/// ones never match.
pub fn language_spoken_in(lang: &str, countries: &[String]) -> bool {
    primary_language(lang).is_some_and(|l| spoken_in(l, countries))
}

/// True when any language in an HTTP `Accept-Language` header is spoken in
/// at least one of `countries`.
///
/// Example header: `de-CH,de;q=0.9,en;q=0.8,*;q=0.5`. The wildcard `*` is
/// ignored, as are entries with `q=0` (the client says "not this one").
/// Weights are not otherwise ranked: any acceptable language counts. A
/// weight that does not parse is treated as acceptable. Malformed entries
/// are skipped; this function never panics. An empty or unusable header
/// gives `false`.
pub fn accept_language_matches(header: &str, countries: &[String]) -> bool {
    header
        .split(',')
        .take(MAX_HEADER_ENTRIES)
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or("").trim();
            if tag.is_empty() || tag == "*" {
                return None;
            }
            let refused = parts.any(|param| {
                let param = param.trim();
                let Some((key, value)) = param.split_once('=') else {
                    return false;
                };
                if !key.trim().eq_ignore_ascii_case("q") {
                    return false;
                }
                matches!(value.trim().parse::<f64>(), Ok(q) if q.is_finite() && q <= 0.0)
            });
            if refused {
                return None;
            }
            primary_language(tag)
        })
        .any(|lang| spoken_in(lang, countries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn table_is_complete_sorted_and_well_formed() {
        assert_eq!(COUNTRIES.len(), 249);
        for pair in COUNTRIES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "not sorted/unique: {} then {}",
                pair[0].code,
                pair[1].code
            );
        }
        for row in COUNTRIES {
            assert_eq!(row.code.len(), 2, "{}", row.code);
            assert!(
                row.code.bytes().all(|b| b.is_ascii_lowercase()),
                "{}",
                row.code
            );
            assert!(!row.name.trim().is_empty(), "{}", row.code);
            for (i, lang) in row.languages.iter().enumerate() {
                assert_eq!(lang.len(), 2, "{}: {lang}", row.code);
                assert!(
                    lang.bytes().all(|b| b.is_ascii_lowercase()),
                    "{}: {lang}",
                    row.code
                );
                assert!(
                    !row.languages[..i].contains(lang),
                    "{}: duplicate {lang}",
                    row.code
                );
            }
        }
    }

    #[test]
    fn inhabited_places_have_languages() {
        let empty: Vec<&str> = COUNTRIES
            .iter()
            .filter(|row| row.languages.is_empty())
            .map(|row| row.code)
            .collect();
        assert_eq!(empty, ["aq", "bv", "hm"]);
    }

    #[test]
    fn country_name_lookup() {
        assert_eq!(country_name("de"), Some("Germany"));
        assert_eq!(country_name("DE"), Some("Germany"));
        assert_eq!(country_name("uS"), Some("United States"));
        assert_eq!(country_name(" gb "), Some("United Kingdom"));
        assert_eq!(country_name("ad"), Some("Andorra"));
        assert_eq!(country_name("zw"), Some("Zimbabwe"));
        assert_eq!(country_name("xk"), None);
        assert_eq!(country_name("uk"), None);
        assert_eq!(country_name(""), None);
        assert_eq!(country_name("d"), None);
        assert_eq!(country_name("deu"), None);
        assert_eq!(country_name("é"), None);
        assert_eq!(country_name("1a"), None);
        for row in COUNTRIES {
            assert_eq!(country_name(row.code), Some(row.name));
            assert_eq!(country_name(&row.code.to_uppercase()), Some(row.name));
        }
    }

    #[test]
    fn is_country_lookup() {
        assert!(is_country("ch"));
        assert!(is_country("CH"));
        assert!(is_country("ax"));
        assert!(!is_country("zz"));
        assert!(!is_country("eu"));
        assert!(!is_country(""));
        assert!(!is_country("ch-"));
        assert!(!is_country("\u{0}\u{0}"));
    }

    #[test]
    fn languages_lookup() {
        assert_eq!(languages("ch"), ["de", "fr", "it", "rm"]);
        assert_eq!(languages("US"), ["en", "es"]);
        assert_eq!(languages("ca"), ["en", "fr"]);
        assert_eq!(languages("be"), ["nl", "fr", "de"]);
        assert_eq!(languages("by"), ["be", "ru"]);
        assert_eq!(languages("kz"), ["kk", "ru"]);
        assert_eq!(languages("ua"), ["uk", "ru"]);
        assert_eq!(
            languages("in"),
            ["hi", "en", "bn", "te", "mr", "ta", "ur", "gu", "kn", "ml", "or", "pa"]
        );
        assert!(languages("zz").is_empty());
        assert!(languages("").is_empty());
        assert!(languages("aq").is_empty());
    }

    #[test]
    fn language_spoken_in_basic() {
        let ch = list(&["ch"]);
        assert!(language_spoken_in("de", &ch));
        assert!(language_spoken_in("DE", &ch));
        assert!(language_spoken_in("de-CH", &ch));
        assert!(language_spoken_in("fr_CH", &ch));
        assert!(language_spoken_in(" it ", &ch));
        assert!(!language_spoken_in("en", &ch));
        assert!(!language_spoken_in("en-US", &ch));

        let several = list(&["DE", "us", "zz"]);
        assert!(language_spoken_in("en_US", &several));
        assert!(language_spoken_in("es", &several));
        assert!(!language_spoken_in("ru", &several));

        assert!(!language_spoken_in("de", &[]));
        assert!(!language_spoken_in("de", &list(&["", "zz", "deu"])));
    }

    #[test]
    fn language_spoken_in_legacy_and_odd_tags() {
        assert!(language_spoken_in("iw", &list(&["il"])));
        assert!(language_spoken_in("in-ID", &list(&["id"])));
        assert!(language_spoken_in("fil-PH", &list(&["ph"])));
        assert!(language_spoken_in("zh-Hant-TW", &list(&["tw"])));
        assert!(!language_spoken_in("", &list(&["us"])));
        assert!(!language_spoken_in("-", &list(&["us"])));
        assert!(!language_spoken_in("*", &list(&["us"])));
        assert!(!language_spoken_in("eng", &list(&["us"])));
        assert!(!language_spoken_in("e", &list(&["us"])));
        assert!(!language_spoken_in("ру", &list(&["ru"])));
    }

    #[test]
    fn accept_language_typical_headers() {
        let header = "de-CH,de;q=0.9,en;q=0.8,*;q=0.5";
        assert!(accept_language_matches(header, &list(&["ch"])));
        assert!(accept_language_matches(header, &list(&["at"])));
        assert!(accept_language_matches(header, &list(&["us"])));
        assert!(!accept_language_matches(header, &list(&["ru"])));
        assert!(!accept_language_matches(header, &list(&["jp", "cn"])));
        assert!(accept_language_matches(header, &list(&["jp", "GB"])));

        assert!(accept_language_matches("ru-RU,ru;q=0.9", &list(&["ua"])));
        assert!(accept_language_matches("ru", &list(&["kz"])));
        assert!(!accept_language_matches("ru", &list(&["pl"])));
        assert!(accept_language_matches("en_US", &list(&["us"])));
        assert!(accept_language_matches("  FR-be ; q=1.0 ", &list(&["BE"])));
        assert!(!accept_language_matches("de", &[]));
    }

    #[test]
    fn accept_language_ignores_wildcard_and_q_zero() {
        let ch = list(&["ch"]);
        assert!(!accept_language_matches("*", &ch));
        assert!(!accept_language_matches("*;q=1", &ch));
        assert!(!accept_language_matches("en,*;q=0.5", &ch));
        assert!(!accept_language_matches("de;q=0", &ch));
        assert!(!accept_language_matches("de;q=0.0", &ch));
        assert!(!accept_language_matches("de;q=0.000", &ch));
        assert!(!accept_language_matches("de; Q = 0 ", &ch));
        assert!(!accept_language_matches("en,de;q=0,fr;q=0", &ch));
        assert!(accept_language_matches("en,de;q=0,fr;q=0.1", &ch));
        assert!(accept_language_matches("de;q=0.001", &ch));
        // Unparsable weight: treated as acceptable.
        assert!(accept_language_matches("de;q=abc", &ch));
        assert!(accept_language_matches("de;q=", &ch));
        assert!(accept_language_matches("de;foo=0", &ch));
    }

    #[test]
    fn accept_language_garbage_never_panics() {
        let countries = list(&["de", "us", "ch", "", "ZZ", "ünï"]);
        let long_a = "a".repeat(100_000);
        let many_commas = ",".repeat(100_000);
        let many_entries = "xx;q=0.5,".repeat(10_000);
        let garbage: Vec<&str> = vec![
            "",
            " ",
            ",",
            ",,,;;;===",
            ";",
            ";q=0.9",
            "q=0.9",
            "=",
            "-",
            "_",
            "--,__",
            "de-",
            "-de",
            "de;;;;q",
            "de;q=0.9;q=",
            "de;q=NaN",
            "de;q=inf",
            "de;q=-1",
            "de;q=1e999",
            "\u{0}\u{1}\u{7f}",
            "日本語,ja-JP;q=0.9",
            "ü,é;q=0.5",
            "🦀;q=1",
            "d\u{301}e",
            &long_a,
            &many_commas,
            &many_entries,
        ];
        for header in garbage {
            let _ = accept_language_matches(header, &countries);
            let _ = accept_language_matches(header, &[]);
            let _ = language_spoken_in(header, &countries);
            let _ = country_name(header);
            let _ = languages(header);
        }
        assert!(!accept_language_matches("", &countries));
        assert!(!accept_language_matches(",,,;;;===", &countries));
        assert!(!accept_language_matches(&long_a, &countries));
        assert!(!accept_language_matches("日本語,🦀", &countries));
        // "-1" is not a positive weight, so it is refused like q=0.
        assert!(!accept_language_matches("de;q=-1", &countries));
        assert!(accept_language_matches("de;q=NaN", &countries));
        assert!(accept_language_matches("de;q=inf", &countries));
        // Only the first MAX_HEADER_ENTRIES entries are considered.
        let late = format!("{}de", "xx,".repeat(MAX_HEADER_ENTRIES));
        assert!(!accept_language_matches(&late, &countries));
    }
}
