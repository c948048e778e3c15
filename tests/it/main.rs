//! The integration tests, one binary for all of them: linking the app once
//! instead of once per file saves most of a rebuild's time and gigabytes
//! of target/. Each module below was a file of tests/ of its own; run one
//! with `cargo test --test it accounts::` (or any part of a test's path).
//!
//! To add tests: write them in tests/it/NAME.rs, starting with
//! `use crate::common::*;` (and `use crate::common::{fixtures, flood};`
//! or `use crate::bad_input;` as needed), and add `mod NAME;` below. Helper
//! files of one module go in tests/it/NAME/ and are declared in NAME.rs.
//! All tests share this process: a test must not change what is
//! process-wide (environment variables, the current folder, the umask, a
//! global tracing subscriber) but give it to the child process or the app
//! it starts, or run in a process of its own (common/alone.rs).
mod bad_input;
mod common;

mod accounts;
mod api_doc;
mod browser;
mod cli;
mod click_answers;
mod click_keys;
mod click_log;
mod click_path;
mod click_queue;
mod clickhouse_days;
mod clickhouse_keep;
mod clickhouse_reports;
mod clickhouse_ship;
mod clickhouse_sql;
mod crash;
mod credentials;
mod currency_slices;
mod demo;
mod demo_interrupt;
mod demo_traffic;
mod fuzz_http;
mod hardening;
mod help;
mod isolation;
mod isolation_matrix;
mod landing;
mod landing_lp;
mod layers;
mod leads;
mod login_throttle;
mod management;
mod management_flows;
mod management_lists;
mod migration_step10;
mod migration_step11;
mod migration_step8;
mod migration_step9;
mod migrations;
mod outbound;
mod params_prop;
mod postback;
mod postback_log;
mod proxy;
mod read_fairness;
mod reload;
mod request_log;
mod rollup;
mod self_contained;
mod shutdown;
mod smoke;
mod sources;
mod spend;
mod spend_crash;
mod spend_paths;
mod stats;
mod stats_cap;
mod stats_landing;
mod storage_faults;
mod store_verify;
mod ua_codes;
mod uniqueness;
mod uniqueness_tenants;
mod user_agents;
mod wal_bound;
mod writer_fairness;
