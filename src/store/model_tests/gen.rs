//! Random operations and views (ops.rs), shrinking toward the first
//! values of each alphabet, day 0 and midnight.
use super::ops::{
    Click, Moment, Names, Op, Period, Postback, Spend, View, CURRENCIES, DAYS, DIMS, FLOW_SUBIDS,
    GEOS, GOALS, SUBIDS,
};
use proptest::prelude::*;

/// A point in a day, often on a bucket's edge or a second before one.
fn second() -> impl Strategy<Value = u32> {
    prop_oneof![
        2 => 0..86_400u32,
        1 => (1..96u32).prop_map(|q| q * 900),
        1 => (1..96u32).prop_map(|q| q * 900 - 1),
    ]
}

fn click() -> impl Strategy<Value = Click> {
    let values = prop::collection::vec(prop_oneof![2 => Just(0u8), 3 => 0..8u8], DIMS);
    (0..DAYS, second(), 0..2u8, any::<bool>(), values).prop_map(|(day, sec, user, unique, v)| {
        Click {
            day,
            sec,
            user,
            unique,
            v,
        }
    })
}

fn postback() -> impl Strategy<Value = Postback> {
    let names = prop_oneof![
        4 => any::<u16>().prop_map(Names::Click),
        1 => (0..2u8, 0..2u8, 0..FLOW_SUBIDS.len() as u8)
            .prop_map(|(user, flow, subid)| Names::Flow { user, flow, subid }),
    ];
    let price = prop::option::of((0..5000u16, 0..CURRENCIES.len() as u8));
    (
        names,
        prop::option::of(0..GOALS.len() as u8),
        prop::option::of(0..5u8),
        price,
        prop::option::weighted(0.2, 0..GEOS.len() as u8),
        prop::option::weighted(0.2, 0..SUBIDS.len() as u8),
        (0..DAYS, second()),
    )
        .prop_map(|(names, goal, status, price, geo, subid, at)| Postback {
            names,
            goal,
            status,
            price,
            geo,
            subid,
            at,
        })
}

fn moment() -> impl Strategy<Value = Moment> {
    (0..DAYS + 1, prop::option::of(0..24u8))
}

fn spend() -> impl Strategy<Value = Spend> {
    let conds = prop::collection::vec((0..DIMS as u8, 0..4u8), 0..3);
    (
        (0..2u8, any::<bool>(), 0..3000u16, 0..CURRENCIES.len() as u8),
        conds,
        prop::option::of(moment()),
        prop::option::of(moment()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |((user, cost, cents, currency), conds, from, to, valid, unique)| Spend {
                user,
                cost,
                cents,
                currency,
                conds,
                from,
                to,
                valid,
                unique,
            },
        )
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => prop::collection::vec(click(), 1..12).prop_map(Op::Batch),
        1 => (prop_oneof![1..20u16, 240..300u16], click()).prop_map(|(n, c)| Op::Trickle(n, c)),
        4 => postback().prop_map(Op::Postback),
        3 => spend().prop_map(Op::Spend),
        1 => (0..2u8, 0..CURRENCIES.len() as u8).prop_map(|(u, c)| Op::Currency(u, c)),
    ]
}

pub fn view() -> impl Strategy<Value = View> {
    let filters = prop::collection::vec((0..DIMS as u8, prop::collection::vec(0..6u8, 1..3)), 0..3);
    let period = prop_oneof![
        (-1..DAYS as i8 + 1, 1..4u8).prop_map(|(d, n)| Period::Days(d, n)),
        (0..6 * 86_400u32, 1..3 * 86_400u32).prop_map(|(f, n)| Period::Unix(f, n)),
    ];
    let page = (
        any::<u8>(),
        1..60u8,
        prop::option::of(any::<bool>()),
        prop::option::weighted(0.1, any::<u16>()),
    );
    (
        0..2u8,
        filters,
        period,
        prop::option::weighted(0.3, 0..24u8),
        any::<bool>(),
        any::<u8>(),
        page,
    )
        .prop_map(|(user, filters, period, hour, halves, keep, page)| View {
            user,
            filters,
            period,
            hour,
            halves,
            keep,
            page,
        })
}
