#!/usr/bin/env bash
# Cost of classifying one User-Agent, per UA over the rows of
# tests/data/user_agents.tsv (release build, 200 rounds): flowtrack's
# classifier uncached and through its cache, woothee alone, and the
# `ua-parser` crate (uap-core's regexes.yaml, as it ships in the crate's
# source) as a possible second opinion, with its one-time load and compile.
# A throwaway crate under bench/out/ua builds src/user_agent.rs as
# it is; nothing here is a dependency of flowtrack.
# Usage: bench/user_agents.sh
source "$(dirname "$0")/lib.sh"
need python3
DIR="$OUT/ua"
mkdir -p "$DIR/src"
cp "$ROOT/bench/ua/Cargo.toml" "$DIR/Cargo.toml"
cp "$ROOT/bench/ua/main.rs" "$DIR/src/main.rs"
cp "$ROOT/src/user_agent.rs" "$DIR/src/user_agent.rs"
(cd "$DIR" && cargo build --release --quiet)
UAP=$(cd "$DIR" && cargo metadata --format-version 1 --quiet |
  python3 -c 'import json,sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"] == "ua-parser"))')
"$DIR/target/release/ua-bench" "$(dirname "$UAP")/uap-core/regexes.yaml" "$ROOT/tests/data/user_agents.tsv"
