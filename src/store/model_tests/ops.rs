//! The operations of a model case and the reports it asks for, as small
//! values that shrink to a short, readable failing case: a dimension
//! value is an index into a small alphabet (0, the empty or first value,
//! is left out of the Debug text), times are days and seconds from [`T0`].
use crate::store::filters::DIMENSIONS;
use std::fmt;

/// 2024-04-05 00:00 UTC: the days after it hold Adelaide's change from
/// summer time (2024-04-07).
pub const T0: i64 = 1_712_275_200;
/// Days of clicks and leads from [`T0`].
pub const DAYS: u8 = 4;
/// Dimension filters, one value index each (see [`alphabet`]).
pub const DIMS: usize = DIMENSIONS.len();
/// Users 1 and 2, each in one of these zones: half- and three-quarter-
/// hour offsets, and summer time ending inside the days of clicks.
pub const ZONES: [&str; 5] = [
    "UTC",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Asia/Kathmandu",
    "America/New_York",
];
pub const CURRENCIES: [&str; 5] = ["usd", "eur", "jpy", "inr", "aud"];
pub const GOALS: [&str; 3] = ["lead", "sale", "reg"];
/// A postback's country and subid that replace its click's, and the
/// subids of flow leads.
pub const GEOS: [&str; 4] = ["de", "br", "us", "fr"];
pub const SUBIDS: [&str; 4] = ["s1", "s2", "s3", "s4"];
pub const FLOW_SUBIDS: [&str; 3] = ["", "s1", "s2"];

/// A user's flows and ways (the other user's come last: a filter may
/// name them, a click never does).
fn flows(user: u8) -> [&'static str; 3] {
    match user {
        0 => ["fa", "fb", "ga"],
        _ => ["ga", "gb", "fa"],
    }
}

fn ways(user: u8) -> [&'static str; 4] {
    match user {
        0 => ["0", "11", "12", "21"],
        _ => ["0", "21", "22", "11"],
    }
}

/// The values of a dimension column for `user` (0 or 1), and how many
/// of them clicks take: the rest are values no click has.
pub fn alphabet(column: &str, user: u8) -> (Vec<&'static str>, usize) {
    let (all, clicks): (&[&str], usize) = match column {
        "flow" => return (flows(user).to_vec(), 2),
        "way" => return (ways(user).to_vec(), 3),
        "site" => (&["0", "3", "4"], 3),
        "filter" => (&["0", "1", "2", "5"], 3),
        "geo" => (&["", "de", "br", "us", "xx"], 4),
        "mobile" => (&["0", "1"], 2),
        "os" => (&["0", "1", "2", "8"], 3),
        "browser" => (&["0", "1", "2"], 3),
        "domain" => (&["", "a.example", "b.example", "c.example"], 3),
        "ip" => (
            &[
                "10.0.0.1",
                "10.0.0.2",
                "2001:db8::1",
                "unknown",
                "",
                "10.9.9.9",
            ],
            5,
        ),
        "subid" => (&["", "s1", "s2", "s3", "s9"], 4),
        // Sources, landing pages and offers: ids, 9 never clicked.
        "source" | "landing" | "offer" => (&["0", "1", "2", "9"], 3),
        // The utm tags.
        _ => (&["", "x", "y", "z"], 3),
    };
    (all.to_vec(), clicks)
}

/// Dimension `i` of [`DIMENSIONS`]: (parameter, column).
pub fn dim(i: usize) -> (&'static str, &'static str) {
    let d = &DIMENSIONS[i % DIMS];
    (d.api.expect("a filter has a parameter"), d.column)
}

/// One click: its time, user, uniqueness and a value index per dimension.
#[derive(Clone)]
pub struct Click {
    pub day: u8,
    pub sec: u32,
    pub user: u8,
    pub unique: bool,
    pub v: Vec<u8>,
}

impl Click {
    /// The click's value of dimension `i`.
    pub fn value(&self, i: usize) -> &'static str {
        let (_, column) = dim(i);
        let (all, clicks) = alphabet(column, self.user);
        all[self.v[i] as usize % clicks]
    }

    /// Unix second.
    pub fn time(&self) -> i64 {
        T0 + self.day as i64 * 86_400 + self.sec as i64
    }
}

/// A day from [`T0`] and a second of it.
fn at(day: u8, s: u32) -> String {
    format!("d{day} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Value `v` of dimension `d` for `user`.
fn named(d: u8, v: u8, user: u8) -> String {
    let (param, column) = dim(d as usize);
    let all = alphabet(column, user).0;
    format!("{param}={}", all[v as usize % all.len()])
}

impl fmt::Debug for Click {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "u{} {}", self.user + 1, at(self.day, self.sec))?;
        if self.unique {
            write!(f, " uniq")?;
        }
        for i in 0..DIMS {
            if self.value(i) != alphabet(dim(i).1, self.user).0[0] {
                write!(f, " {}={}", dim(i).0, self.value(i))?;
            }
        }
        Ok(())
    }
}

/// Whom a postback names: a click (index among the clicks so far) or a
/// flow and subid.
#[derive(Debug, Clone)]
pub enum Names {
    Click(u16),
    Flow { user: u8, flow: u8, subid: u8 },
}

#[derive(Clone)]
pub struct Postback {
    pub names: Names,
    /// Index into [`GOALS`]; None: the call names no goal.
    pub goal: Option<u8>,
    /// A stage, sent by its name.
    pub status: Option<u8>,
    /// Amount and currency index.
    pub price: Option<(u16, u8)>,
    /// A country and a subid that replace the click's.
    pub geo: Option<u8>,
    pub subid: Option<u8>,
    /// When a new lead comes: day and second from [`T0`].
    pub at: (u8, u32),
}

impl fmt::Debug for Postback {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.names {
            Names::Click(i) => write!(f, "click #{i}")?,
            Names::Flow { user, flow, subid } => {
                let flow = alphabet("flow", *user).0[*flow as usize];
                let subid = FLOW_SUBIDS[*subid as usize];
                write!(f, "u{} flow={flow} subid={subid}", user + 1)?
            }
        }
        if let Some(g) = self.goal {
            write!(f, " goal={}", GOALS[g as usize])?;
        }
        if let Some(s) = self.status {
            write!(f, " status={}", crate::leads::stage::NAMES[s as usize])?;
        }
        if let Some((cents, c)) = self.price {
            write!(
                f,
                " price={}.{:02} {}",
                cents / 100,
                cents % 100,
                CURRENCIES[c as usize]
            )?;
        }
        if let Some(g) = self.geo {
            write!(f, " geo={}", GEOS[g as usize])?;
        }
        if let Some(s) = self.subid {
            write!(f, " subid={}", SUBIDS[s as usize])?;
        }
        write!(f, " at {}", at(self.at.0, self.at.1))
    }
}

/// A moment of a spend's `from`/`to`: a day from [`T0`] and, unless
/// None, an hour of it, in the user's zone.
pub type Moment = (u8, Option<u8>);

#[derive(Clone)]
pub struct Spend {
    pub user: u8,
    /// `cost` (spread) or `cpc`, in cents, and a currency index.
    pub cost: bool,
    pub cents: u16,
    pub currency: u8,
    /// Conditions: (dimension, value index); spend.json ignores the
    /// parameters that are not its conditions.
    pub conds: Vec<(u8, u8)>,
    pub from: Option<Moment>,
    pub to: Option<Moment>,
    pub valid: bool,
    pub unique: bool,
}

impl fmt::Debug for Spend {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let what = if self.cost { "cost" } else { "cpc" };
        let (c, cur) = (self.cents, CURRENCIES[self.currency as usize]);
        write!(
            f,
            "u{} {what}={}.{:02} {cur}",
            self.user + 1,
            c / 100,
            c % 100
        )?;
        for &(d, v) in &self.conds {
            write!(f, " {}", named(d, v, self.user))?;
        }
        let moment = |(day, hour): Moment| match hour {
            None => format!("d{day}"),
            Some(h) => format!("d{day} {h:02}:00"),
        };
        if let Some(m) = self.from {
            write!(f, " from={}", moment(m))?;
        }
        if let Some(m) = self.to {
            write!(f, " to={}", moment(m))?;
        }
        if self.valid {
            write!(f, " valid")?;
        }
        if self.unique {
            write!(f, " unique")?;
        }
        Ok(())
    }
}

#[derive(Clone)]
pub enum Op {
    /// One writer batch: one transaction.
    Batch(Vec<Click>),
    /// As many one-click batches, a second apart from the click's time:
    /// a user's small chunks pile up until they are merged.
    Trickle(u16, Click),
    Postback(Postback),
    Spend(Spend),
    /// A user's base currency changes (currency index).
    Currency(u8, u8),
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Op::Batch(clicks) => f.debug_tuple("Batch").field(clicks).finish(),
            Op::Trickle(n, c) => f.debug_tuple("Trickle").field(n).field(c).finish(),
            Op::Postback(p) => f.debug_tuple("Postback").field(p).finish(),
            Op::Spend(s) => f.debug_tuple("Spend").field(s).finish(),
            Op::Currency(u, c) => write!(f, "Currency(u{} to {})", u + 1, CURRENCIES[*c as usize]),
        }
    }
}

/// A stats.json request asked for every item, and a clicks.json page.
#[derive(Clone)]
pub struct View {
    pub user: u8,
    /// (dimension, value indexes).
    pub filters: Vec<(u8, Vec<u8>)>,
    pub period: Period,
    pub hour: Option<u8>,
    /// The click columns read two halves at once on a pooled reader.
    pub halves: bool,
    /// Which alphabet values a cut answer keeps (a bit each).
    pub keep: u8,
    /// clicks.json: offset, limit, a `uniq` filter, one click by index.
    pub page: (u8, u8, Option<bool>, Option<u16>),
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "u{}", self.user + 1)?;
        match self.period {
            Period::Days(d, n) => write!(f, " days d{d}+{n}")?,
            Period::Unix(from, n) => write!(f, " ufrom=d-1+{from}s +{n}s")?,
        }
        if let Some(h) = self.hour {
            write!(f, " hour={h}")?;
        }
        for (d, values) in &self.filters {
            let v: Vec<String> = values.iter().map(|&v| named(*d, v, self.user)).collect();
            write!(f, " {}", v.join(" "))?;
        }
        if self.halves {
            write!(f, " halves")?;
        }
        let (offset, limit, uniq, click) = self.page;
        write!(f, " keep={:#010b} page={offset}+{limit}", self.keep)?;
        if let Some(u) = uniq {
            write!(f, " uniq={}", u as u8)?;
        }
        if let Some(c) = click {
            write!(f, " click #{c}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub enum Period {
    /// `from`/`to`: a first day from [`T0`] (-1 is the day before) and
    /// how many days, in the user's zone.
    Days(i8, u8),
    /// `ufrom`/`uto`: seconds from the day before [`T0`], and a length.
    Unix(u32, u32),
}
