//! bench/user_agents.sh: microseconds per User-Agent (see there).
#[allow(dead_code)]
mod user_agent;

use std::time::Instant;

const ROUNDS: usize = 200;

fn per_ua(uas: &[String], mut f: impl FnMut(&str) -> usize) -> f64 {
    let start = Instant::now();
    let mut sink = 0;
    for _ in 0..ROUNDS {
        for ua in uas {
            sink += f(ua);
        }
    }
    std::hint::black_box(sink);
    start.elapsed().as_secs_f64() * 1e6 / (ROUNDS * uas.len()) as f64
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (yaml, table) = (args.next().unwrap(), args.next().unwrap());
    let uas: Vec<String> = std::fs::read_to_string(table)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.splitn(4, '\t').nth(3).map(str::to_string))
        .collect();
    println!("{} user agents x {ROUNDS} rounds, microseconds per UA:", uas.len());
    let us = per_ua(&uas, |ua| user_agent::classify(ua).os as usize);
    println!("  flowtrack classify, uncached      {us:6.2}");
    let us = per_ua(&uas, |ua| user_agent::classify_cached(ua).os as usize);
    println!("  flowtrack classify_cached, warm   {us:6.2}");
    let woothee = woothee::parser::Parser::new();
    let us = per_ua(&uas, |ua| woothee.parse(ua).is_some() as usize);
    println!("  woothee alone                     {us:6.2}");

    let start = Instant::now();
    let regexes: ua_parser::Regexes =
        serde_yaml::from_reader(std::fs::File::open(&yaml).unwrap()).unwrap();
    let load = start.elapsed();
    let start = Instant::now();
    let uap = ua_parser::Extractor::try_from(regexes).unwrap();
    let compile = start.elapsed();
    let us = per_ua(&uas, |ua| {
        uap.ua.extract(ua).is_some() as usize + uap.os.extract(ua).is_some() as usize
    });
    println!("  ua-parser, browser + os           {us:6.2}");
    let us = per_ua(&uas, |ua| {
        let (b, o, d) = uap.extract(ua);
        b.is_some() as usize + o.is_some() as usize + d.is_some() as usize
    });
    println!("  ua-parser, browser + os + device  {us:6.2}");
    println!("ua-parser once: read regexes.yaml {load:.1?}, compile {compile:.1?}");
}
