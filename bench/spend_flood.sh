#!/usr/bin/env bash
# Clicks and /health while 4 spend.json imports over about 1M clicks each
# run all the time (a new price each round): wrk against GET /{flow} and
# GET /health in pairs of runs, alternately health first and click first
# (as bench/clicks.sh), with four curl loops importing spend throughout.
# Prints the ratio click rate / health rate (target >= 0.5), both rates,
# their p99s and errors, and how the imports answered.
# The database is a `flowtrack demo` of N clicks (10M: demo-fb holds about
# 150k clicks a day, so each import's week is about 1M clicks);
# BENCH_DB=FILE reuses one.
# Usage: bench/spend_flood.sh [seconds per run] [connections] [pairs] [clicks]
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3
SECS=${1:-5}; CONN=${2:-64}; PAIRS=${3:-4}; N=${4:-10000000}; PORT=${PORT:-18183}
build
DB="${BENCH_DB:-$OUT/spend-$N.db}"
if [ ! -f "$DB" ]; then
  "$BIN" --db "$DB" demo --clicks "$N" --days 30 >/dev/null
fi
start_server "$DB" "$PORT"
trap 'rm -f "$OUT/spending"; stop_server' EXIT
bench_flow "$DB" "$PORT"
TOKEN=$(token_of "$DB" demo)
# spender K: imports spend over week K (1-4) of demo-fb until told to stop;
# one line per answer: seconds, status and error.
spender() {
  local from to
  from=$(date -u -d "$((7 * $1)) days ago" +%F); to=$(date -u -d "$((7 * $1 - 6)) days ago" +%F)
  while [ -e "$OUT/spending" ]; do
    curl -s -m 120 -o "$OUT/spend$1.json" -w '%{time_total}' \
      "http://127.0.0.1:$PORT/api/tracker/spend.json?id=$TOKEN&flow=demo-fb&from=$from&to=$to&cost=$RANDOM$1" \
      >"$OUT/spend$1.time" || echo 120 >"$OUT/spend$1.time"
    echo "$(cat "$OUT/spend$1.time") $(tr -d '\n' <"$OUT/spend$1.json" | head -c 120)" >>"$OUT/spends.txt"
  done
}
: >"$OUT/spends.txt"
touch "$OUT/spending"
for k in 1 2 3 4; do spender "$k" & done
sleep 2
run() { wrk -t2 -c"$CONN" -d"${SECS}s" --latency --timeout 10s -H "User-Agent: $UA" "$@"; }
p99() { awk '$1 == "99%" {v = $2; m = v ~ /us$/ ? 0.001 : v ~ /ms$/ ? 1 : 1000; sub(/[a-z]+$/, "", v); printf "%.2f", v * m}'; }
# Errors wrk saw: socket errors and answers other than 2xx/3xx.
errors() { awk '/Socket errors|Non-2xx/ {sub(/^ +/, ""); printf "%s; ", $0}'; }
HEALTH="http://127.0.0.1:$PORT/health"
CLICK="http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42&fbclid=abc"
: >"$OUT/pairs.txt"; : >"$OUT/errors.txt"
for i in $(seq 1 "$PAIRS"); do
  if ((i % 2)); then
    run "$HEALTH" >"$OUT/health.txt"; run "$CLICK" >"$OUT/click.txt"
  else
    run "$CLICK" >"$OUT/click.txt"; run "$HEALTH" >"$OUT/health.txt"
  fi
  H=$(rate <"$OUT/health.txt"); C=$(rate <"$OUT/click.txt")
  echo "$H $C $(p99 <"$OUT/health.txt") $(p99 <"$OUT/click.txt")" >>"$OUT/pairs.txt"
  echo "pair $i: health $(errors <"$OUT/health.txt") click $(errors <"$OUT/click.txt")" >>"$OUT/errors.txt"
  printf 'pair %d: health %.0f req/s, click %.0f req/s, ratio %.2f\n' "$i" "$H" "$C" "$(awk -v c="$C" -v h="$H" 'BEGIN {print c / h}')"
done
rm -f "$OUT/spending"
wait $(jobs -p | grep -v "^$SERVER_PID$") 2>/dev/null || true
median() { awk -v k="$1" '{print $k}' "$OUT/pairs.txt" | sort -g | awk '{a[NR] = $1} END {printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
awk '{print $1, $2, $3, $4, $2 / $1}' "$OUT/pairs.txt" >"$OUT/pairs.tmp" && mv "$OUT/pairs.tmp" "$OUT/pairs.txt"
echo "health:  median $(median 1) req/s  p99 $(median 3) ms"
echo "click:   median $(median 2) req/s  p99 $(median 4) ms"
echo "ratio click/health during spends: median $(median 5) of $PAIRS pairs ($(awk '{printf "%.2f ", $5}' "$OUT/pairs.txt"))"
grep -E 'Socket|Non-2xx' "$OUT/errors.txt" || echo "wrk errors: none"
OK=$(grep -c '"status":"ok"' "$OUT/spends.txt" || true); ALL=$(wc -l <"$OUT/spends.txt")
echo "spend.json answers: $OK ok of $ALL; seconds each: $(awk '{print $1}' "$OUT/spends.txt" | sort -g | awk '{a[NR] = $1} END {printf "min %.2f median %.2f max %.2f", a[1], a[int((NR + 1) / 2)], a[NR]}')"
grep -v '"status":"ok"' "$OUT/spends.txt" | head -5 || true
