#!/usr/bin/env bash
# Click path throughput and latency: wrk against GET /{flow} (full click
# path, recorded by the writer) and GET /health in the same run, at the same
# concurrency; prints the ratio (target >= 0.70) and p99 latencies, then
# the p99 at half the maximum click rate (target < 3 ms).
# Usage: bench/clicks.sh [seconds] [connections]
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3
SECS=${1:-10}; CONN=${2:-64}; PORT=${PORT:-18181}
build
DB="$OUT/clicks.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
start_server "$DB" "$PORT"
trap stop_server EXIT
bench_flow "$DB" "$PORT"
run() { wrk -t2 -c"$CONN" -d"${SECS}s" --latency -H "User-Agent: $UA" "$@"; }
p99() { awk '$1=="99%" {print $2}'; }
run "http://127.0.0.1:$PORT/health" >"$OUT/health.txt"
run "http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42&fbclid=abc" >"$OUT/click.txt"
H=$(rate <"$OUT/health.txt"); C=$(rate <"$OUT/click.txt")
# Half the maximum click rate, constant load, for the latency target.
HALF=$(awk -v c="$C" 'BEGIN {printf "%d", c / 2}')
if command -v wrk2 >/dev/null; then
  wrk2 -t2 -c"$CONN" -d"${SECS}s" -R"$HALF" --latency -H "User-Agent: $UA" "http://127.0.0.1:$PORT/bench?utm_source=fb" >"$OUT/half.txt"
else
  # wrk has no rate limit: fewer connections approximate a lighter load.
  wrk -t1 -c2 -d"${SECS}s" --latency -H "User-Agent: $UA" "http://127.0.0.1:$PORT/bench?utm_source=fb" >"$OUT/half.txt"
fi
sleep 0.5
STORED=$(sqlite3 "$DB" "SELECT count(*) FROM clicks")
echo "health:  $H req/s  p99 $(p99 <"$OUT/health.txt")"
echo "click:   $C req/s  p99 $(p99 <"$OUT/click.txt")"
echo "ratio click/health: $(awk -v c="$C" -v h="$H" 'BEGIN {printf "%.2f", c / h}')"
echo "light load ($(rate <"$OUT/half.txt") req/s): p99 $(p99 <"$OUT/half.txt")"
echo "clicks stored so far: $STORED"
