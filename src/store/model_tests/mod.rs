//! A randomized model test of the click store: random sequences of
//! operations on a temporary database, written as the server writes them
//! (clicks in writer batches, enough one-click batches that a user's
//! small chunks get merged, postbacks that create leads and move their
//! stage and money in several currencies, spends on every condition,
//! changes of base currency), then every stats.json item with random
//! filters asked of every path that can answer it, and clicks.json
//! pages, each held to a plain SQL answer over the click rows, their
//! prices and the leads (docs/ARCHITECTURE.md "Reports: rollups and
//! reads").
//!
//! 200 cases by default; `PROPTEST_CASES=5000 cargo test --release --lib
//! model` runs more. A failing case shrinks to a few small operations.
mod apply;
mod check;
mod expect;
mod gen;
mod leads;
mod ops;
mod spend;
mod stored;

use gen::{op, view};
use ops::{Op, View, ZONES};
use proptest::prelude::*;

/// Users' zones (indexes into [`ZONES`]), what happens, and what is asked.
#[derive(Debug, Clone)]
struct Case {
    zones: [u8; 2],
    ops: Vec<Op>,
    views: Vec<View>,
}

fn case() -> impl Strategy<Value = Case> {
    let zone = 0..ZONES.len() as u8;
    (
        [zone.clone(), zone],
        prop::collection::vec(op(), 1..16),
        prop::collection::vec(view(), 1..3),
    )
        .prop_map(|(zones, ops, views)| Case { zones, ops, views })
}

/// [`case`]s: 200, or `PROPTEST_CASES`. A failure is printed shrunk
/// rather than kept in a file beside the sources.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok());
    ProptestConfig {
        cases: cases.unwrap_or(200),
        failure_persistence: None,
        // Each step is a whole case; a failure shrinks to its end.
        max_shrink_iters: 100_000,
        ..ProptestConfig::default()
    }
}

fn run(case: &Case) -> Result<(), String> {
    let mut world = apply::World::new(case.zones.map(|z| ZONES[z as usize]));
    for op in &case.ops {
        world.apply(op)?;
    }
    stored::rows(&world)?;
    for v in &case.views {
        check::view(&world, v)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn model(case in case()) {
        run(&case).map_err(TestCaseError::fail)?;
    }
}
