//! Outbound postbacks against real HTTP receivers (docs/API.md "Outbound
//! postbacks", postbacks-out.json, postback-retry.json,
//! postback-preview.json): a lead's stage change tells the click's traffic
//! source through its postback template. Macros and their encodings in
//! `macros`; which events send, once, in `events`; retries on the injected
//! clock and the retry endpoint in `retries`; secrets masked in `masking`;
//! the log and bad templates in `log`; kill -9 and delivery in `crash`; a
//! receiver that never answers in `hang`; other users in `isolation`. The
//! receiver: common/receiver.rs, checked on its own in `harness`.
use crate::common::receiver::{Call, Receiver};
use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

mod crash;
mod events;
mod hang;
mod harness;
mod isolation;
mod log;
mod macros;
mod masking;
mod retries;

/// Long enough for anything that is not broken; reached only when it is
/// (the test then fails, it never hangs).
pub const LONG: Duration = Duration::from_secs(30);

/// One user's view of a running server (in process or a child process).
#[derive(Clone)]
pub struct Api {
    pub port: u16,
    pub token: String,
}

impl Api {
    /// The admin of a child process (common/server.rs).
    pub fn admin_of(server: &server::Server) -> Api {
        Api {
            port: server.port,
            token: server.token("admin"),
        }
    }

    pub fn of(app: &TestApp) -> Api {
        Api {
            port: app.port,
            token: app.token.clone(),
        }
    }

    pub fn user(&self, token: &str) -> Api {
        Api {
            port: self.port,
            token: token.to_string(),
        }
    }

    /// GET /api/tracker/{func}.json?id=TOKEN&{query} (query already encoded).
    pub fn get(&self, func: &str, query: &str) -> Value {
        let path = format!("/api/tracker/{func}.json?id={}&{query}", self.token);
        let r = http(self.port, "GET", &path, &[], b"").expect("request");
        assert_eq!(r.status, 200, "{func}: {}", r.text());
        r.json()
    }

    /// POST a JSON body with the token as a Bearer header.
    pub fn post(&self, func: &str, body: &Value) -> Value {
        let auth = format!("Bearer {}", self.token);
        let r = http(
            self.port,
            "POST",
            &format!("/api/tracker/{func}.json"),
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            body.to_string().as_bytes(),
        )
        .expect("request");
        assert_eq!(r.status, 200, "{func}: {}", r.text());
        r.json()
    }

    /// Creates (or with `source`, changes) a source; answers its id.
    pub fn source(&self, body: Value) -> i64 {
        let r = self.post("source", &body);
        assert_eq!(r["status"], "ok", "{body}: {r}");
        r["source"].as_i64().unwrap()
    }

    /// A flow `flow` on `source` (0: none) with one way whose URL carries
    /// the click id (read back by [`Api::click`]).
    pub fn flow(&self, flow: &str, source: i64) {
        let mut body = json!({"flow": flow, "ways": [{"url": "https://offer.test/?c={click}"}]});
        if source != 0 {
            body["source"] = json!(source);
        }
        let r = self.post("flow", &body);
        assert_eq!(r["status"], "ok", "{r}");
    }

    /// A click on `path` from a desktop Chrome; answers its click id.
    pub fn click(&self, path: &str) -> String {
        self.click_with(path, &[])
    }

    pub fn click_with(&self, path: &str, headers: &[(&str, &str)]) -> String {
        let mut h = vec![("User-Agent", CHROME_UA)];
        h.extend_from_slice(headers);
        let r = http(self.port, "GET", path, &h, b"").expect("click");
        assert_eq!(r.status, 302, "{path}: {}", r.text());
        let location = r.header("location").expect("a redirect").to_string();
        location
            .split_once("c=")
            .map(|(_, c)| c.to_string())
            .unwrap_or_else(|| panic!("no click id in {location}"))
    }

    /// postback.json; asserts that it answered ok and answers the lead id.
    pub fn pb(&self, query: &str) -> i64 {
        let r = self.get("postback", query);
        assert_eq!(r["status"], "ok", "postback {query}: {r}");
        r["id"].as_i64().unwrap()
    }

    /// postbacks-out.json's rows.
    pub fn out(&self, query: &str) -> Vec<Value> {
        let r = self.get("postbacks-out", query);
        assert_eq!(r["status"], "ok", "postbacks-out {query}: {r}");
        r["postbacks"].as_array().expect("postbacks").clone()
    }

    /// Reads postbacks-out.json until `done` holds for its rows (the
    /// sender updates them after each attempt, apart from the calls).
    pub fn wait_out(&self, query: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + LONG;
        loop {
            let rows = self.out(query);
            if done(&rows) {
                return rows;
            }
            assert!(
                Instant::now() < deadline,
                "postbacks-out {query}: waited {LONG:?} for {what}: {rows:#?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The one row of lead `lead`, once `done` holds for it.
    pub fn wait_row(&self, lead: i64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let rows = self.wait_out(&format!("lead={lead}"), what, |r| {
            r.len() == 1 && done(&r[0])
        });
        rows[0].clone()
    }

    /// The rates table: `usd` 1 and these (units per usd).
    pub fn rates(&self, rates: Value) {
        let r = self.post("rates", &json!({ "rates": rates }));
        assert_eq!(r["status"], "ok", "{r}");
    }
}

/// True when every row is in `state`.
pub fn all_in(rows: &[Value], state: &str) -> bool {
    rows.iter().all(|r| r["state"] == state)
}

/// The calls whose query parameter `name` is `value`.
pub fn with_param<'a>(calls: &'a [Call], name: &str, value: &str) -> Vec<&'a Call> {
    calls
        .iter()
        .filter(|c| c.param(name).as_deref() == Some(value))
        .collect()
}

/// Unix seconds now.
pub fn now_s() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A source telling `rx`, a flow `flow` on it and `n` approved leads of
/// one click; answers the leads.
pub fn queue(api: &Api, rx: &Receiver, flow: &str, n: usize) -> Vec<i64> {
    let s = api.source(json!({"name": "K", "postback_url": rx.url("/k?l={lead}")}));
    api.flow(flow, s);
    let c = api.click(&format!("/{flow}"));
    (0..n)
        .map(|i| api.pb(&format!("click={c}&status=approve&uid=u{i}")))
        .collect()
}

/// The child runs on the wall clock, where a retry is due a minute after
/// a failed attempt: the test lets that minute pass while the server is
/// down rather than wait for it.
pub fn due_now(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute("UPDATE postbacks_out SET next = 0 WHERE state = 0", [])
        .unwrap();
}

/// Calls per lead (`l` of the URL), counting those `counted` keeps.
pub fn per_lead(calls: &[Call], counted: impl Fn(&Call) -> bool) -> BTreeMap<i64, usize> {
    let mut m = BTreeMap::new();
    for c in calls.iter().filter(|c| counted(c)) {
        let lead = c.param("l").and_then(|l| l.parse().ok()).unwrap_or(-1);
        *m.entry(lead).or_insert(0) += 1;
    }
    m
}
