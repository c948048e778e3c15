//! User-Agent classification into the numeric codes of the stats API
//! (`os`, `browser`, `mobile`, `bot`; see [`OS_NAMES`] and [`BROWSER_NAMES`]).
//!
//! `woothee` does the heavy lifting, but on its own it misses exactly the
//! traffic an affiliate tracker cares about (README, "The click path"):
//! in-app browsers (Facebook, Instagram, TikTok all look like plain
//! WebKit/Chrome), Android/iOS WebViews, the mobile browsers of India,
//! Indonesia and Russia (UC Browser, Samsung Internet, Yandex), Kindle, old
//! Windows Phone and Symbian phones, app traffic (`CFNetwork`), and most
//! bots and scripted clients. So a few cheap, case-sensitive token rules
//! run first and woothee only answers what they leave open. Bots are
//! whatever `isbot` or woothee's "crawler" category flags, plus
//! headless/scripted clients and the empty UA.
//!
//! Choices worth knowing (README, "Decisions where the reference is
//! silent", lists the browser codes after 11):
//! - The OS comes from the UA's own platform token, for bots too: a crawler
//!   gets an OS only if its UA names one (Googlebot smartphone says
//!   `Android`, HeadlessChrome says `X11; Linux`), otherwise 0.
//! - `mobile` is true for iOS, Android (tablets included), Windows Mobile,
//!   Symbian and BlackBerry, for J2ME (`MIDP`) phones, for UC Browser's
//!   `UCWEB` forms (its desktop build says `UBrowser`) and for whatever
//!   woothee calls a (smart/feature) phone. A smartphone crawler is thus
//!   mobile, as its UA claims. iPadOS 13+ in "desktop mode" sends a Mac UA
//!   and counts as a MacOS desktop.
//! - UC Browser (12), Samsung Internet (13), Amazon Silk (14) and Yandex
//!   (15) have codes of flowtrack's own after the reference's Bot (11).
//!   Other Chromium forks that name themselves (Vivaldi, MIUI, ...) are
//!   Other (0); forks that hide behind a plain Chrome UA (Brave, ...) stay
//!   Chrome, as woothee reports them. Opera (5) is every Opera: desktop,
//!   `OPR/`, Opera Mini and Opera Mobile.
//! - UC Browser names the OS in its own words: `Adr` is Android, `wds` is
//!   Windows Phone, `JUC (Linux; ...)` and `UCWEB/2.0 (Linux; ...)` are
//!   Android phones (UC never shipped a Linux desktop build), `IUC(` is
//!   iOS; `Java`/`MIDP` feature phones stay Other.
//! - Kindle and Silk are Android (Fire OS), whatever desktop platform their
//!   "desktop mode" claims (Silk 1 says Mac OS X, later ones X11 Linux).
//! - Windows Phone in "desktop mode" (`WPDesktop`, `ZuneWP7`) is Windows
//!   Mobile, not Windows.
//! - App traffic through Apple's HTTP stack (`App/1.0 CFNetwork/...
//!   Darwin/...`) is iOS unless it says it is a Mac: macOS adds the CPU
//!   architecture (`(x86_64)`, `(i386)`, `(arm64)`) or a Mac model; iOS
//!   adds nothing, so `Darwin/` alone is iOS (woothee and uap-core decide
//!   the same). Its browser is Other: no browser engine rendered a page.
//! - Safari (4) needs macOS, iOS or Windows (Apple's Safari for Windows,
//!   up to 5.1): the stock WebKit browsers of Android 4, BlackBerry and
//!   Symbian also say "Safari" and are Other.
//! - `okhttp` is only a bot when the whole UA starts with it (the unanchored
//!   `okhttp` pattern is removed from isbot's list).

use std::sync::LazyLock;

crate::codes::code_enum! {
    /// The OS of a click, stored as its code.
    pub enum Os names OS_NAMES {
        #[default]
        Other = 0 => "Other",
        Windows = 1 => "Windows",
        MacOs = 2 => "MacOS",
        Linux = 3 => "Linux",
        Ios = 4 => "iOS",
        Android = 5 => "Android",
        WindowsMobile = 6 => "Windows Mobile",
        Symbian = 7 => "Symbian",
        BlackBerry = 8 => "BlackBerry",
    }
}

crate::codes::code_enum! {
    /// The browser of a click, stored as its code: the reference's codes
    /// 0-11, then flowtrack's own (README, "Decisions where the reference
    /// is silent"): new codes are only ever appended.
    pub enum Browser names BROWSER_NAMES {
        #[default]
        Other = 0 => "Other",
        Chrome = 1 => "Chrome",
        Firefox = 2 => "Firefox",
        Msie = 3 => "MSIE",
        Safari = 4 => "Safari",
        Opera = 5 => "Opera",
        Edge = 6 => "Edge",
        Facebook = 7 => "Facebook",
        Instagram = 8 => "Instagram",
        TikTok = 9 => "Tik-Tok",
        WebView = 10 => "WebView",
        Bot = 11 => "Bot",
        Uc = 12 => "UC Browser",
        Samsung = 13 => "Samsung Internet",
        Silk = 14 => "Silk",
        Yandex = 15 => "Yandex",
    }
}

/// Longer UAs are cut here (at a char boundary) before any matching: real
/// ones stay well below, and it bounds the cost of hostile input.
const MAX_UA_LEN: usize = 1024;

/// Headless browsers and HTTP libraries (spelled as they send themselves).
const BOT_TOKENS: &[&str] = &[
    "HeadlessChrome",
    "curl/",
    "Wget/",
    "python-requests",
    "python-urllib",
    "Python-urllib",
    "aiohttp",
    "Go-http-client",
    "Java/",
    "libwww-perl",
    "PhantomJS",
    "Puppeteer",
    "Playwright",
    "Scrapy",
    "axios/",
    "node-fetch",
    "Apache-HttpClient",
    "PostmanRuntime",
];
const FACEBOOK_TOKENS: &[&str] = &["FBAN/", "FBAV/", "FB_IAB"];
const TIKTOK_TOKENS: &[&str] = &["musical_ly", "BytedanceWebview", "trill_", " trill/"];
const EDGE_TOKENS: &[&str] = &["Edg/", "EdgA/", "EdgiOS/", "Edge/"];
const OPERA_TOKENS: &[&str] = &["OPR/", "Opera", "OPiOS"];
/// UC Browser's forms: `UCBrowser/` (Android, iOS), `UCWEB` (its speed
/// mode and J2ME builds, and inside `JUC (...)`/`IUC(...)`), `UC Browser`
/// (Symbian), `UC AppleWebKit` (old Android), `UBrowser/` (desktop).
const UC_TOKENS: &[&str] = &[
    "UCBrowser",
    "UCWEB",
    "UC Browser",
    " UC AppleWebKit",
    "UBrowser/",
];
const YANDEX_TOKENS: &[&str] = &["YaBrowser/", "YaSearchBrowser/"];
/// Chromium/WebKit browsers that name themselves: Other, not Chrome/Safari.
const OTHER_BROWSER_TOKENS: &[&str] = &["Vivaldi/", "MiuiBrowser/", "HuaweiBrowser/"];

const WINDOWS_MOBILE_TOKENS: &[&str] = &[
    "Windows Phone",
    "Windows Mobile",
    "Windows CE",
    "IEMobile",
    "WPDesktop", // Windows Phone 8.x asking for desktop pages
    "ZuneWP7",   // Windows Phone 7.5 likewise
    "; wds ",    // UC Browser on Windows Phone
];
const SYMBIAN_TOKENS: &[&str] = &["Symbian", "SymbOS", "Series60", "Series 60"];
/// `S60V5`, `S60/3.0`, `sw_platform=S60;`: only when the UA does not say
/// Android (the Cat S60 is an Android phone).
const S60_TOKENS: &[&str] = &["S60V", "S60/", "S60;", "S60 V"];
/// A Mac behind a `CFNetwork/... Darwin/...` app UA: the CPU architecture
/// macOS appends, or the model.
const MAC_DARWIN_TOKENS: &[&str] = &[
    "(x86_64)",
    "(i386)",
    "(arm64)",
    "Macintosh",
    "MacBook",
    "Macmini",
    "iMac",
    "MacPro",
];

/// Bot patterns compiled once (isbot builds one big regex).
static BOTS: LazyLock<isbot::Bots> = LazyLock::new(|| {
    let mut bots = isbot::Bots::default();
    bots.remove(&["okhttp"]);
    bots
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UaInfo {
    pub os: Os,
    pub browser: Browser,
    pub mobile: bool,
    pub bot: bool,
}

/// Distinct User-Agents seen recently, so the regex work runs once per UA:
/// real traffic repeats a few thousand UAs (docs/BENCHMARKS.md: the click path's CPU).
static CACHE: LazyLock<std::sync::Mutex<foldhash::HashMap<Box<str>, UaInfo>>> =
    LazyLock::new(Default::default);
const CACHE_CAP: usize = 20_000;

/// `classify` through a bounded cache (cleared whole when full).
pub fn classify_cached(ua: &str) -> UaInfo {
    if let Some(info) = CACHE.lock().unwrap_or_else(|e| e.into_inner()).get(ua) {
        return *info;
    }
    let info = classify(ua);
    if ua.len() <= 512 {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_CAP {
            cache.clear();
        }
        cache.insert(ua.into(), info);
    }
    info
}

/// Classifies a User-Agent header. Never panics; any input is accepted.
pub fn classify(ua: &str) -> UaInfo {
    let ua = truncate(ua.trim(), MAX_UA_LEN);
    if ua.is_empty() {
        return UaInfo {
            browser: Browser::Bot,
            bot: true,
            ..UaInfo::default()
        };
    }
    let parsed = woothee::parser::Parser::new().parse(ua);
    let (w_name, w_category, w_os) = parsed
        .as_ref()
        .map_or(("", "", ""), |r| (r.name, r.category, r.os));

    let os = os_code(ua, w_os);
    let mobile = matches!(
        os,
        Os::Ios | Os::Android | Os::WindowsMobile | Os::Symbian | Os::BlackBerry
    ) || (matches!(w_category, "smartphone" | "mobilephone")
        // woothee calls every CFNetwork app a smartphone, Mac apps too
        && !matches!(os, Os::Windows | Os::MacOs | Os::Linux))
        || ua.contains("MIDP") // J2ME feature phones (Opera Mini)
        || ua.contains("UCWEB");
    let bot = has_any(ua, BOT_TOKENS)
        || ua.starts_with("okhttp")
        || w_category == "crawler"
        || BOTS.is_bot(ua);
    let browser = if bot {
        Browser::Bot
    } else {
        browser_code(ua, w_name, os)
    };
    UaInfo {
        os,
        browser,
        mobile,
        bot,
    }
}

/// Display name of an OS code; unknown codes are "Other".
pub fn os_name(code: i64) -> &'static str {
    Os::from_code(code).unwrap_or_default().name()
}

/// Display name of a browser code; unknown codes are "Other".
pub fn browser_name(code: i64) -> &'static str {
    Browser::from_code(code).unwrap_or_default().name()
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn has_any(ua: &str, tokens: &[&str]) -> bool {
    tokens.iter().any(|t| ua.contains(t))
}

/// Platform tokens first (order matters: Windows Phone 8.1 also says
/// "Android" and "iPhone", Android also says "Linux", Silk 1 says "Mac OS
/// X"), then woothee's OS.
fn os_code(ua: &str, w_os: &str) -> Os {
    if has_any(ua, WINDOWS_MOBILE_TOKENS) {
        Os::WindowsMobile
    } else if has_any(ua, SYMBIAN_TOKENS) || (has_any(ua, S60_TOKENS) && !ua.contains("Android")) {
        Os::Symbian
    } else if has_any(ua, &["BlackBerry", "BB10", "RIM Tablet"]) {
        Os::BlackBerry
    } else if has_any(ua, &["iPhone", "iPad", "iPod", "IUC("]) {
        Os::Ios
    } else if ua.contains("Darwin/") {
        if has_any(ua, MAC_DARWIN_TOKENS) {
            Os::MacOs
        } else {
            Os::Ios
        }
    } else if ua.contains("Android")
        || ua.contains("; Adr ")
        || (ua.contains("Linux") && has_any(ua, UC_TOKENS))
        || is_amazon(ua)
    {
        Os::Android
    } else if ua.contains("Linux") || ua.contains("CrOS") {
        Os::Linux
    } else if ua.contains("Windows") {
        Os::Windows
    } else if ua.contains("Macintosh") || ua.contains("Mac OS X") {
        Os::MacOs
    } else {
        match w_os {
            "Windows Phone OS" | "Windows CE" => Os::WindowsMobile,
            os if os.starts_with("Windows") => Os::Windows,
            "Mac OSX" | "Mac OS Classic" => Os::MacOs,
            "Linux" | "ChromeOS" => Os::Linux,
            "iPhone" | "iPad" | "iPod" | "iOS" => Os::Ios,
            "Android" => Os::Android,
            "SymbianOS" => Os::Symbian,
            "BlackBerry" | "BlackBerry 10" => Os::BlackBerry,
            _ => Os::Other,
        }
    }
}

/// Amazon's Kindle readers and Fire tablets (the Silk browser). Sony's
/// PlayStation Vita browser also says `Silk/`; Kindle's reading apps for
/// Windows and Mac say `Kindle` too.
fn is_amazon(ua: &str) -> bool {
    (ua.contains("Silk/") && !ua.contains("PlayStation"))
        || (ua.contains("Kindle") && !has_any(ua, &["Windows", "Macintosh"]))
}

/// Token rules for what woothee cannot tell, then woothee's browser name.
fn browser_code(ua: &str, w_name: &str, os: Os) -> Browser {
    if has_any(ua, FACEBOOK_TOKENS) {
        Browser::Facebook
    } else if ua.contains("Instagram") {
        Browser::Instagram
    } else if has_any(ua, TIKTOK_TOKENS) {
        Browser::TikTok
    } else if ua.contains("CFNetwork") {
        Browser::Other // an app's own HTTP requests: no browser rendered a page
    } else if has_any(ua, UC_TOKENS) {
        Browser::Uc // before Opera and MSIE: `MSIE 6.0; ) Opera/UCWEB7.0...`
    } else if ua.contains("SamsungBrowser/") {
        Browser::Samsung
    } else if ua.contains("Silk/") {
        Browser::Silk
    } else if has_any(ua, YANDEX_TOKENS) {
        Browser::Yandex
    } else if has_any(ua, EDGE_TOKENS) {
        Browser::Edge
    } else if has_any(ua, OPERA_TOKENS) {
        Browser::Opera
    } else if ua.contains("; wv)") {
        Browser::WebView
    } else if ua.contains("CriOS/") {
        Browser::Chrome
    } else if ua.contains("FxiOS/") {
        Browser::Firefox
    } else if os == Os::Ios
        && ua.contains("AppleWebKit")
        && ua.contains("Mobile/")
        && !ua.contains("Safari/")
    {
        Browser::WebView
    } else if ua.contains("MSIE ") || ua.contains("Trident/") {
        Browser::Msie
    } else if has_any(ua, OTHER_BROWSER_TOKENS) {
        Browser::Other
    } else {
        match w_name {
            "Chrome" => Browser::Chrome,
            "Firefox" => Browser::Firefox,
            "Internet Explorer" => Browser::Msie,
            "Safari" if matches!(os, Os::MacOs | Os::Ios | Os::Windows) => Browser::Safari,
            "Opera" => Browser::Opera,
            "Edge" => Browser::Edge,
            "Webview" => Browser::WebView,
            _ => Browser::Other,
        }
    }
}
