//! flowtrack: a self-hosted affiliate click tracker in one binary.
//! `Application::build` wires storage, the click writer and the HTTP
//! routes; tests start it on port 0 against a temporary database.
pub mod accounts;
pub mod api;
pub mod cli;
pub mod click_id;
pub mod clickhouse;
pub mod clicks;
pub mod clock;
pub mod codes;
pub mod config;
pub mod db;
pub mod flows;
pub mod geo;
pub mod goals;
pub mod ids;
pub mod keep;
pub mod landings;
pub mod leads;
pub mod logs;
pub mod memory;
pub mod money;
pub mod proxy;
pub mod prune;
pub mod rates;
pub mod routes;
pub mod schema;
pub mod sites;
pub mod snapshot;
pub mod sources;
pub mod spend;
pub mod state;
pub mod stats;
pub mod store;
pub mod text;
pub mod user_agent;
pub mod web;

use actix_web::{web as aweb, App, HttpResponse, HttpServer};
use config::Config;
use state::AppState;
use std::sync::{Arc, RwLock};

/// GET and HEAD answer alike (docs/API.md "The click path": `GET /{flow}` also `HEAD`).
fn get_or_head() -> actix_web::Route {
    use actix_web::guard;
    aweb::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Connections for the checks of postbacks: a postback holds one for
/// tens of microseconds, and 4 (against 8 shared with every call before)
/// kept bench/postback.sh's rate (docs/BENCHMARKS.md).
const WRITE_POOL: u32 = 4;

/// How long a stop waits for outgoing postbacks in flight to be recorded
/// (a stop stays within a few seconds even when a receiver hangs).
const OUTBOX_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

pub struct Application {
    server: actix_web::dev::Server,
    state: aweb::Data<AppState>,
    port: u16,
    refilled: Arc<std::sync::atomic::AtomicBool>,
    /// Held while the server runs: `flowtrack store rebuild` refuses to
    /// run beside it (src/db/lock.rs).
    _lock: db::lock::Lock,
}

/// Opens (creating or upgrading) the database and creates the first user
/// when there is none; returns that user's credentials to print once.
pub fn prepare_database(
    path: &std::path::Path,
) -> rusqlite::Result<(rusqlite::Connection, Option<accounts::Created>)> {
    let mut conn = schema::open_and_migrate(path)?;
    rates::seed(&mut conn)?;
    let users: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
    let created = if users == 0 {
        Some(accounts::create_user(&conn, "admin")?)
    } else {
        None
    };
    Ok((conn, created))
}

impl Application {
    /// Opens the database, starts the writer and binds the server.
    pub fn build(config: Config) -> std::io::Result<Application> {
        let io = |e: rusqlite::Error| std::io::Error::other(e.to_string());
        // Only ClickHouse's copy makes an old click row safe to delete
        // (src/store/retention.rs).
        if config.keep_days.is_some() && config.clickhouse.is_none() {
            return Err(std::io::Error::other(
                "--keep-days needs --clickhouse: click rows are deleted only once \
                 ClickHouse holds them",
            ));
        }
        let (conn, created) = prepare_database(&config.db).map_err(io)?;
        let lock = db::lock::exclusive(&config.db).map_err(|e| match e {
            db::lock::LockError::Io(e) => e,
            held => std::io::Error::other(format!("{}: {held}", config.db.display())),
        })?;
        if let Some(c) = created {
            println!(
                "Created user admin\n  password: {}\n  token:    {}",
                c.password, c.token
            );
            let origin = match &config.public_url {
                Some(url) => url.as_str().to_string(),
                None => format!("http://{}", config.listen),
            };
            println!("Log in at {origin}/app/ (load demo data: flowtrack demo)");
        }
        let max: Option<i64> = conn
            .query_row("SELECT max(id) FROM clicks", [], |r| r.get(0))
            .map_err(io)?;
        let click_keys = click_id::Keys::after(max.unwrap_or(0));
        let snapshot = snapshot::Snapshot::load(&conn).map_err(io)?;
        let keys = accounts::keys::Keys::load(&conn).map_err(io)?;
        let window = snapshot
            .flows
            .values()
            .map(|f| f.uniq_secs)
            .max()
            .unwrap_or(0);
        let geo = geo::GeoDb::open(config.geoip.as_deref()).map_err(std::io::Error::other)?;
        let pool_err = |e: r2d2::Error| std::io::Error::other(e.to_string());
        let pool = db::pool(&config.db, 8).map_err(pool_err)?;
        // Each report slot may hold a second connection for the other
        // half of a period (src/store/scan.rs), so a report always finds
        // its own free.
        let reports = db::pool(&config.db, 2 * api::reads::TOTAL as u32).map_err(pool_err)?;
        let writes = db::pool(&config.db, WRITE_POOL).map_err(pool_err)?;
        let budget = std::time::Duration::from_millis(config.read_timeout_ms);
        let ship = clickhouse::ship::prepare(
            &conn,
            config.clickhouse.as_ref(),
            config.node,
            config.ship_interval,
            config.merge_days.then_some(config.merge_after),
        )
        .map_err(std::io::Error::other)?;
        let node = store::ship::node(&conn).map_err(io)?;
        let reports_from = match (&config.clickhouse, config.reports_from_clickhouse) {
            (Some(t), true) => Some(clickhouse::reports::Reports::new(
                t.clone(),
                budget,
                config.merge_after,
            )),
            (None, true) => {
                return Err(std::io::Error::other(
                    "--reports clickhouse needs --clickhouse URL",
                ))
            }
            (_, false) => None,
        };
        db::serving(&conn).map_err(io)?;
        // Sliced writes a crash interrupted, finished before any other
        // write of their users (src/db/writer/tasks.rs).
        let mut resumed = spend::task::resume(&conn).map_err(io)?;
        resumed.extend(store::rescale::resume(&conn).map_err(io)?);
        let queue = config
            .click_queue_kib
            .map_or(db::writer::DEFAULT_BYTES, |k| k << 10);
        let state = aweb::Data::new(AppState {
            checkpointer: db::checkpoint::Checkpointer::start(pool.clone()),
            pool,
            reports,
            writes,
            reads: api::reads::Reads::new(budget, api::reads::WAIT),
            writer: db::writer::Writer::start(conn, store::Appender::default(), resumed, queue),
            snapshot: RwLock::new(Arc::new(snapshot)),
            geo,
            visitors: clicks::uniqueness::Visitors::with_cap(config.visitor_shard_cap),
            landings: Default::default(),
            proxy: proxy::Proxy::new(
                config.trust_proxy,
                config.ip_header.clone(),
                config.trusted_proxies.0.clone(),
                config.public_url.clone(),
            ),
            login_throttle: Default::default(),
            keys,
            clock: config.clock.clone(),
            outbox: Default::default(),
            shipper: Default::default(),
            clickhouse: reports_from,
            node,
            click_keys,
            reloading: Default::default(),
        });
        // Clicks and leads to ClickHouse, when configured (docs/SCALING.md).
        if let Some(options) = ship {
            let _ = state.shipper.set(clickhouse::ship::Shipper::start(
                Arc::downgrade(&state),
                options,
            ));
        }
        // Outbound postbacks left pending by the last run are sent from
        // now on (docs/ARCHITECTURE.md "Outbound postbacks").
        state.outbox.start(
            Arc::downgrade(&state),
            config.clock.clone(),
            config.postback_timeout,
        );
        // Old postback log rows go in the background (src/prune.rs).
        prune::start(Arc::downgrade(&state), config.postback_log_days);
        // Old click rows go once ClickHouse has them (src/keep.rs).
        if let Some(days) = config.keep_days {
            keep::start(Arc::downgrade(&state), days);
        }
        // Refill the visitor memory beside live traffic: a large database
        // must not delay the first redirect (docs/BENCHMARKS.md).
        let refill = state.clone();
        let refilled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = refilled.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let result = refill.pool.get().map_err(db::log_cut).and_then(|conn| {
                refill
                    .visitors
                    .refill_from(&conn, window)
                    .map_err(|e| db::log_text(&e))
            });
            match result {
                Ok(n) => tracing::debug!(
                    clicks = n,
                    ms = started.elapsed().as_millis() as u64,
                    "visitor memory refilled"
                ),
                Err(e) => tracing::error!(error = %e, "refilling visitor memory failed"),
            }
            done.store(true, std::sync::atomic::Ordering::Release);
        });
        let data = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap_fn(logs::log)
                .app_data(data.clone())
                .app_data(aweb::PayloadConfig::new(api::params::MAX_BODY))
                .route(
                    "/health",
                    get_or_head()
                        .to(|| async { HttpResponse::Ok().content_type("text/plain").body("ok") }),
                )
                .route("/robots.txt", get_or_head().to(web::robots))
                .route("/favicon.ico", get_or_head().to(web::favicon))
                .route("/app", get_or_head().to(web::app_redirect))
                // Paths with a parameter sit under fixed prefixes, which the
                // router compares as text; a click (`/{flow}`, the hot path)
                // is whatever is left and reaches `web::fallback` without a
                // regex match (a `/{flow}` route cost 2.5% of the server's
                // CPU under click load).
                .service(
                    aweb::scope("/api/tracker")
                        .route("/{function}", aweb::route().to(routes::dispatch)),
                )
                // The landing page's link to the offer (docs/API.md
                // "Landing pages").
                .route("/lp", get_or_head().to(clicks::lp::lp))
                .service(aweb::scope("/lp").route("/{rest:.*}", get_or_head().to(clicks::lp::lp)))
                .service(aweb::scope("/app").route("/{path:.*}", get_or_head().to(web::app_file)))
                .service(
                    aweb::scope("/static").route("/{path:.*}", get_or_head().to(web::app_file)),
                )
                .default_service(aweb::route().to(web::fallback))
        })
        .shutdown_timeout(5)
        .bind(&config.listen)
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot serve on {}: {e} (another program, or another flowtrack, may be using it; choose another address with --listen)",
                    config.listen
                ),
            )
        })?;
        let addrs = server.addrs();
        let port = addrs.first().map(|a| a.port()).unwrap_or(0);
        // The last click's time tells at a glance which database this is
        // (max(id) was read above; a count would scan the table).
        let last_click = max.map_or("none".to_string(), |k| {
            jiff::Timestamp::from_second(click_id::key_time(k))
                .map_or_else(|_| k.to_string(), |t| t.to_string())
        });
        tracing::info!(
            addr = ?addrs,
            db = %config.db.display(),
            version = %env!("CARGO_PKG_VERSION"),
            last_click = %last_click,
            "flowtrack listening"
        );
        Ok(Application {
            server: server.run(),
            state,
            port,
            refilled,
            _lock: lock,
        })
    }

    /// Set once the visitor memory is refilled from the database (it is
    /// refilled beside live traffic): until then a returning visitor may
    /// count as unique. Tests that restart wait for it.
    pub fn refilled(&self) -> Arc<std::sync::atomic::AtomicBool> {
        self.refilled.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle), then lets the
    /// writer commit every queued click before returning (no answered click is lost). Logs
    /// how many clicks that was and how long the stop took, from the
    /// signal (README "Logs").
    pub async fn run(self) -> std::io::Result<()> {
        let stop = logs::watch_stop();
        let result = self.server.await;
        let since = stop.since();
        let state = self.state.clone();
        let drained = actix_web::rt::task::spawn_blocking(move || {
            // Calls in flight get a moment to be recorded; the rest stay
            // pending for the next start.
            state.outbox.stop(OUTBOX_GRACE);
            if let Some(s) = state.shipper.get() {
                s.stop();
            }
            state.writer.shutdown()
        })
        .await
        .unwrap_or(0);
        tracing::info!(
            clicks_drained = drained,
            ms = since.elapsed().as_millis() as u64,
            "flowtrack stopped"
        );
        result
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}
