#!/usr/bin/env bash
# Landing pages (docs/API.md "Landing pages"): the click rate of a way to
# a landing page (offers picked per visitor, {lpclick}, the ftlp cookie,
# the memory of recent landing clicks) and of a plain way, each ÷ /health;
# then GET /lp/{click} for distinct clicks (each one's first landing
# click: a write through the writer) and again for the same clicks
# (repeats: answered, nothing written); p99 of each.
# Usage: bench/landing.sh [seconds per run] [connections] [rounds]
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3; need python3
SECS=${1:-3}; CONN=${2:-64}; ROUNDS=${3:-4}; PORT=${PORT:-18183}
build
DB="$OUT/landing.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
start_server "$DB" "$PORT"
trap stop_server EXIT
bench_flow "$DB" "$PORT"
TOKEN=$(token_of "$DB" admin)
api() { curl -fs -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" -d "$2" "http://127.0.0.1:$PORT/api/tracker/$1.json" >/dev/null; }
api site '{"kind":"landing","url":"https://lp.test/?go={lpclick}&o={offer}"}'
api site '{"url":"https://o1.test/?c={click}&s={utms}"}'
api site '{"url":"https://o2.test/?c={click}&s={subid}"}'
api flow '{"flow":"lpbench","ways":[{"site":1,"offers":[{"site":2,"weight":3},{"site":3}]}]}'
run() { wrk -t2 -c"$CONN" -d"${SECS}s" --latency -H "User-Agent: $UA" "$@"; }
p99() { awk '$1 == "99%" {v = $2; m = v ~ /us$/ ? 0.001 : v ~ /ms$/ ? 1 : 1000; sub(/[a-z]+$/, "", v); printf "%.2f", v * m}'; }
bad() { awk '/Non-2xx/ {print $5}' | grep . || echo 0; }
HEALTH="http://127.0.0.1:$PORT/health"
PLAIN="http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42&fbclid=abc"
LANDING="http://127.0.0.1:$PORT/lpbench?utm_source=fb&subid=42&fbclid=abc"
: >"$OUT/rounds.txt"
for i in $(seq 1 "$ROUNDS"); do
  run "$HEALTH" >"$OUT/health.txt"; run "$PLAIN" >"$OUT/plain.txt"; run "$LANDING" >"$OUT/landing.txt"
  H=$(rate <"$OUT/health.txt"); P=$(rate <"$OUT/plain.txt"); L=$(rate <"$OUT/landing.txt")
  echo "$H $P $L $(p99 <"$OUT/health.txt") $(p99 <"$OUT/plain.txt") $(p99 <"$OUT/landing.txt")" >>"$OUT/rounds.txt"
  printf 'round %d: health %.0f, plain click %.0f (%.2f), landing click %.0f (%.2f) req/s\n' "$i" "$H" "$P" \
    "$(awk -v a="$P" -v b="$H" 'BEGIN {print a / b}')" "$L" "$(awk -v a="$L" -v b="$H" 'BEGIN {print a / b}')"
done
median() { awk -v k="$1" '{print $k}' "$OUT/rounds.txt" | sort -g | awk '{a[NR] = $1} END {printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
H=$(median 1)
echo "health:        median $H req/s  p99 $(median 4) ms"
echo "plain click:   median $(median 2) req/s  p99 $(median 5) ms  ratio $(awk -v a="$(median 2)" -v b="$H" 'BEGIN {printf "%.2f", a / b}')"
echo "landing click: median $(median 3) req/s  p99 $(median 6) ms  ratio $(awk -v a="$(median 3)" -v b="$H" 'BEGIN {printf "%.2f", a / b}')"

# The newest landing clicks (the memory keeps 65,536) as public ids.
sleep 1
sqlite3 -separator ' ' "$DB" "SELECT id, secret FROM clicks WHERE landing > 0 AND lp = 0 ORDER BY id DESC LIMIT 60000" |
  python3 -c '
import base64, struct, sys
for line in sys.stdin:
    k, s = map(int, line.split())
    print(base64.urlsafe_b64encode(struct.pack(">qq", k, s)).decode().rstrip("="))
' >"$OUT/lp_ids.txt"
IDS=$(wc -l <"$OUT/lp_ids.txt")
lp() { LP_IDS="$OUT/lp_ids.txt" wrk -t2 -c"$CONN" -d"$1" --latency -H "User-Agent: $UA" -s "$ROOT/bench/lp.lua" "http://127.0.0.1:$PORT"; }
run "$HEALTH" >"$OUT/health.txt"
lp 2s >"$OUT/lp_first.txt"
lp "${SECS}s" >"$OUT/lp_repeat.txt"
H=$(rate <"$OUT/health.txt")
sleep 1
COUNTED=$(sqlite3 "$DB" "SELECT count(*) FROM clicks WHERE lp > 0")
F=$(rate <"$OUT/lp_first.txt"); R=$(rate <"$OUT/lp_repeat.txt")
echo "health:        $H req/s  p99 $(p99 <"$OUT/health.txt") ms"
echo "/lp first:     $F req/s  p99 $(p99 <"$OUT/lp_first.txt") ms  ratio $(awk -v a="$F" -v b="$H" 'BEGIN {printf "%.2f", a / b}')  non-3xx $(bad <"$OUT/lp_first.txt")"
echo "/lp repeat:    $R req/s  p99 $(p99 <"$OUT/lp_repeat.txt") ms  ratio $(awk -v a="$R" -v b="$H" 'BEGIN {printf "%.2f", a / b}')  non-3xx $(bad <"$OUT/lp_repeat.txt")"
echo "landing clicks counted: $COUNTED of $IDS distinct clicks requested"
