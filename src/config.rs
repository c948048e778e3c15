//! Command line and environment options (README "Running"). `--db` is
//! every command's; the server's own options are on `serve` and also on
//! `flowtrack` itself, which serves when no command is given, so
//! `flowtrack --listen X`, `flowtrack --listen X serve` and
//! `flowtrack serve --listen X` all work, and each command's `--help`
//! lists only what that command reads.
use crate::proxy::{PublicUrl, TrustedProxies};
use actix_web::http::header::{self, HeaderName};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "flowtrack",
    version,
    about = "Self-hosted affiliate click tracker: one binary, one SQLite file",
    long_about = "Self-hosted affiliate click tracker: one binary, one SQLite file.\n\n\
                  Without a command it serves (the same as `flowtrack serve`); the \
                  server's options may stand before or after `serve`. Every option \
                  can also be set by its environment variable."
)]
pub struct Cli {
    /// The SQLite database file; created, with the first user, when missing.
    #[arg(
        long,
        env = "FLOWTRACK_DB",
        value_name = "PATH",
        default_value = "flowtrack.db",
        global = true
    )]
    pub db: PathBuf,
    /// The server's options when no command is given (or before `serve`).
    #[command(flatten, next_help_heading = "Server options (flowtrack serve)")]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the server reads besides the database.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to serve on.
    #[arg(
        long,
        env = "FLOWTRACK_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    /// Take the visitor IP (and country, behind Cloudflare) from the
    /// headers of the proxy in front: the socket peer is trusted.
    #[arg(long, env = "FLOWTRACK_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// With --trust-proxy, the header that holds the visitor IP:
    /// X-Forwarded-For (its right-most untrusted address), or one the proxy
    /// overwrites, e.g. X-Real-IP or CF-Connecting-IP.
    #[arg(
        long,
        env = "FLOWTRACK_IP_HEADER",
        value_name = "NAME",
        default_value = "X-Forwarded-For",
        value_parser = crate::proxy::parse_ip_header
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
        hide_default_value = true
    )]
    pub trusted_proxies: TrustedProxies,
    /// The URL visitors and advertisers reach this tracker at, e.g.
    /// https://track.example.com: the origin of the postback URL; https
    /// makes the visitor cookie Secure.
    #[arg(long, env = "FLOWTRACK_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<PublicUrl>,
    /// A MaxMind-format .mmdb country database instead of the bundled one.
    #[arg(long, env = "FLOWTRACK_GEOIP", value_name = "PATH")]
    pub geoip: Option<PathBuf>,
    /// Time budget of one report (stats, leads, clicks), in milliseconds;
    /// past it the report stops and answers `timeout`.
    #[arg(
        long,
        env = "FLOWTRACK_READ_TIMEOUT_MS",
        value_name = "MS",
        default_value_t = crate::api::reads::BUDGET_MS,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub read_timeout_ms: u64,
    /// KiB of clicks the writer's queue may hold before clicks are
    /// answered 503 (docs/ARCHITECTURE.md "The writer"); for tests.
    #[arg(
        long,
        env = "FLOWTRACK_CLICK_QUEUE_KIB",
        value_name = "KIB",
        hide = true
    )]
    pub click_queue_kib: Option<usize>,
    /// Days the log of incoming postbacks keeps a call (docs/API.md
    /// postbacks-in.json); older ones are pruned in the background.
    #[arg(
        long,
        env = "FLOWTRACK_POSTBACK_LOG_DAYS",
        value_name = "DAYS",
        default_value_t = 7,
        value_parser = clap::value_parser!(u32).range(1..=3650)
    )]
    pub postback_log_days: u32,
    /// Milliseconds an outgoing postback may take (docs/API.md "Outbound
    /// postbacks": 10 s); for tests.
    #[arg(
        long,
        env = "FLOWTRACK_POSTBACK_TIMEOUT_MS",
        value_name = "MS",
        hide = true,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub postback_timeout_ms: Option<u64>,
    /// Copy every click and lead to this ClickHouse database
    /// (docs/SCALING.md), e.g. http://user:password@host:8123/flowtrack.
    #[arg(long, env = "FLOWTRACK_CLICKHOUSE", value_name = "URL",
        value_parser = crate::clickhouse::Target::parse)]
    pub clickhouse: Option<crate::clickhouse::Target>,
    /// This node's id in ClickHouse and in its click ids (1-4095;
    /// default: chosen at random once and kept in the database).
    #[arg(long, env = "FLOWTRACK_NODE", value_name = "ID",
        value_parser = clap::value_parser!(u16).range(1..=4095))]
    pub node: Option<u16>,
    /// Where stats.json reads: this node's own file (sqlite) or, with
    /// --clickhouse, the ClickHouse every node ships to (clickhouse).
    #[arg(long, env = "FLOWTRACK_REPORTS", value_name = "FROM", default_value = "sqlite",
        value_parser = ["sqlite", "clickhouse"])]
    pub reports: String,
    /// With --clickhouse, how often new rows are sent, in milliseconds.
    #[arg(long, env = "FLOWTRACK_SHIP_INTERVAL_MS", value_name = "MS", default_value_t = 1000,
        value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub ship_interval_ms: u64,
    /// With --clickhouse, seconds a day of ClickHouse rows must go without
    /// new ones before it is merged into one part, which reports read
    /// several times faster (docs/SCALING.md "Reports").
    #[arg(long, env = "FLOWTRACK_MERGE_AFTER_SECS", value_name = "SECS", default_value_t = 300,
        value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub merge_after_secs: u64,
    /// With --clickhouse, days a click row is kept once ClickHouse has it
    /// (README "Running it"); older ones are deleted hourly. Default: all
    /// kept.
    #[arg(long, env = "FLOWTRACK_KEEP_DAYS", value_name = "DAYS",
        value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub keep_days: Option<u32>,
}

/// How long an outgoing postback may take (docs/API.md "Outbound
/// postbacks").
pub const POSTBACK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The server's configuration: a plain struct, so tests and embedders
/// build it with [`Config::for_db`] and set what they need.
#[derive(Debug, Clone)]
pub struct Config {
    pub db: PathBuf,
    pub listen: String,
    pub trust_proxy: bool,
    pub ip_header: HeaderName,
    pub trusted_proxies: TrustedProxies,
    pub public_url: Option<PublicUrl>,
    pub geoip: Option<PathBuf>,
    /// Session expiry and login waits read the time here (tests set a
    /// manual clock; src/clock.rs).
    pub clock: crate::clock::ClockRef,
    /// Keys per shard and generation of the visitor memory
    /// (src/clicks/uniqueness.rs): tests shrink it rather than send a
    /// million clicks.
    #[doc(hidden)]
    pub visitor_shard_cap: usize,
    pub read_timeout_ms: u64,
    /// KiB of clicks the writer's queue may hold (None: the default).
    pub click_queue_kib: Option<usize>,
    /// Days the incoming postback log keeps a call.
    pub postback_log_days: u32,
    /// How long an outgoing postback may take before it counts as failed
    /// (docs/API.md "Outbound postbacks"); tests shorten it.
    pub postback_timeout: std::time::Duration,
    /// Where clicks and leads are copied (docs/SCALING.md), this node's
    /// id there, and how often.
    pub clickhouse: Option<crate::clickhouse::Target>,
    pub node: Option<u16>,
    pub ship_interval: std::time::Duration,
    /// How long a day in ClickHouse stays quiet before it is merged, and
    /// whether this node merges them at all (tests turn it off to keep
    /// days in several parts).
    pub merge_after: std::time::Duration,
    pub merge_days: bool,
    /// Reports read ClickHouse (`--reports clickhouse`).
    pub reports_from_clickhouse: bool,
    /// Days a click row is kept once in ClickHouse (src/keep.rs); None:
    /// every row is kept. Requires `clickhouse`.
    pub keep_days: Option<u32>,
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
            click_queue_kib: None,
            postback_log_days: 7,
            postback_timeout: POSTBACK_TIMEOUT,
            clickhouse: None,
            node: None,
            ship_interval: std::time::Duration::from_secs(1),
            merge_after: std::time::Duration::from_secs(300),
            merge_days: true,
            reports_from_clickhouse: false,
            keep_days: None,
        }
    }

    /// The server's configuration from the command line.
    pub fn serve(db: PathBuf, args: ServeArgs) -> Self {
        let ServeArgs {
            listen,
            trust_proxy,
            ip_header,
            trusted_proxies,
            public_url,
            geoip,
            read_timeout_ms,
            click_queue_kib,
            postback_log_days,
            postback_timeout_ms,
            clickhouse,
            node,
            reports,
            ship_interval_ms,
            merge_after_secs,
            keep_days,
        } = args;
        Config {
            listen,
            trust_proxy,
            ip_header,
            trusted_proxies,
            public_url,
            geoip,
            read_timeout_ms,
            click_queue_kib,
            postback_log_days,
            postback_timeout: postback_timeout_ms
                .map_or(POSTBACK_TIMEOUT, std::time::Duration::from_millis),
            clickhouse,
            node,
            ship_interval: std::time::Duration::from_millis(ship_interval_ms),
            merge_after: std::time::Duration::from_secs(merge_after_secs),
            reports_from_clickhouse: reports == "clickhouse",
            keep_days,
            ..Config::for_db(db)
        }
    }
}

// Parsed once at start: the size of a variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve redirects, the API and the dashboard (the default).
    Serve(ServeArgs),
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
    Backup {
        /// The copy to write; must not exist yet.
        file: PathBuf,
    },
    /// Replace the currency rates table with a JSON file
    /// (`{"rates": {"usd": 1, "eur": 0.92, ...}}`, units per 1 USD).
    Rates {
        /// The JSON file with the new rates.
        file: PathBuf,
    },
    /// Check or rebuild the copies of the clicks that make reports fast
    /// (rollups, click columns) against the click rows and leads.
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum StoreAction {
    /// Check every derived copy against the click rows and leads (safe
    /// while the server runs).
    ///
    /// Recomputes the narrow, wide and lead rollups and the click columns
    /// (with their prices) from the click rows and the leads, checks that
    /// every user agent and referer the click rows name is in the
    /// dictionary, and prints each difference (the first 20 of each table,
    /// then a count; docs/ARCHITECTURE.md "The click store" names them).
    /// Exit status 0 when all agree (one summary line), 1 when some differ,
    /// 2 on an error. Reads one snapshot, read-only: safe while the server
    /// runs.
    Verify,
    /// Rewrite every derived copy from the click rows and leads (stop the
    /// server first).
    ///
    /// Recomputes and rewrites the rollups and the click columns in one
    /// transaction. The server must
    /// be stopped (its writer keeps part of the click columns in memory):
    /// this refuses to run while a server holds the database, and a server
    /// does not start during it. It also refuses while a change of base
    /// currency is unfinished, and on a node whose old click rows
    /// --keep-days deleted (their copies would be lost).
    Rebuild,
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Create a user; prints its password and, on the last line, its token.
    Add {
        /// The new user's name: 1-64 letters, digits, '_', '-' or '.'.
        name: String,
    },
    /// Rotate a user's API token; prints the new token.
    Token {
        /// The user's name.
        name: String,
    },
    /// Set a new random password; prints it.
    Password {
        /// The user's name.
        name: String,
    },
}

impl ServeArgs {
    /// The options given after `serve` (`matches` are that command's) over
    /// those before it: an option typed after `serve` wins, otherwise what
    /// was typed before it, else the environment, else the default.
    fn under(&mut self, before: ServeArgs, matches: &ArgMatches) {
        let typed = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
        // The pattern names every field: a new option cannot be forgotten.
        macro_rules! keep_typed {
            ($($field:ident),*) => {{
                let ServeArgs { $($field),* } = before;
                $(if !typed(stringify!($field)) { self.$field = $field; })*
            }};
        }
        keep_typed!(
            listen,
            trust_proxy,
            ip_header,
            trusted_proxies,
            public_url,
            geoip,
            read_timeout_ms,
            click_queue_kib,
            postback_log_days,
            postback_timeout_ms,
            clickhouse,
            node,
            reports,
            ship_interval_ms,
            merge_after_secs,
            keep_days
        );
    }
}

impl Cli {
    /// Parses the process's arguments; exits with clap's message (or the
    /// help) when they are wrong.
    pub fn from_command_line() -> Cli {
        Cli::try_from_args(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// Parses `args` (the program name first). A server option given
    /// before a command other than `serve` is an error rather than
    /// silently unused.
    pub fn try_from_args(
        args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    ) -> Result<Cli, clap::Error> {
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        match (&mut cli.command, matches.subcommand()) {
            (Some(Command::Serve(after)), Some((_, sub))) => after.under(cli.serve.clone(), sub),
            (Some(_), Some((name, _))) => {
                let serve = ServeArgs::augment_args(clap::Command::new("serve"));
                let typed = serve.get_arguments().find(|a| {
                    matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine)
                });
                if let Some(arg) = typed {
                    let long = arg.get_long().unwrap_or(arg.get_id().as_str());
                    return Err(Cli::command().error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!("--{long} is an option of `flowtrack serve`, not of `{name}`"),
                    ));
                }
            }
            _ => {}
        }
        Ok(cli)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listen(args: &[&str]) -> String {
        let cli = Cli::try_from_args(args.iter().copied()).unwrap();
        match cli.command {
            Some(Command::Serve(s)) => s.listen,
            None => cli.serve.listen,
            Some(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn server_options_stand_before_or_after_serve() {
        assert_eq!(listen(&["f", "--listen", "a:1"]), "a:1");
        assert_eq!(listen(&["f", "--listen", "a:1", "serve"]), "a:1");
        assert_eq!(listen(&["f", "serve", "--listen", "b:2"]), "b:2");
        assert_eq!(
            listen(&["f", "--listen", "a:1", "serve", "--listen", "b:2"]),
            "b:2"
        );
        let cli = Cli::try_from_args(["f", "--trust-proxy", "--db", "x.db", "serve"]).unwrap();
        let Some(Command::Serve(s)) = cli.command else {
            panic!()
        };
        assert!(s.trust_proxy);
        assert_eq!(cli.db, PathBuf::from("x.db"));
    }

    #[test]
    fn a_server_option_before_another_command_is_an_error() {
        let e = Cli::try_from_args(["f", "--listen", "a:1", "user", "add", "x"]).unwrap_err();
        assert!(e.to_string().contains("--listen"), "{e}");
        assert!(Cli::try_from_args(["f", "user", "add", "x", "--listen", "a:1"]).is_err());
        assert!(Cli::try_from_args(["f", "user", "add", "x", "--db", "y.db"]).is_ok());
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
