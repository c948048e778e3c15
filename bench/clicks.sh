#!/usr/bin/env bash
# Click path throughput and latency: wrk against GET /{flow} (full click
# path, recorded by the writer) and GET /health in the same run, at the same
# concurrency; prints the ratio (target >= 0.70) and p99 latencies, then
# the p99 at about half the maximum click rate, paced (target < 3 ms).
# The two rates are taken in PAIRS of short runs, alternately health first
# and click first: this machine's speed drifts by ±10-20% within a minute,
# so one long run of each compares two different minutes, while the median
# of adjacent pairs compares like with like.
# Usage: bench/clicks.sh [seconds per run] [connections] [pairs]
# BENCH_SOURCE=1: the flow has a traffic source (bench/lib.sh bench_source)
# and the clicks carry its click id, mapped parameters and cost;
# BENCH_SOURCE=query: the same clicks on the flow without a source.
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3
SECS=${1:-3}; CONN=${2:-64}; PAIRS=${3:-8}; PORT=${PORT:-18181}
build
DB="$OUT/clicks.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
start_server "$DB" "$PORT"
trap stop_server EXIT
bench_flow "$DB" "$PORT"
run() { wrk -t2 -c"$CONN" -d"${SECS}s" --latency -H "User-Agent: $UA" "$@"; }
# p99 in ms from wrk's --latency output (which prints us, ms or s).
p99() { awk '$1 == "99%" {v = $2; m = v ~ /us$/ ? 0.001 : v ~ /ms$/ ? 1 : 1000; sub(/[a-z]+$/, "", v); printf "%.2f", v * m}'; }
HEALTH="http://127.0.0.1:$PORT/health"
CLICK="http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42&fbclid=abc"
if [ -n "${BENCH_SOURCE:-}" ]; then
  [ "$BENCH_SOURCE" = query ] || bench_source "$DB" "$PORT"
  CLICK="$CLICK&clickid=c1&zoneid=7712&campaignid=95&bannerid=3&cost=0.0021"
fi
: >"$OUT/pairs.txt"
for i in $(seq 1 "$PAIRS"); do
  if ((i % 2)); then
    run "$HEALTH" >"$OUT/health.txt"; run "$CLICK" >"$OUT/click.txt"
  else
    run "$CLICK" >"$OUT/click.txt"; run "$HEALTH" >"$OUT/health.txt"
  fi
  H=$(rate <"$OUT/health.txt"); C=$(rate <"$OUT/click.txt")
  echo "$H $C $(p99 <"$OUT/health.txt") $(p99 <"$OUT/click.txt")" >>"$OUT/pairs.txt"
  printf 'pair %d: health %.0f req/s, click %.0f req/s, ratio %.2f\n' "$i" "$H" "$C" "$(awk -v c="$C" -v h="$H" 'BEGIN {print c / h}')"
done
# median COLUMN: the median of a column of pairs.txt.
median() { awk -v k="$1" '{print $k}' "$OUT/pairs.txt" | sort -g | awk '{a[NR] = $1} END {printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
awk '{print $1, $2, $3, $4, $2 / $1}' "$OUT/pairs.txt" >"$OUT/pairs.tmp" && mv "$OUT/pairs.tmp" "$OUT/pairs.txt"
RATIOS=$(awk '{printf "%.2f\n", $5}' "$OUT/pairs.txt" | sort -g)
C=$(median 2)
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
paced "$PACED" 10s >"$OUT/half.txt"
sleep 0.5
STORED=$(sqlite3 "$DB" "SELECT count(*) FROM clicks")
echo "health:  median $(median 1) req/s  p99 $(median 3) ms"
echo "click:   median $C req/s  p99 $(median 4) ms"
echo "ratio click/health: median $(median 5) of $PAIRS pairs ($(echo $RATIOS))"
echo "paced at about half ($(rate <"$OUT/half.txt") req/s of $HALF, $PACED connections): p99 $(p99 <"$OUT/half.txt") ms"
echo "clicks stored so far: $STORED"
