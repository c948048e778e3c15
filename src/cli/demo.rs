//! `flowtrack demo` (docs/API.md): creates or refreshes the user `demo` with
//! sites, flows, ways, goals, a blacklist and `--days` of realistic clicks
//! (geo, devices, in-app browsers, bots, tags, uniqueness; their rhythm
//! over the day and the week, growth and noise: demo_shape.rs), leads in
//! every stage with prices in two currencies, and spend (one flow and some
//! campaigns lose money). Clicks go through the
//! same insert code as the click writer, in large transactions, so the
//! benchmarks can fill millions of clicks quickly.
use super::demo_account::{clear, pick, setup, write_lead, Lead, Rates, CAMPAIGNS, FLOWS, UAS};
use super::demo_shape::Timeline;
use crate::codes::FilterCode;
use crate::store::record::{ClickRecord, Tags};
use crate::store::registry::{self, tag_mut};
use crate::user_agent;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

fn progress(done: u64, total: u64, started: Instant) {
    let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-9);
    eprint!(
        "\r  {done:>10} / {total} clicks  {:>3}%  {:>9.0} clicks/s",
        done * 100 / total.max(1),
        rate
    );
    let _ = std::io::stderr().flush();
}

/// The tags a demo click has, by their API name (the registry's tags).
const TAGS: [&str; 7] = [
    "utm_source",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "utm_medium",
    "subid",
    "adid",
];

/// Clicks per batch (TX_BATCHES of them make one transaction). Each one
/// made or waiting holds ~55 MB of records: with 100,000 a 10M demo took
/// 46.3-47.6 s and peaked at 449-469 MB of RSS, with 50,000 47.0-48.5 s
/// and 310 MB (alternately, 2026-12-04). Three chunks of click columns
/// exactly: a batch's remainder would wait for others' to be merged with
/// them into a chunk overlapping theirs (src/store/cols/store.rs).
const BATCH: u64 = 3 * crate::store::CHUNK as u64;

/// What a demo run answers: the demo user's new password and API token,
/// and the clicks written per second.
struct Generated {
    password: String,
    token: String,
    rate: f64,
    /// The clicks made: fewer than asked when Ctrl-C stopped it.
    made: u64,
}

/// A User-Agent of the demo's traffic, its classification and its share.
struct DemoUa {
    ua: &'static str,
    info: user_agent::UaInfo,
    weight: u32,
}

/// A click made and, when it converts, the Unix second of its lead.
struct Made {
    record: ClickRecord,
    lead: Option<i64>,
}

/// What the making thread hands the writing one: clicks with their
/// rollup sums, and whether the transaction commits after them.
struct Batch {
    made: Vec<Made>,
    sums: crate::store::append::Sums,
    commit: bool,
}

/// Writes the demo account and `clicks` clicks over `days`, `per_batch`
/// clicks at a time.
fn generate(
    conn: &mut Connection,
    clicks: u64,
    days: u32,
    per_batch: u64,
) -> rusqlite::Result<Generated> {
    let user = match crate::accounts::user_id(conn, "demo")? {
        Some(id) => id,
        None => crate::accounts::create_user(conn, "demo")?.id,
    };
    let password = crate::accounts::tokens::random(12);
    crate::accounts::set_password(conn, user, &password, None)?;
    // Only its hash is stored: each run prints a new token.
    let token = crate::accounts::rotate_token(conn, user)?;
    let tx = conn.transaction()?;
    clear(&tx, user)?;
    let ways = setup(&tx, user)?;
    tx.commit()?;

    let eur = crate::rates::rate(conn, "eur")?.unwrap_or(0.92);
    // Costs and lead values are kept in the user's base currency (docs/API.md).
    let currency: String =
        conn.query_row("SELECT currency FROM users WHERE id = ?1", [user], |r| {
            r.get(0)
        })?;
    let rates = Rates {
        eur,
        base: crate::rates::rate(conn, &currency)?.unwrap_or(1.0),
    };
    let mut rng = SmallRng::seed_from_u64(0x5eed ^ clicks ^ days as u64);
    let classified: Vec<DemoUa> = UAS
        .iter()
        .map(|&(ua, weight)| DemoUa {
            ua,
            info: user_agent::classify(ua),
            weight,
        })
        .collect();
    let ua_pick: Vec<(usize, u32)> = classified
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.weight))
        .collect();
    let flow_pick: Vec<(usize, u32)> = FLOWS
        .iter()
        .enumerate()
        .map(|(i, f)| (i, f.share))
        .collect();
    // Tag values are formatted once, not per click (about a second of a
    // 10M-click demo, which must stay under a minute).
    let labels = |prefix: &str, n: usize| -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    };
    let (ads, keywords, subids) = (labels("ad", 60), labels("kw", 400), labels("s", 2000));
    let campaigns: Vec<Vec<String>> = FLOWS
        .iter()
        .map(|f| (0..12).map(|c| format!("{}-{c:02}", f.source)).collect())
        .collect();
    let referers: Vec<String> = FLOWS
        .iter()
        .map(|f| format!("https://{}.example/", f.source))
        .collect();
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let span_ms = days.max(1) as i64 * 86_400_000;
    let start_ms = now_ms - span_ms;
    let mut timeline = Timeline::new(&mut rng, start_ms, now_ms);
    let campaign_pick: Vec<(usize, u32)> = CAMPAIGNS
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.share))
        .collect();
    let campaign_pick = &campaign_pick;
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut appender = crate::store::Appender::default();
    let mut done = 0u64;
    // Making a click (random values, formatted addresses and ids) costs
    // about as much as storing it: a second thread makes the batches while
    // this one writes them, and the writing thread never waits for clicks.
    // A batch travels with its rollup sums and click columns, made on the
    // generating thread too: the writing thread is the slower of the two.
    // TX_BATCHES batches make one transaction (500,000 clicks): a commit
    // per batch wrote the rollup pages again each time.
    const TX_BATCHES: u64 = 10;
    // One batch waiting is enough to keep the writing thread busy; each
    // one more holds another batch of records (with two, and the leads'
    // clicks held to the end, a 10M demo peaked at 1.0 GB of RSS).
    let (to_writer, batches) = std::sync::mpsc::sync_channel::<Batch>(1);
    let (ways, classified, ua_pick, flow_pick) = (&ways, &classified, &ua_pick, &flow_pick);
    let (ads, keywords, subids, campaigns, referers) =
        (&ads, &keywords, &subids, &campaigns, &referers);
    let click_rng = SmallRng::seed_from_u64(rng.random());
    let tags = TAGS.map(registry::api);
    std::thread::scope(|scope| -> rusqlite::Result<()> {
        scope.spawn(move || {
            let mut rng = click_rng;
            let mut made = 0u64;
            let mut n = 0;
            while made < clicks {
                if super::interrupt::asked() {
                    break;
                }
                n += 1;
                let end = (made + per_batch).min(clicks);
                let mut batch = Vec::with_capacity((end - made) as usize);
                let mut sums = crate::store::append::Sums::default();
                for i in made..end {
                    let t_ms = timeline.at(i, clicks, rng.random());
                    let f = &FLOWS[*pick(&mut rng, flow_pick)];
                    let fi = FLOWS.iter().position(|x| x.id == f.id).unwrap_or(0);
                    let DemoUa { ua, info, .. } = &classified[*pick(&mut rng, ua_pick)];
                    let in_geo = rng.random_bool(0.93);
                    let geo = if in_geo {
                        f.geos[rng.random_range(0..f.geos.len())]
                    } else {
                        ["fr", "in", "ru", ""][i as usize % 4]
                    };
                    let blacklisted = rng.random_bool(0.01);
                    let filter = if info.bot {
                        FilterCode::Bot
                    } else if blacklisted {
                        FilterCode::Blacklist
                    } else if !in_geo {
                        FilterCode::Country
                    } else {
                        FilterCode::Target
                    };
                    let target = filter == FilterCode::Target;
                    let (way, site, offer) = if target {
                        let w = &ways[fi];
                        let way = w[rng.random_range(0..w.len())];
                        (way.id, way.site, way.offer)
                    } else {
                        (0, 0, 0)
                    };
                    let key = ((t_ms) << 16) | (i as i64 & 0xffff);
                    let ip = if blacklisted {
                        format!("203.0.113.{}", rng.random_range(1..255))
                    } else {
                        format!(
                            "{}.{}.{}.{}",
                            rng.random_range(2..223),
                            rng.random_range(0..255),
                            rng.random_range(0..255),
                            rng.random_range(1..255)
                        )
                    };
                    let campaign = *pick(&mut rng, campaign_pick);
                    let mut record = ClickRecord {
                        key,
                        secret: rng.random(),
                        user_id: user,
                        flow: f.id.into(),
                        way,
                        site,
                        filter,
                        unique: rng.random_bool(0.72),
                        vid: rng.random(),
                        ip,
                        geo: geo.to_string(),
                        lang: geo.to_string(),
                        os: info.os,
                        browser: info.browser,
                        mobile: info.mobile,
                        ua: ua.to_string(),
                        referer: if rng.random_bool(0.6) {
                            referers[fi].clone()
                        } else {
                            String::new()
                        },
                        domain: "go.flowtrack.example".into(),
                        tags: Tags::default(),
                        source: ways[fi][0].source,
                        landing: if offer > 0 { site } else { 0 },
                        offer: if offer > 0 { offer } else { site },
                        lp: 0,
                        cost: if target { f.cpc * rates.base } else { 0.0 },
                    };
                    let values = [
                        f.source.to_string(),
                        campaigns[fi][campaign].clone(),
                        ads[rng.random_range(0..60)].clone(),
                        if rng.random_bool(0.3) {
                            keywords[rng.random_range(0..400)].clone()
                        } else {
                            String::new()
                        },
                        "cpc".into(),
                        subids[rng.random_range(0..2000)].clone(),
                        format!("{:016x}", rng.random::<u64>()),
                    ];
                    for (d, v) in tags.iter().zip(values) {
                        if let Some(tag) = d.and_then(|d| tag_mut(d, &mut record.tags)) {
                            *tag = v;
                        }
                    }
                    // A lead for some unique target clicks, a while later.
                    let cr = 0.035 * f.cr * CAMPAIGNS[campaign].cr;
                    let lead = (target && record.unique && rng.random_bool(cr))
                        .then(|| (t_ms / 1000 + rng.random_range(60..7200)).min(now_ms / 1000));
                    // Behind the landing page, every visitor who converts
                    // and half the others go on to the offer, a few
                    // seconds later. Decided by the key, not the
                    // generator: the rest of the demo stays as it was.
                    let spread = (key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                    if offer > 0 && (lead.is_some() || spread % 100 < 50) {
                        record.lp = (t_ms / 1000 + 3 + (spread % 40) as i64).min(now_ms / 1000);
                    }
                    sums.add(&record);
                    batch.push(Made { record, lead });
                }
                let commit = n % TX_BATCHES == 0 || end == clicks;
                // The writer stopped (an error): nothing more to make.
                if to_writer
                    .send(Batch {
                        made: batch,
                        sums,
                        commit,
                    })
                    .is_err()
                {
                    return;
                }
                made = end;
            }
        });
        for Batch {
            made: batch,
            mut sums,
            commit,
        } in batches
        {
            // A failed batch returns with the transaction open: dropping
            // the connection rolls it back.
            if conn.is_autocommit() {
                conn.execute_batch("BEGIN")?;
            }
            {
                appender.rows(conn, batch.iter().map(|m| &m.record))?;
                sums.flush(conn)?;
                // Leads are written with their clicks' batch: held to the
                // end, their clicks took ~250 MB of a 10M demo.
                for m in &batch {
                    if let Some(time) = m.lead {
                        let lead = Lead {
                            click: &m.record,
                            time,
                            now: now_ms / 1000,
                        };
                        write_lead(conn, &mut rng, user, rates, &lead)?;
                    }
                }
            }
            if commit {
                conn.execute_batch("COMMIT")?;
            }
            done += batch.len() as u64;
            // Freeing a batch's records (a dozen strings each) took a tenth
            // of this thread's time; it is the busier of the two.
            std::thread::spawn(move || drop(batch));
            if tty {
                progress(done, clicks, started);
            }
        }
        Ok(())
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    if tty {
        eprintln!();
    }
    // Stopped between two commits: what was made is kept.
    if !conn.is_autocommit() {
        conn.execute_batch("COMMIT")?;
    }
    let tx = conn.transaction()?;
    crate::store::leads::recount(&tx, user)?;
    tx.commit()?;
    Ok(Generated {
        password,
        token,
        rate: done as f64 / elapsed.max(1e-9),
        made: done,
    })
}

pub fn run(db: &std::path::Path, clicks: u64, days: u32) -> ExitCode {
    let mut conn = match super::open_db(db) {
        Ok(conn) => conn,
        Err(code) => return code,
    };
    // A bulk load: an interrupted demo is simply run again, so skip the
    // per-commit sync and give SQLite room to sort the index pages. 64 MiB:
    // a 10M demo took 45.9-47.8 s with it and 45.2-47.0 s with 256 MiB,
    // whose peak RSS was 210 MB more (670 vs 460 MB), alternately 2026-12-04.
    if let Err(e) = conn.execute_batch("PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;") {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let started = Instant::now();
    // Ctrl-C stops at the next batch, commits what was made and recounts
    // the leads' rollups: the database left is whole.
    super::interrupt::catch();
    match generate(&mut conn, clicks, days, BATCH) {
        Ok(Generated {
            password,
            token,
            rate,
            made,
        }) => {
            let secs = started.elapsed().as_secs_f64();
            if made < clicks {
                eprintln!(
                    "demo: interrupted after {made} of {clicks} clicks ({secs:.1} s); the \
                     database is whole; run `flowtrack demo` again to start over"
                );
            } else {
                eprintln!(
                    "demo: {clicks} clicks over {days} days in {secs:.1} s ({rate:.0} clicks/s)"
                );
            }
            // The server's address is its own option (`serve --listen`).
            println!(
                "user: demo\npassword: {password}\nlog in at the server's /app/ \
                 (http://127.0.0.1:8080/app/ by default)"
            );
            println!("{token}");
            match made < clicks {
                true => ExitCode::from(130),
                false => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
#[path = "demo_tests.rs"]
mod tests;
