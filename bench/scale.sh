#!/usr/bin/env bash
# Scale: every figure of docs/BENCHMARKS.md's "one VPS" table on one
# database of N clicks over 30 days (10M, then 100M): the demo's time,
# disk per 1M clicks, start to first redirect, stats.json by item and
# filter (with the server's peak RSS, VmHWM, after each group of
# reports), spend.json per 1M matching clicks, and the click path beside
# the heaviest report (item ip, no filter, back to back): p99 paced at
# half the click rate and click ÷ /health at full load, against the same
# without reports and against an empty database.
# Usage: bench/scale.sh [clicks]   (default 10000000; BENCH_DB=FILE reuses one;
# LOW="geo os" and HIGH="subid ip" choose the items, which on 100M clicks
# shortens a run: item offer reads the click rows there)
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3
N=${1:-10000000}; PORT=${PORT:-18184}; SECS=${SECS:-5}
build
DB="${BENCH_DB:-$OUT/scale-$N.db}"
if [ ! -f "$DB" ]; then
  start=$(date +%s.%N)
  "$BIN" --db "$DB" demo --clicks "$N" --days 30 >/dev/null
  echo "demo --clicks $N --days 30: $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s"
fi
HELD=$(sqlite3 "$DB" "SELECT count(*) FROM clicks")
SIZE=$(( $(stat -c %s "$DB") + $(stat -c %s "$DB-wal" 2>/dev/null || echo 0) ))
echo "disk: $(awk -v s="$SIZE" -v n="$HELD" 'BEGIN {printf "%.1f MiB for %d clicks, %.1f MiB per 1M clicks", s/1048576, n, s/1048576/n*1e6}')"

serve_demo "$DB" "$PORT"
t2() { for _ in 1 2; do t "$1"; echo; done | sort -n | head -1; }
hwm() { awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$SERVER_PID/status"; }
FILTERS=("" "&flow=demo-fb" "&geo=de" "&os=1" "&browser=1" "&mobile=1" "&utm_source=facebook" "&subid=s42" "&ip=10.0.0.1")
# report ITEM: the slowest of the filters above, with which, and VmHWM.
report() {
  local worst=0 which=""
  for f in "${FILTERS[@]}"; do
    s=$(ms "$(t2 "stats.json?from=$FROM&to=$TO&item=$1$f")")
    if [ "$s" -gt "$worst" ]; then worst=$s; which=${f:-none}; fi
  done
  printf '%-8s %6s ms  slowest filter %-22s VmHWM %s\n' "$1" "$worst" "$which" "$(hwm)"
}
echo "stats.json, 30 days, no filter:"
for item in date flow geo utms; do
  printf '  %-8s %6s ms\n' "$item" "$(ms "$(t3 "stats.json?from=$FROM&to=$TO&item=$item")")"
done
echo "stats.json, 30 days, the slowest of no filter and one filter of each kind:"
for item in ${LOW:-date hour flow way site filter geo mobile os browser utmd utms utmm source landing offer}; do report "$item"; done
echo "stats.json, high-cardinality items:"
for item in ${HIGH:-subid utmc utmn utmt ip}; do report "$item"; done
# A new total every run: a price equal to the stored one rewrites no page.
spend() {
  local n s
  n=$(sqlite3 "$DB" "SELECT count(*) FROM clicks WHERE $2")
  s=$(t "spend.json?$1&cost=$(date +%s)")
  echo "spend.json over $1: $n clicks in $(ms "$s") ms, $(awk -v s="$s" -v n="$n" 'BEGIN {printf "%.2f", s / n * 1e6}') s per 1M; VmHWM $(hwm)"
}
spend flow=demo-fb "flow = 'demo-fb'"
sleep 5
spend geo=de "geo = 'de'"

# The click path beside the heaviest report, item ip with no filter,
# run back to back by one loop for as long as the load runs.
HEALTH="http://127.0.0.1:$PORT/health"
CLICK="http://127.0.0.1:$PORT/demo-fb?utm_source=fb&subid=42"
run() { wrk -t2 -c64 -d"${SECS}s" --latency -H "User-Agent: $UA" "$@"; }
p99() { awk '$1 == "99%" {v = $2; m = v ~ /us$/ ? 0.001 : v ~ /ms$/ ? 1 : 1000; sub(/[a-z]+$/, "", v); printf "%.2f", v * m}'; }
ratio() { awk -v c="$1" -v h="$2" 'BEGIN {printf "%.2f", c / h}'; }
reports() { while :; do t "stats.json?from=$FROM&to=$TO&item=ip" >/dev/null; done; }
H=$(run "$HEALTH" | rate); C=$(run "$CLICK" | rate)
echo "without reports: click $(printf '%.0f' "$C")/s ÷ /health $(printf '%.0f' "$H")/s = $(ratio "$C" "$H")"
reports & LOOP=$!
H2=$(run "$HEALTH" | rate); C2=$(run "$CLICK" | rate)
echo "reports back to back: click $(printf '%.0f' "$C2")/s ÷ /health $(printf '%.0f' "$H2")/s = $(ratio "$C2" "$H2")"
HALF=$(awk -v c="$C" 'BEGIN {printf "%d", c / 2}')
CONNS=$(awk -v r="$HALF" 'BEGIN {n = int(r / 900 + 0.5); print (n < 2 ? 2 : n)}')
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/paced.lua" -H "User-Agent: $UA" "$CLICK" >"$OUT/paced.txt"
echo "paced at about half ($(rate <"$OUT/paced.txt")/s of $HALF, $CONNS connections) beside the reports: p99 $(p99 <"$OUT/paced.txt") ms"
kill "$LOOP" 2>/dev/null; wait "$LOOP" 2>/dev/null || true
echo "VmHWM at the end: $(hwm)"
stop_server
# The same click rate on an empty database, for the ratio of ratios.
EMPTY="$OUT/scale-empty.db"; rm -f "$EMPTY" "$EMPTY-wal" "$EMPTY-shm"
start_server "$EMPTY" "$PORT"
bench_flow "$EMPTY" "$PORT"
H3=$(run "$HEALTH" | rate); C3=$(run "http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42" | rate)
echo "empty database: click ÷ /health = $(ratio "$C3" "$H3") (with $HELD clicks: $(ratio "$C" "$H"))"
