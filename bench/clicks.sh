#!/usr/bin/env bash
# Click path throughput and latency: wrk against GET /{flow} (full click
# path, recorded by the writer) and GET /health in the same run, at the same
# concurrency; prints the ratio (target >= 0.70) and p99 latencies, then
# the p99 at about half the maximum click rate, paced (target < 3 ms).
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
# Half the maximum click rate, paced (bench/paced.lua: 1 ms between a
# connection's requests), for the latency target. Each request's own
# latency and wrk's timer add to that 1 ms, so a 2-second probe measures
# the rate per connection and the run uses as many as half the rate needs.
HALF=$(awk -v c="$C" 'BEGIN {printf "%d", c / 2}')
paced() { wrk -t2 -c"$1" -d"$2" --latency -s "$ROOT/bench/paced.lua" -H "User-Agent: $UA" "http://127.0.0.1:$PORT/bench?utm_source=fb"; }
# conns RATE PER: connections for RATE req/s at PER each, at least 2.
conns() { awk -v r="$1" -v p="$2" 'BEGIN {n = int(r / p + 0.5); print (n < 2 ? 2 : n)}'; }
PROBE=$(conns "$HALF" 1000)
PER=$(paced "$PROBE" 2s | rate | awk -v n="$PROBE" '{print $1 / n}')
PACED=$(conns "$HALF" "$PER")
paced "$PACED" "${SECS}s" >"$OUT/half.txt"
sleep 0.5
STORED=$(sqlite3 "$DB" "SELECT count(*) FROM clicks")
echo "health:  $H req/s  p99 $(p99 <"$OUT/health.txt")"
echo "click:   $C req/s  p99 $(p99 <"$OUT/click.txt")"
echo "ratio click/health: $(awk -v c="$C" -v h="$H" 'BEGIN {printf "%.2f", c / h}')"
echo "paced at about half ($(rate <"$OUT/half.txt") req/s of $HALF, $PACED connections): p99 $(p99 <"$OUT/half.txt")"
echo "clicks stored so far: $STORED"
