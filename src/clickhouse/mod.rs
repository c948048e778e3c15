//! ClickHouse as the analytics store of several nodes (docs/SCALING.md):
//! the target a node ships to ([`Target`], `--clickhouse URL`), the calls
//! made to it over its HTTP interface ([`Client`]), its tables
//! ([`schema`]) and the shipper that copies every committed click and
//! lead there ([`ship`]).
pub mod lists;
pub mod parts;
pub mod reports;
pub mod schema;
pub mod settle;
pub mod ship;

use base64::Engine;
use std::io::Read;
use std::time::Duration;

/// A ClickHouse database reached over HTTP(S):
/// `http://user:password@host:8123/database`, parsed when the options
/// are read, so a bad URL stops the start with a message.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    /// scheme://host:port/ (no credentials).
    pub base: String,
    pub user: String,
    password: String,
    pub database: String,
}

impl std::fmt::Debug for Target {
    /// Without the password: options are logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name())
    }
}

impl Target {
    /// Parses `--clickhouse` (clap's value parser).
    pub fn parse(text: &str) -> Result<Target, String> {
        let url = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("the URL must start with http:// or https://".into());
        }
        let host = url.host_str().ok_or("the URL names no host")?;
        let port = url.port_or_known_default().unwrap_or(8123);
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .to_string()
        };
        let database = decode(url.path().trim_matches('/'));
        let database = if database.is_empty() {
            "flowtrack".to_string()
        } else {
            database
        };
        if !database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!(
                "the database name {database:?} may hold only letters, digits and _"
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("the URL takes no query or fragment".into());
        }
        let host = match url.host() {
            Some(url::Host::Ipv6(a)) => format!("[{a}]"),
            _ => host.to_string(),
        };
        Ok(Target {
            base: format!("{}://{host}:{port}/", url.scheme()),
            user: match url.username() {
                "" => "default".to_string(),
                u => decode(u),
            },
            password: decode(url.password().unwrap_or("")),
            database,
        })
    }

    /// What the ship log remembers the target by: another host, port or
    /// database is another ClickHouse, which gets everything again.
    pub fn name(&self) -> String {
        format!("{}{}", self.base, self.database)
    }
}

/// Why a call failed, and whether trying again may help.
#[derive(Debug)]
pub struct Failed {
    pub message: String,
    /// A refusal of the SQL itself (HTTP 4xx other than 408/429, or an
    /// error ClickHouse reports for the statement) is not retried soon.
    pub retry: bool,
}

/// Calls to one ClickHouse: a small blocking client (ureq, rustls for
/// HTTPS) used only on the shipper's own thread, so ClickHouse being
/// slow or down never holds the click path, the writer or a stop.
pub struct Client {
    agent: ureq::Agent,
    target: Target,
    auth: String,
    /// Settings sent with every call (`name=value&...`).
    settings: String,
}

/// Bytes of an error answer kept in a message.
const ERROR_BYTES: u64 = 2048;

impl Client {
    pub fn new(target: Target, timeout: Duration) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            // ClickHouse closes an idle connection after its
            // keep_alive_timeout (3 s by default): a POST must not go out
            // on one it may have closed.
            .max_idle_age(Duration::from_secs(2))
            .user_agent(concat!("flowtrack/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", target.user, target.password));
        Client {
            agent,
            target,
            auth: format!("Basic {auth}"),
            settings: String::new(),
        }
    }

    /// The same client sending `settings` (`name=value&...`) with each call.
    pub fn with_settings(mut self, settings: &str) -> Client {
        self.settings = settings.to_string();
        self
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Runs `sql` with `body` after it (the rows of an INSERT ... FORMAT),
    /// in the target's database unless `in_db` is false; answers the
    /// result's text.
    pub fn run(&self, sql: &str, body: &[u8], in_db: bool) -> Result<String, Failed> {
        let mut url = format!(
            "{}?query={}",
            self.target.base,
            percent_encoding::utf8_percent_encode(sql, percent_encoding::NON_ALPHANUMERIC)
        );
        if in_db {
            url.push_str("&database=");
            url.push_str(&self.target.database);
        }
        if !self.settings.is_empty() {
            url.push('&');
            url.push_str(&self.settings);
        }
        let sent = self
            .agent
            .post(&url)
            .header("Authorization", &self.auth)
            .send(body);
        let mut resp = sent.map_err(|e| Failed {
            message: e.to_string(),
            retry: !matches!(e, ureq::Error::BadUri(_) | ureq::Error::Http(_)),
        })?;
        let status = resp.status().as_u16();
        let mut text = String::new();
        let limit = if status == 200 { u64::MAX } else { ERROR_BYTES };
        resp.body_mut()
            .as_reader()
            .take(limit)
            .read_to_string(&mut text)
            .map_err(|e| Failed {
                message: format!("reading the answer: {e}"),
                retry: true,
            })?;
        match status {
            200 => Ok(text),
            s => Err(Failed {
                message: format!("HTTP {s}: {}", text.trim()),
                retry: s == 408 || s == 429 || s >= 500 || s == 401 || s == 403,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn a_url_names_the_server_its_credentials_and_database() {
        let t = Target::parse("http://ft:p%40ss@127.0.0.1:9123/stats").unwrap();
        assert_eq!(t.base, "http://127.0.0.1:9123/");
        assert_eq!((t.user.as_str(), t.password.as_str()), ("ft", "p@ss"));
        assert_eq!(t.database, "stats");
        assert_eq!(format!("{t:?}"), "http://127.0.0.1:9123/stats");
        let t = Target::parse("https://ch.example.com").unwrap();
        assert_eq!(t.base, "https://ch.example.com:443/");
        assert_eq!(
            (t.user.as_str(), t.database.as_str()),
            ("default", "flowtrack")
        );
        let t = Target::parse("http://[::1]:8123/x").unwrap();
        assert_eq!(t.base, "http://[::1]:8123/");
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        for bad in [
            "ftp://h/db",
            "127.0.0.1:8123",
            "http://h/db;drop",
            "http://h/a/b",
            "http://h/db?x=1",
            "",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
