#!/usr/bin/env bash
# User-space instructions per request of GET /health and of the full click
# path (request thread + writer thread + commits), counted by callgrind:
# unlike rates on a shared 2-core machine (±25% from run to run), the
# request threads' count moves ~5% between runs and the writer's ~10%
# (its batch sizes vary), so it shows what a change of more than that to
# the click path saves; compare builds alternately with BENCH_BIN. Kernel
# time (socket I/O, wake-ups) is not counted: the rate ratio of
# bench/clicks.sh stays the target; this is the instrument for the part of
# it the code decides.
# Usage: bench/instructions.sh [seconds]   (needs valgrind, wrk, sqlite3)
source "$(dirname "$0")/lib.sh"
need valgrind; need wrk; need sqlite3; need callgrind_control
SECS=${1:-8}; PORT=${PORT:-18182}
build
DB="$OUT/instructions.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
CG="$OUT/callgrind"; rm -rf "$CG"; mkdir -p "$CG"
start_server "$DB" "$PORT" valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$CG/cg.%p"
trap stop_server EXIT
bench_flow "$DB" "$PORT"
CLICK="http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42&fbclid=abc"
# One click first: the user-agent patterns compile on the first one.
curl -fs -A "$UA" "$CLICK" >/dev/null
# per_request URL: "ALL WRITER", instructions per request of all threads
# and of the writer thread (one file per thread).
per_request() {
  sleep 1; callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
  n=$(wrk -t1 -c8 -d"${SECS}s" -H "User-Agent: $UA" "$1" | awk '/requests in/ {print $1}')
  sleep 1; rm -f "$CG"/cg.*.*; callgrind_control -d "$SERVER_PID" >/dev/null 2>&1; sleep 1
  # The writer's file is the one with a function only the writer runs
  # (which of them the compiler inlines changes from build to build).
  w=$(grep -l -E '^c?fn=\([0-9]+\) (flowtrack::clicks::record::ClickRecord::insert|flowtrack::db::writer::(run|write_items|insert_click|Dict::id))$' "$CG"/cg.*.* | head -1 || true)
  awk -v n="$n" -v w="$w" '/^totals:/ {s += $2; if (FILENAME == w) ws += $2}
    END {printf "%d %d", s / n, ws / n}' "$CG"/cg.*.*
}
read -r H _ <<<"$(per_request "http://127.0.0.1:$PORT/health")"
read -r C CW <<<"$(per_request "$CLICK")"
echo "health: $H instructions/request"
echo "click:  $C instructions/request: request threads $((C - CW)), writer thread $CW"
echo "click - health: $((C - H)); on the request threads alone: $((C - CW - H))"
