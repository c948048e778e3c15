//! Command line and environment options (SPEC 5.1).
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
    /// Take the visitor IP and country from proxy headers.
    #[arg(long, env = "FLOWTRACK_TRUST_PROXY", global = true)]
    pub trust_proxy: bool,
    /// A MaxMind-format .mmdb country database instead of the bundled one.
    #[arg(long, env = "FLOWTRACK_GEOIP", global = true)]
    pub geoip: Option<PathBuf>,
    /// KiB of clicks the writer's queue may hold before clicks are
    /// answered 503 (README "The click path"); for tests.
    #[arg(long, env = "FLOWTRACK_CLICK_QUEUE_KIB", global = true, hide = true)]
    pub click_queue_kib: Option<usize>,
}

impl Config {
    /// A configuration for tests and embedding: the given database, port 0.
    pub fn for_db(db: impl Into<PathBuf>) -> Self {
        Config {
            db: db.into(),
            listen: "127.0.0.1:0".into(),
            trust_proxy: false,
            geoip: None,
            click_queue_kib: None,
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
