//! The demo account's fixed parts (docs/API.md): its user agents and flows
//! with their shares, the sites, ways, goals and blacklist `setup` writes,
//! and the leads written for some of its clicks. src/cli/demo.rs makes the
//! clicks; split from it to keep each file readable.
use crate::click_id as id;
use crate::ids::UserId;
use crate::leads::row::COPIED;
use crate::leads::stage::Stage;
use crate::store::record::ClickRecord;
use rand::rngs::SmallRng;
use rand::Rng;
use rusqlite::{params, Connection, ToSql};
use std::sync::LazyLock;

pub(super) const UAS: &[(&str, u32)] = &[
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36", 18),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0", 5),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0", 5),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", 5),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 OPR/114.0.0.0", 2),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", 14),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.6668.81 Mobile Safari/537.36", 16),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/480.0.0.38.108;FBBV/640000000;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.6;FBSS/3;FBCR/;FBID/phone;FBLC/de_DE;FBOP/80]", 9),
    ("Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/129.0.6668.81 Mobile Safari/537.36 Instagram 350.0.0.37.91 Android", 6),
    ("Mozilla/5.0 (Linux; Android 12; SM-A525F Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/129.0.6668.81 Mobile Safari/537.36 musical_ly_2023609030 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/36.9.3 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6", 6),
    ("Mozilla/5.0 (Linux; Android 11; Redmi Note 8 Build/RKQ1.201004.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/129.0.6668.81 Mobile Safari/537.36", 3),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 2),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", 2),
    ("curl/8.5.0", 1),
];

pub(super) struct FlowPlan {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) source: &'static str,
    pub(super) geos: &'static [&'static str],
    pub(super) cpc: f64,
    pub(super) share: u32,
    /// Its visitors' conversion against the average: with its price per
    /// click it makes the flow earn or lose.
    pub(super) cr: f64,
}

pub(super) const FLOWS: &[FlowPlan] = &[
    FlowPlan {
        id: "demo-fb",
        name: "Facebook DACH",
        source: "facebook",
        geos: &["de", "at", "ch"],
        cpc: 0.09,
        share: 45,
        cr: 1.0,
    },
    FlowPlan {
        id: "demo-tt",
        name: "TikTok US",
        source: "tiktok",
        geos: &["us", "ca"],
        cpc: 0.05,
        share: 35,
        cr: 1.1,
    },
    FlowPlan {
        id: "demo-gg",
        name: "Google LATAM",
        source: "google",
        geos: &["mx", "br", "ar", "co"],
        cpc: 0.16,
        share: 20,
        // The flow that loses money: dear clicks that convert badly.
        cr: 0.6,
    },
];

/// One of a flow's campaigns: its share of the flow's clicks and its
/// conversion against the flow's.
pub(super) struct Campaign {
    pub(super) share: u32,
    pub(super) cr: f64,
}

/// Each flow's 12 campaigns. Big campaigns convert well, the tail badly,
/// as when a buyer tests and then scales.
pub(super) const CAMPAIGNS: [Campaign; 12] = [
    Campaign {
        share: 20,
        cr: 1.35,
    },
    Campaign {
        share: 16,
        cr: 1.25,
    },
    Campaign {
        share: 14,
        cr: 1.15,
    },
    Campaign {
        share: 12,
        cr: 1.05,
    },
    Campaign { share: 10, cr: 1.0 },
    Campaign { share: 8, cr: 0.95 },
    Campaign { share: 6, cr: 0.85 },
    Campaign { share: 5, cr: 0.8 },
    Campaign { share: 4, cr: 0.7 },
    Campaign { share: 3, cr: 0.6 },
    Campaign { share: 1, cr: 0.45 },
    Campaign { share: 1, cr: 0.3 },
];

pub(super) fn pick<'a, T>(rng: &mut SmallRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (item, w) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    &items[0].0
}

/// Removes the demo user's old data so a refresh starts clean.
pub(super) fn clear(conn: &Connection, user: UserId) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "DELETE FROM lead_stages WHERE lead_id IN (SELECT id FROM leads WHERE user_id = {user});
         DELETE FROM leads WHERE user_id = {user};
         DELETE FROM postbacks_in WHERE user_id = {user};
         DELETE FROM postbacks_out WHERE user_id = {user};"
    ))?;
    crate::store::remove_user(conn, user)?;
    conn.execute_batch(&format!(
        "DELETE FROM ways WHERE user_id = {user};
         DELETE FROM flows WHERE user_id = {user};
         DELETE FROM sites WHERE user_id = {user};
         DELETE FROM sources WHERE user_id = {user};
         DELETE FROM goals WHERE user_id = {user};
         DELETE FROM blacklist WHERE user_id = {user};"
    ))
}

/// A way of a demo flow, the site it leads to, the offer behind it when
/// that is a landing page (else 0), and the flow's traffic source.
#[derive(Clone, Copy)]
pub(super) struct Way {
    pub(super) id: i64,
    pub(super) site: i64,
    pub(super) offer: i64,
    pub(super) source: i64,
}

/// Sites (one of them a landing page in front of an offer), traffic
/// sources, flows with ways, goals and a blacklist; returns the ways per
/// flow.
pub(super) fn setup(conn: &Connection, user: UserId) -> rusqlite::Result<Vec<Vec<Way>>> {
    let offers = [
        (
            "Keto Slim DE",
            "https://offers.example/keto/?click={click}&geo={geo}",
        ),
        (
            "Keto Slim landing B",
            "https://offers.example/keto-b/?click={click}&sub={subid}",
        ),
        (
            "VPN Trial",
            "https://vpn.example/trial?cid={click}&src={utms}",
        ),
        ("Casino Bonus", "https://bonus.example/r/{click}?c={utmc}"),
    ];
    let mut sites = Vec::new();
    for (name, url) in offers {
        conn.execute(
            "INSERT INTO sites (user_id, name, url) VALUES (?1, ?2, ?3)",
            params![user, name, url],
        )?;
        sites.push(conn.last_insert_rowid());
    }
    // "Keto Slim landing B" is a landing page with Keto Slim DE behind it.
    conn.execute(
        "UPDATE sites SET kind = 'landing', url = 'https://offers.example/keto-b/?click={click}&go={lpclick}'
         WHERE id = ?1",
        [sites[1]],
    )?;
    let mut ways = Vec::new();
    for (i, f) in FLOWS.iter().enumerate() {
        // The flow's network, from its built-in template, priced at the
        // flow's cpc in USD. Its postback goes to a reserved domain, never
        // to the real network (docs/API.md "Outbound postbacks").
        let source = match crate::sources::templates::find(f.source) {
            Some(t) => {
                let spec = crate::sources::spec::Spec {
                    cost_model: "cpc".into(),
                    cpc: f.cpc,
                    postback: crate::leads::outbound::spec::Postback {
                        url: format!(
                            "https://{}.example/postback?click_id={{clickid}}&payout={{payout}}&status={{status}}",
                            t.id
                        ),
                        ..Default::default()
                    },
                    ..crate::sources::spec::Spec::from_template(t, "usd")
                };
                Some(crate::sources::store(conn, user, None, &spec)?)
            }
            None => None,
        };
        conn.execute(
            "INSERT INTO flows (id, user_id, name, geo, tb_url, source_id, created) VALUES (?1, ?2, ?3, ?4, 'https://fallback.example/?f={flow}', ?5, unixepoch())",
            params![f.id, user, f.name, f.geos.join(","), source],
        )?;
        let plan: Vec<(i64, u32)> = match i {
            0 => vec![(sites[0], 2), (sites[1], 1)],
            1 => vec![(sites[2], 1)],
            _ => vec![(sites[3], 3), (sites[2], 1)],
        };
        let mut ids = Vec::new();
        for (pos, (site, weight)) in plan.into_iter().enumerate() {
            let offer = if site == sites[1] { sites[0] } else { 0 };
            let offers = if offer > 0 {
                format!("{offer}:1")
            } else {
                String::new()
            };
            conn.execute(
                "INSERT INTO ways (user_id, flow_id, pos, site_id, weight, offers) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![user, f.id, pos as i64, site, weight, offers],
            )?;
            ids.push(Way {
                id: conn.last_insert_rowid(),
                site,
                offer,
                source: source.unwrap_or(0),
            });
        }
        ways.push(ids);
    }
    for (goal, name) in [
        ("lead", "Lead"),
        ("reg", "Registration"),
        ("dep", "First deposit"),
    ] {
        conn.execute(
            "INSERT INTO goals (user_id, id, name) VALUES (?1, ?2, ?3)",
            params![user, goal, name],
        )?;
    }
    for entry in ["203.0.113.0/24", "198.51.100.7"] {
        conn.execute(
            "INSERT INTO blacklist (user_id, entry) VALUES (?1, ?2)",
            params![user, entry],
        )?;
    }
    Ok(ways)
}

/// Units of the euro and of the user's base currency per USD.
#[derive(Clone, Copy)]
pub(super) struct Rates {
    pub(super) eur: f64,
    pub(super) base: f64,
}

pub(super) struct Lead<'a> {
    pub(super) click: &'a ClickRecord,
    pub(super) time: i64,
    /// The demo's present (Unix seconds).
    pub(super) now: i64,
}

/// A demo lead: its own columns, then the click's dimensions it copies
/// (src/leads/row.rs).
static LEAD_SQL: LazyLock<String> = LazyLock::new(|| {
    let copied: Vec<&str> = COPIED.iter().map(|d| d.column).collect();
    let marks: String = (12..12 + copied.len()).map(|i| format!(", ?{i}")).collect();
    format!(
        "INSERT INTO leads (id, user_id, time, updated, click, click_id, uid, stage, custom, goal,
           price, currency, base, {})
         VALUES ({}, ?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11{marks})",
        copied.join(", "),
        crate::store::ship::NEW_LEAD_ID
    )
});

pub(super) fn write_lead(
    conn: &Connection,
    rng: &mut SmallRng,
    user: UserId,
    rates: Rates,
    lead: &Lead<'_>,
) -> rusqlite::Result<()> {
    let c = lead.click;
    let (goal, usd) = *pick(
        rng,
        &[
            (("lead", 4.0), 60),
            (("reg", 12.0), 30),
            (("dep", 85.0), 10),
        ],
    );
    let stage = *pick(
        rng,
        &[
            (Stage::New, 15),
            (Stage::Hold, 25),
            (Stage::Approve, 40),
            (Stage::Cancel, 10),
            (Stage::Trash, 10),
        ],
    );
    let custom =
        ["Pending", "On hold", "Confirmed", "Rejected", "Duplicate"][stage.code() as usize];
    let eur = c.geo == "de" || c.geo == "at";
    let (price, currency, base) = if eur {
        (usd * rates.eur, "eur", usd * rates.base)
    } else {
        (usd, "usd", usd * rates.base)
    };
    let mut st = conn.prepare_cached(&LEAD_SQL)?;
    let click = id::encode(c.key, c.secret);
    let uid = format!("adv-{:x}", c.secret as u64 >> 16);
    let price = (price * 100.0).round() / 100.0;
    let own: [&dyn ToSql; 11] = [
        &user, &lead.time, &click, &c.key, &uid, &stage, &custom, &goal, &price, &currency, &base,
    ];
    for (i, v) in own.iter().enumerate() {
        st.raw_bind_parameter(1 + i, v)?;
    }
    for (i, d) in COPIED.iter().enumerate() {
        st.raw_bind_parameter(12 + i, d.get(c))?;
    }
    st.raw_execute()?;
    let lead_id = conn.last_insert_rowid();
    let mut st = conn.prepare_cached(
        "INSERT INTO lead_stages (lead_id, time, stage, custom) VALUES (?1, ?2, ?3, ?4)",
    )?;
    st.execute(params![lead_id, lead.time, Stage::New, "Pending"])?;
    let changed = if stage != Stage::New {
        let time = lead.time + rng.random_range(600..86_400);
        st.execute(params![lead_id, time, stage, custom])?;
        Some((time, stage, custom))
    } else {
        None
    };
    let made = super::demo_postbacks::Made {
        lead: lead_id,
        click: &click,
        goal,
        price,
        currency,
        made: lead.time,
        changed,
    };
    super::demo_postbacks::log(conn, rng, user, &made, lead.now)?;
    Ok(())
}
