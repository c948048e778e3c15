//! flowtrack: a self-hosted affiliate click tracker in one binary.
//! `Application::build` wires storage, the click writer and the HTTP
//! routes; tests start it on port 0 against a temporary database.
pub mod accounts;
pub mod api;
pub mod cli;
pub mod clicks;
pub mod config;
pub mod db;
pub mod flows;
pub mod geo;
pub mod goals;
pub mod leads;
pub mod money;
pub mod sites;
pub mod snapshot;
pub mod spend;
pub mod state;
pub mod stats;
pub mod web;

use actix_web::{web as aweb, App, HttpResponse, HttpServer};
use config::Config;
use state::AppState;
use std::sync::{Arc, RwLock};

pub struct Application {
    server: actix_web::dev::Server,
    state: aweb::Data<AppState>,
    port: u16,
}

/// Reads the last uniqueness window of clicks back into memory so that a
/// restart does not make returning visitors unique again.
fn refill_visitors(
    conn: &rusqlite::Connection,
    visitors: &clicks::uniqueness::Visitors,
) -> rusqlite::Result<()> {
    use clicks::uniqueness::{cookie_key, ip_ua_key, MAX_WINDOW};
    let since = clicks::id::key_at(jiff::Timestamp::now().as_second() - MAX_WINDOW);
    let mut st = conn.prepare(
        "SELECT c.id, c.flow, c.vid, c.ip, COALESCE(d.value, ''), c.uniq, c.way
         FROM clicks c LEFT JOIN dict d ON d.id = c.ua WHERE c.id >= ?1 ORDER BY c.id",
    )?;
    let mut rows = st.query([since])?;
    let mut batch = Vec::new();
    while let Some(r) = rows.next()? {
        let (key, flow, vid, ip, ua): (i64, String, i64, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let (unique, way): (i64, i64) = (r.get(5)?, r.get(6)?);
        let t = clicks::id::key_time(key);
        batch.push((cookie_key(&flow, vid as u64), unique != 0, t, way));
        batch.push((ip_ua_key(&flow, &ip, &ua), unique != 0, t, way));
    }
    visitors.refill(batch.into_iter());
    Ok(())
}

/// Opens (creating or upgrading) the database and creates the first user
/// when there is none; returns that user's credentials to print once.
pub fn prepare_database(
    path: &std::path::Path,
) -> rusqlite::Result<(rusqlite::Connection, Option<accounts::Created>)> {
    let mut conn = db::open_and_migrate(path)?;
    money::seed(&mut conn)?;
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
        let (conn, created) = prepare_database(&config.db).map_err(io)?;
        if let Some(c) = created {
            println!(
                "Created user admin\n  password: {}\n  token:    {}",
                c.password, c.token
            );
            println!(
                "Log in at http://{}/app/ (load demo data: flowtrack demo)",
                config.listen
            );
        }
        let max: Option<i64> = conn
            .query_row("SELECT max(id) FROM clicks", [], |r| r.get(0))
            .map_err(io)?;
        clicks::id::seed(max.unwrap_or(0));
        let snapshot = snapshot::Snapshot::load(&conn).map_err(io)?;
        let visitors = clicks::uniqueness::Visitors::default();
        refill_visitors(&conn, &visitors).map_err(io)?;
        let geo = geo::GeoDb::open(config.geoip.as_deref()).map_err(std::io::Error::other)?;
        let pool = db::pool(&config.db, 8).map_err(|e| std::io::Error::other(e.to_string()))?;
        let state = aweb::Data::new(AppState {
            pool,
            writer: db::writer::Writer::start(conn),
            snapshot: RwLock::new(Arc::new(snapshot)),
            geo,
            visitors,
            trust_proxy: config.trust_proxy,
            login_throttle: Default::default(),
        });
        let data = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(aweb::PayloadConfig::new(api::params::MAX_BODY))
                .route(
                    "/health",
                    aweb::get()
                        .to(|| async { HttpResponse::Ok().content_type("text/plain").body("ok") }),
                )
                .route("/robots.txt", aweb::get().to(web::robots))
                .route("/favicon.ico", aweb::get().to(web::favicon))
                .route("/api/tracker/{function}", aweb::route().to(api::dispatch))
                .default_service(aweb::route().to(web::fallback))
                .route("/app", aweb::get().to(web::app_redirect))
                .route("/app/{path:.*}", aweb::get().to(web::app_file))
                .route("/static/{path:.*}", aweb::get().to(web::app_file))
                .route("/{flow}", aweb::get().to(clicks::route::click))
                .route("/{flow}", aweb::head().to(clicks::route::click))
        })
        .shutdown_timeout(5)
        .bind(&config.listen)?;
        let port = server.addrs().first().map(|a| a.port()).unwrap_or(0);
        Ok(Application {
            server: server.run(),
            state,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle), then lets the
    /// writer commit every queued click before returning (SPEC 2).
    pub async fn run(self) -> std::io::Result<()> {
        let result = self.server.await;
        let state = self.state.clone();
        let _ = actix_web::rt::task::spawn_blocking(move || state.writer.shutdown()).await;
        result
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}
