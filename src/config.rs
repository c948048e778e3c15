//! Command line and environment options (SPEC 5.1).
use crate::proxy::{PublicUrl, TrustedProxies};
use actix_web::http::header::{self, HeaderName};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "flowtrack",
    version,
    about = "Self-hosted affiliate click tracker"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options shared by every subcommand; each also comes from the environment.
#[derive(Args, Debug, Clone)]
pub struct Config {
    /// The SQLite database file.
    #[arg(
        long,
        env = "FLOWTRACK_DB",
        default_value = "flowtrack.db",
        global = true
    )]
    pub db: PathBuf,
    /// Address to serve on (serve only).
    #[arg(
        long,
        env = "FLOWTRACK_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: String,
    /// Take the visitor IP (and country, behind Cloudflare) from the
    /// headers of the proxy in front: the socket peer is trusted.
    #[arg(long, env = "FLOWTRACK_TRUST_PROXY", global = true)]
    pub trust_proxy: bool,
    /// With --trust-proxy, the header that holds the visitor IP:
    /// X-Forwarded-For (its right-most untrusted address), or one the proxy
    /// overwrites, e.g. X-Real-IP or CF-Connecting-IP.
    #[arg(
        long,
        env = "FLOWTRACK_IP_HEADER",
        value_name = "NAME",
        default_value = "X-Forwarded-For",
        value_parser = crate::proxy::parse_ip_header,
        global = true
    )]
    pub ip_header: HeaderName,
    /// With --trust-proxy, further proxies to skip from the right of
    /// X-Forwarded-For (e.g. a CDN in front of nginx): comma-separated IPs
    /// and CIDRs.
    #[arg(
        long,
        env = "FLOWTRACK_TRUSTED_PROXIES",
        value_name = "CIDRS",
        default_value = "",
        hide_default_value = true,
        global = true
    )]
    pub trusted_proxies: TrustedProxies,
    /// The URL visitors and advertisers reach this tracker at, e.g.
    /// https://track.example.com: the origin of the postback URL; https
    /// makes the visitor cookie Secure.
    #[arg(long, env = "FLOWTRACK_PUBLIC_URL", value_name = "URL", global = true)]
    pub public_url: Option<PublicUrl>,
    /// A MaxMind-format .mmdb country database instead of the bundled one.
    #[arg(long, env = "FLOWTRACK_GEOIP", global = true)]
    pub geoip: Option<PathBuf>,
    /// Session expiry and login waits read the time here (tests set a
    /// manual clock; src/clock.rs).
    #[arg(skip)]
    pub clock: crate::clock::ClockRef,
    /// Keys per shard and generation of the visitor memory
    /// (src/clicks/uniqueness.rs): tests shrink it rather than send a
    /// million clicks.
    #[arg(skip = crate::clicks::uniqueness::SHARD_CAP)]
    #[doc(hidden)]
    pub visitor_shard_cap: usize,
    /// Time budget of one report (stats, leads, clicks), in milliseconds;
    /// past it the report stops and answers `timeout`.
    #[arg(
        long,
        env = "FLOWTRACK_READ_TIMEOUT_MS",
        default_value_t = crate::api::reads::BUDGET_MS,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub read_timeout_ms: u64,
}

impl Config {
    /// A configuration for tests and embedding: the given database, port 0.
    pub fn for_db(db: impl Into<PathBuf>) -> Self {
        Config {
            db: db.into(),
            listen: "127.0.0.1:0".into(),
            trust_proxy: false,
            ip_header: header::X_FORWARDED_FOR,
            trusted_proxies: TrustedProxies::default(),
            public_url: None,
            geoip: None,
            clock: Default::default(),
            visitor_shard_cap: crate::clicks::uniqueness::SHARD_CAP,
            read_timeout_ms: crate::api::reads::BUDGET_MS,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve redirects, the API and the dashboard (the default).
    Serve,
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Fill the database with a demo account and realistic traffic.
    Demo {
        /// Number of clicks to generate.
        #[arg(long, default_value_t = 200_000)]
        clicks: u64,
        /// Days of history.
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
    /// Write a consistent copy of the database (safe while the server runs).
    Backup { file: PathBuf },
    /// Replace the currency rates table with a JSON file
    /// (`{"rates": {"usd": 1, "eur": 0.92, ...}}`, units per 1 USD).
    Rates { file: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Create a user; prints its password and, on the last line, its token.
    Add { name: String },
    /// Rotate a user's API token; prints the new token.
    Token { name: String },
    /// Set a new random password; prints it.
    Password { name: String },
}
