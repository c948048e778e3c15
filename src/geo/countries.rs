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

/// One row of the country table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// Lower-case ISO 3166-1 alpha-2 code.
    pub code: &'static str,
    /// Short English name.
    pub name: &'static str,
    /// Lower-case ISO 639-1 codes of languages spoken there, main ones first.
    pub languages: &'static [&'static str],
}

const fn c(code: &'static str, name: &'static str, languages: &'static [&'static str]) -> Country {
    Country {
        code,
        name,
        languages,
    }
}

/// All ISO 3166-1 alpha-2 countries and territories, sorted by code.
pub static COUNTRIES: &[Country] = &[
    c("ad", "Andorra", &["ca", "es", "fr"]),
    c("ae", "United Arab Emirates", &["ar", "en", "hi", "ur"]),
    c("af", "Afghanistan", &["ps", "fa", "uz"]),
    c("ag", "Antigua and Barbuda", &["en"]),
    c("ai", "Anguilla", &["en"]),
    c("al", "Albania", &["sq"]),
    c("am", "Armenia", &["hy", "ru"]),
    c("ao", "Angola", &["pt"]),
    c("aq", "Antarctica", &[]),
    c("ar", "Argentina", &["es"]),
    c("as", "American Samoa", &["en", "sm"]),
    c("at", "Austria", &["de"]),
    c("au", "Australia", &["en"]),
    c("aw", "Aruba", &["nl", "es", "en"]),
    c("ax", "Åland Islands", &["sv"]),
    c("az", "Azerbaijan", &["az", "ru"]),
    c("ba", "Bosnia and Herzegovina", &["bs", "hr", "sr"]),
    c("bb", "Barbados", &["en"]),
    c("bd", "Bangladesh", &["bn", "en"]),
    c("be", "Belgium", &["nl", "fr", "de"]),
    c("bf", "Burkina Faso", &["fr"]),
    c("bg", "Bulgaria", &["bg"]),
    c("bh", "Bahrain", &["ar", "en"]),
    c("bi", "Burundi", &["rn", "fr", "en"]),
    c("bj", "Benin", &["fr", "yo"]),
    c("bl", "Saint Barthélemy", &["fr"]),
    c("bm", "Bermuda", &["en"]),
    c("bn", "Brunei", &["ms", "en"]),
    c("bo", "Bolivia", &["es", "qu", "ay"]),
    c("bq", "Caribbean Netherlands", &["nl", "en", "es"]),
    c("br", "Brazil", &["pt"]),
    c("bs", "Bahamas", &["en"]),
    c("bt", "Bhutan", &["dz", "en"]),
    c("bv", "Bouvet Island", &[]),
    c("bw", "Botswana", &["en", "tn"]),
    c("by", "Belarus", &["be", "ru"]),
    c("bz", "Belize", &["en", "es"]),
    c("ca", "Canada", &["en", "fr"]),
    c("cc", "Cocos (Keeling) Islands", &["en", "ms"]),
    c("cd", "DR Congo", &["fr", "ln", "sw", "kg", "lu"]),
    c("cf", "Central African Republic", &["fr", "sg"]),
    c("cg", "Congo", &["fr", "ln"]),
    c("ch", "Switzerland", &["de", "fr", "it", "rm"]),
    c("ci", "Côte d'Ivoire", &["fr"]),
    c("ck", "Cook Islands", &["en"]),
    c("cl", "Chile", &["es"]),
    c("cm", "Cameroon", &["fr", "en"]),
    c("cn", "China", &["zh"]),
    c("co", "Colombia", &["es"]),
    c("cr", "Costa Rica", &["es"]),
    c("cu", "Cuba", &["es"]),
    c("cv", "Cape Verde", &["pt"]),
    c("cw", "Curaçao", &["nl", "en"]),
    c("cx", "Christmas Island", &["en", "zh", "ms"]),
    c("cy", "Cyprus", &["el", "tr", "en"]),
    c("cz", "Czechia", &["cs"]),
    c("de", "Germany", &["de"]),
    c("dj", "Djibouti", &["fr", "ar", "so", "aa"]),
    c("dk", "Denmark", &["da"]),
    c("dm", "Dominica", &["en"]),
    c("do", "Dominican Republic", &["es"]),
    c("dz", "Algeria", &["ar", "fr"]),
    c("ec", "Ecuador", &["es", "qu"]),
    c("ee", "Estonia", &["et", "ru"]),
    c("eg", "Egypt", &["ar", "en"]),
    c("eh", "Western Sahara", &["ar", "es"]),
    c("er", "Eritrea", &["ti", "ar", "en"]),
    c("es", "Spain", &["es", "ca", "gl", "eu"]),
    c("et", "Ethiopia", &["am", "om", "ti", "so", "en"]),
    c("fi", "Finland", &["fi", "sv"]),
    c("fj", "Fiji", &["en", "fj", "hi"]),
    c("fk", "Falkland Islands", &["en"]),
    c("fm", "Micronesia", &["en"]),
    c("fo", "Faroe Islands", &["fo", "da"]),
    c("fr", "France", &["fr"]),
    c("ga", "Gabon", &["fr"]),
    c("gb", "United Kingdom", &["en", "cy", "gd"]),
    c("gd", "Grenada", &["en"]),
    c("ge", "Georgia", &["ka", "ru"]),
    c("gf", "French Guiana", &["fr"]),
    c("gg", "Guernsey", &["en", "fr"]),
    c("gh", "Ghana", &["en", "ak", "ee"]),
    c("gi", "Gibraltar", &["en", "es"]),
    c("gl", "Greenland", &["kl", "da"]),
    c("gm", "Gambia", &["en", "wo", "ff"]),
    c("gn", "Guinea", &["fr", "ff"]),
    c("gp", "Guadeloupe", &["fr"]),
    c("gq", "Equatorial Guinea", &["es", "fr", "pt"]),
    c("gr", "Greece", &["el"]),
    c(
        "gs",
        "South Georgia and the South Sandwich Islands",
        &["en"],
    ),
    c("gt", "Guatemala", &["es"]),
    c("gu", "Guam", &["en", "ch"]),
    c("gw", "Guinea-Bissau", &["pt"]),
    c("gy", "Guyana", &["en"]),
    c("hk", "Hong Kong", &["zh", "en"]),
    c("hm", "Heard Island and McDonald Islands", &[]),
    c("hn", "Honduras", &["es"]),
    c("hr", "Croatia", &["hr"]),
    c("ht", "Haiti", &["fr", "ht"]),
    c("hu", "Hungary", &["hu"]),
    c("id", "Indonesia", &["id", "jv", "su"]),
    c("ie", "Ireland", &["en", "ga"]),
    c("il", "Israel", &["he", "ar", "ru", "en"]),
    c("im", "Isle of Man", &["en", "gv"]),
    c(
        "in",
        "India",
        &[
            "hi", "en", "bn", "te", "mr", "ta", "ur", "gu", "kn", "ml", "or", "pa",
        ],
    ),
    c("io", "British Indian Ocean Territory", &["en"]),
    c("iq", "Iraq", &["ar", "ku"]),
    c("ir", "Iran", &["fa", "az", "ku"]),
    c("is", "Iceland", &["is"]),
    c("it", "Italy", &["it"]),
    c("je", "Jersey", &["en", "fr"]),
    c("jm", "Jamaica", &["en"]),
    c("jo", "Jordan", &["ar", "en"]),
    c("jp", "Japan", &["ja"]),
    c("ke", "Kenya", &["sw", "en"]),
    c("kg", "Kyrgyzstan", &["ky", "ru"]),
    c("kh", "Cambodia", &["km"]),
    c("ki", "Kiribati", &["en"]),
    c("km", "Comoros", &["ar", "fr"]),
    c("kn", "Saint Kitts and Nevis", &["en"]),
    c("kp", "North Korea", &["ko"]),
    c("kr", "South Korea", &["ko"]),
    c("kw", "Kuwait", &["ar", "en"]),
    c("ky", "Cayman Islands", &["en"]),
    c("kz", "Kazakhstan", &["kk", "ru"]),
    c("la", "Laos", &["lo"]),
    c("lb", "Lebanon", &["ar", "fr", "en"]),
    c("lc", "Saint Lucia", &["en"]),
    c("li", "Liechtenstein", &["de"]),
    c("lk", "Sri Lanka", &["si", "ta", "en"]),
    c("lr", "Liberia", &["en"]),
    c("ls", "Lesotho", &["st", "en"]),
    c("lt", "Lithuania", &["lt", "ru"]),
    c("lu", "Luxembourg", &["lb", "fr", "de"]),
    c("lv", "Latvia", &["lv", "ru"]),
    c("ly", "Libya", &["ar"]),
    c("ma", "Morocco", &["ar", "fr"]),
    c("mc", "Monaco", &["fr"]),
    c("md", "Moldova", &["ro", "ru"]),
    c("me", "Montenegro", &["sr", "bs", "sq", "hr"]),
    c("mf", "Saint Martin", &["fr"]),
    c("mg", "Madagascar", &["mg", "fr"]),
    c("mh", "Marshall Islands", &["mh", "en"]),
    c("mk", "North Macedonia", &["mk", "sq"]),
    c("ml", "Mali", &["fr", "bm"]),
    c("mm", "Myanmar", &["my"]),
    c("mn", "Mongolia", &["mn"]),
    c("mo", "Macao", &["zh", "pt"]),
    c("mp", "Northern Mariana Islands", &["en", "ch"]),
    c("mq", "Martinique", &["fr"]),
    c("mr", "Mauritania", &["ar", "fr"]),
    c("ms", "Montserrat", &["en"]),
    c("mt", "Malta", &["mt", "en"]),
    c("mu", "Mauritius", &["en", "fr"]),
    c("mv", "Maldives", &["dv", "en"]),
    c("mw", "Malawi", &["en", "ny"]),
    c("mx", "Mexico", &["es"]),
    c("my", "Malaysia", &["ms", "en", "zh", "ta"]),
    c("mz", "Mozambique", &["pt"]),
    c("na", "Namibia", &["en", "af", "de"]),
    c("nc", "New Caledonia", &["fr"]),
    c("ne", "Niger", &["fr", "ha"]),
    c("nf", "Norfolk Island", &["en"]),
    c("ng", "Nigeria", &["en", "ha", "yo", "ig"]),
    c("ni", "Nicaragua", &["es"]),
    c("nl", "Netherlands", &["nl", "fy"]),
    c("no", "Norway", &["nb", "nn", "no"]),
    c("np", "Nepal", &["ne"]),
    c("nr", "Nauru", &["na", "en"]),
    c("nu", "Niue", &["en"]),
    c("nz", "New Zealand", &["en", "mi"]),
    c("om", "Oman", &["ar"]),
    c("pa", "Panama", &["es"]),
    c("pe", "Peru", &["es", "qu", "ay"]),
    c("pf", "French Polynesia", &["fr", "ty"]),
    c("pg", "Papua New Guinea", &["en", "ho"]),
    c("ph", "Philippines", &["tl", "en"]),
    c("pk", "Pakistan", &["ur", "en", "pa", "ps", "sd"]),
    c("pl", "Poland", &["pl"]),
    c("pm", "Saint Pierre and Miquelon", &["fr"]),
    c("pn", "Pitcairn Islands", &["en"]),
    c("pr", "Puerto Rico", &["es", "en"]),
    c("ps", "Palestine", &["ar", "he"]),
    c("pt", "Portugal", &["pt"]),
    c("pw", "Palau", &["en"]),
    c("py", "Paraguay", &["es", "gn"]),
    c("qa", "Qatar", &["ar", "en"]),
    c("re", "Réunion", &["fr"]),
    c("ro", "Romania", &["ro", "hu"]),
    c("rs", "Serbia", &["sr", "hu"]),
    c("ru", "Russia", &["ru", "tt"]),
    c("rw", "Rwanda", &["rw", "en", "fr", "sw"]),
    c("sa", "Saudi Arabia", &["ar"]),
    c("sb", "Solomon Islands", &["en"]),
    c("sc", "Seychelles", &["en", "fr"]),
    c("sd", "Sudan", &["ar", "en"]),
    c("se", "Sweden", &["sv"]),
    c("sg", "Singapore", &["en", "zh", "ms", "ta"]),
    c(
        "sh",
        "Saint Helena, Ascension and Tristan da Cunha",
        &["en"],
    ),
    c("si", "Slovenia", &["sl"]),
    c("sj", "Svalbard and Jan Mayen", &["nb", "no", "ru"]),
    c("sk", "Slovakia", &["sk", "hu"]),
    c("sl", "Sierra Leone", &["en"]),
    c("sm", "San Marino", &["it"]),
    c("sn", "Senegal", &["fr", "wo"]),
    c("so", "Somalia", &["so", "ar"]),
    c("sr", "Suriname", &["nl"]),
    c("ss", "South Sudan", &["en", "ar"]),
    c("st", "São Tomé and Príncipe", &["pt"]),
    c("sv", "El Salvador", &["es"]),
    c("sx", "Sint Maarten", &["nl", "en"]),
    c("sy", "Syria", &["ar", "ku"]),
    c("sz", "Eswatini", &["ss", "en"]),
    c("tc", "Turks and Caicos Islands", &["en"]),
    c("td", "Chad", &["fr", "ar"]),
    c("tf", "French Southern Territories", &["fr"]),
    c("tg", "Togo", &["fr", "ee"]),
    c("th", "Thailand", &["th"]),
    c("tj", "Tajikistan", &["tg", "ru"]),
    c("tk", "Tokelau", &["en"]),
    c("tl", "Timor-Leste", &["pt"]),
    c("tm", "Turkmenistan", &["tk", "ru"]),
    c("tn", "Tunisia", &["ar", "fr"]),
    c("to", "Tonga", &["to", "en"]),
    c("tr", "Turkey", &["tr", "ku"]),
    c("tt", "Trinidad and Tobago", &["en"]),
    c("tv", "Tuvalu", &["en"]),
    c("tw", "Taiwan", &["zh"]),
    c("tz", "Tanzania", &["sw", "en"]),
    c("ua", "Ukraine", &["uk", "ru"]),
    c("ug", "Uganda", &["en", "sw", "lg"]),
    c("um", "U.S. Minor Outlying Islands", &["en"]),
    c("us", "United States", &["en", "es"]),
    c("uy", "Uruguay", &["es"]),
    c("uz", "Uzbekistan", &["uz", "ru"]),
    c("va", "Vatican City", &["it", "la"]),
    c("vc", "Saint Vincent and the Grenadines", &["en"]),
    c("ve", "Venezuela", &["es"]),
    c("vg", "British Virgin Islands", &["en"]),
    c("vi", "U.S. Virgin Islands", &["en", "es"]),
    c("vn", "Vietnam", &["vi"]),
    c("vu", "Vanuatu", &["bi", "en", "fr"]),
    c("wf", "Wallis and Futuna", &["fr"]),
    c("ws", "Samoa", &["sm", "en"]),
    c("ye", "Yemen", &["ar"]),
    c("yt", "Mayotte", &["fr"]),
    c(
        "za",
        "South Africa",
        &["en", "zu", "xh", "af", "st", "tn", "ts", "ss", "ve", "nr"],
    ),
    c("zm", "Zambia", &["en", "ny"]),
    c("zw", "Zimbabwe", &["en", "sn", "nd"]),
];

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
