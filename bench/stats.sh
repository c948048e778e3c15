#!/usr/bin/env bash
# Report speed on a big database: fills N clicks with `flowtrack demo`
# (timed), then times stats.json for every item over 30 days, with and
# without a filter, plus spend.json over all clicks of one flow and of one
# country, and the server's RSS after those reports and under click load
# (wrk, if installed).
# Usage: bench/stats.sh [clicks]   (default 1000000; the target is 10000000)
source "$(dirname "$0")/lib.sh"
need sqlite3
N=${1:-1000000}; PORT=${PORT:-18182}
build
DB="${BENCH_DB:-$OUT/stats-$N.db}"
if [ ! -f "$DB" ]; then
  start=$(date +%s.%N)
  "$BIN" --db "$DB" demo --clicks "$N" --days 30 >/dev/null
  echo "demo --clicks $N: $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s"
fi
SIZE=$(stat -c %s "$DB")
# Counted, not N: a reused database grows by the click load run below.
HELD=$(sqlite3 "$DB" "SELECT count(*) FROM clicks")
echo "database: $(awk -v s="$SIZE" -v n="$HELD" 'BEGIN {printf "%.1f MiB, %d clicks, %.1f MiB per 1M clicks", s/1048576, n, s/1048576/n*1e6}')"
serve_demo "$DB" "$PORT"
# Filters: a flow and a country (which the narrow rollups hold), an OS
# (only the wide rollup and the click columns do) and a subid (neither).
printf '%-8s %10s %14s %10s %8s %10s\n' item "30 days" "flow=demo-fb" "geo=de" "os=1" "subid=s42"
for item in ${ITEMS:-date flow geo utms hour way site filter mobile os browser utmd utmm subid utmc utmn utmt ip}; do
  a=$(t3 "stats.json?from=$FROM&to=$TO&item=$item")
  b=$(t3 "stats.json?from=$FROM&to=$TO&item=$item&flow=demo-fb")
  c=$(t3 "stats.json?from=$FROM&to=$TO&item=$item&geo=de")
  d=$(t3 "stats.json?from=$FROM&to=$TO&item=$item&os=1")
  e=$(t3 "stats.json?from=$FROM&to=$TO&item=$item&subid=s42")
  printf '%-8s %8sms %12sms %8sms %6sms %8sms\n' "$item" "$(ms "$a")" "$(ms "$b")" "$(ms "$c")" "$(ms "$d")" "$(ms "$e")"
done
# The click log's newest 1,000 clicks, unfiltered and filtered.
for f in "" "&flow=demo-fb" "&geo=de&os=1" "&subid=s42"; do
  echo "clicks.json limit=1000$f: $(ms "$(t3 "clicks.json?limit=1000$f")") ms"
done
# A new total every run: a price equal to the stored one rewrites no page
# (SQLite skips identical cells), which would flatter a second run. The
# pause lets the checkpoint thread copy the first import's pages back.
spend() {
  s=$(t "spend.json?$1&cost=$(date +%s)")
  echo "spend.json cost over $1 ($(sqlite3 "$DB" "SELECT count(*) FROM clicks WHERE $2") clicks): $(ms "$s") ms"
}
spend flow=demo-fb "flow = 'demo-fb'"
sleep 5
spend geo=de "geo = 'de'"
rss() { awk '/VmRSS/ {print $2/1024 " MiB"}' "/proc/$SERVER_PID/status"; }
echo "server RSS after these reports: $(rss)"
if command -v wrk >/dev/null; then
  wrk -t2 -c64 -d10s -H "User-Agent: $UA" "http://127.0.0.1:$PORT/demo-fb?utm_source=fb&subid=42" >"$OUT/load.txt" &
  LOAD_PID=$!
  sleep 8; UNDER=$(rss); wait "$LOAD_PID"
  echo "server RSS under click load ($(rate <"$OUT/load.txt") clicks/s): $UNDER"
fi
