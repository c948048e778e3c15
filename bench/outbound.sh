#!/usr/bin/env bash
# Outbound postbacks (docs/API.md "Outbound postbacks"): first clicks and
# postback.json (each a new approved lead, so each queues one more send)
# next to /health while PENDING sends wait behind a receiver that never
# answers; then that receiver answers 200 to everything and the backlog
# drains: outbound sends per second. The receiver is
# bench/outbound_receiver.py (Python threads: at high rates it may be the
# limit, not the tracker; its own count is printed beside the tracker's).
# Prints figures; asserts nothing.
# Usage: bench/outbound.sh [seconds per run] [connections] [pending]
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3; need python3
SECS=${1:-5}; CONN=${2:-16}; PENDING=${3:-1000}; PORT=${PORT:-18184}; RPORT=${RPORT:-18185}
build
DB="$OUT/outbound.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
python3 "$ROOT/bench/outbound_receiver.py" "$RPORT" hang >"$OUT/receiver.log" 2>&1 &
RECEIVER_PID=$!
cleanup() { stop_server; kill "$RECEIVER_PID" 2>/dev/null || true; }
RECEIVER="http://127.0.0.1:$RPORT"
until curl -fs "$RECEIVER/__count" >/dev/null 2>&1; do sleep 0.05; done
start_server "$DB" "$PORT"
trap cleanup EXIT
TOKEN=$(token_of "$DB" admin)
API="http://127.0.0.1:$PORT/api/tracker"
AUTH="Authorization: Bearer $TOKEN"
curl -fs -H "$AUTH" -d name=Bench -d click_param=cid \
  --data-urlencode "postback_url=$RECEIVER/pb?c={clickid}&p={payout}&s={status}&l={lead}" "$API/source.json" >/dev/null
curl -fs -H "$AUTH" -d name=Quiet "$API/source.json" >/dev/null
curl -fs -H "$AUTH" -d 'flow=ob&source=1&ways=[{"url":"https://offer.test/?c={click}"}]' "$API/flow.json" >/dev/null
curl -fs -H "$AUTH" -d 'flow=obq&source=2&ways=[{"url":"https://offer.test/?c={click}"}]' "$API/flow.json" >/dev/null
curl -fs -H "$AUTH" -d 'flow=obp&source=1&ways=[{"url":"https://offer.test/?c={click}"}]' "$API/flow.json" >/dev/null
sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
state() { sql "SELECT count(*) FROM postbacks_out WHERE state = $1"; }
# clicks_of FLOW FILE: clicks for the postback runs, each call a new lead
# on a click of its own (a lead looked up among thousands on one click
# would measure that lookup, not the outbox).
clicks_of() {
  wrk -t2 -c"$CONN" -d2s -H "User-Agent: $UA" "http://127.0.0.1:$PORT/$1?cid=z" >/dev/null
  python3 - "$API" "$TOKEN" "$1" "$2" <<'PY'
import json, sys, urllib.request
api, token, flow, out = sys.argv[1:]
ids = []
while len(ids) < 60000:
    url = f"{api}/clicks.json?id={token}&flow={flow}&limit=10000&offset={len(ids)}"
    page = json.load(urllib.request.urlopen(url))["clicks"]
    if not page:
        break
    ids += [c["click"] for c in page]
open(out, "w").write("\n".join(ids) + "\n")
PY
}
clicks_of ob "$OUT/outbound-clicks.txt"
clicks_of obq "$OUT/outbound-quiet.txt"
clicks_of obp "$OUT/outbound-pending.txt"

run() { wrk -t2 -c"$CONN" -d"${SECS}s" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
H0=$(run "http://127.0.0.1:$PORT/health" | rate)
C0=$(run -H "User-Agent: $UA" "http://127.0.0.1:$PORT/ob?cid=y" | rate)
echo "nothing pending: health $H0 req/s, click $C0 req/s ($(ratio "$C0" "$H0") of /health)"

# PENDING approved leads, 16 at a time: each queues a send that waits.
head -n "$PENDING" "$OUT/outbound-pending.txt" |
  awk -v u="$API/postback.json?id=$TOKEN&status=approve&price=5&click=" \
    '{print "url = \"" u $1 "\"\noutput = \"/dev/null\""}' | curl -s --parallel --parallel-max 16 -K - 2>/dev/null
echo "queued: $(state 0) sends pending, $(curl -s "$RECEIVER/__count") held by the receiver"

H=$(run "http://127.0.0.1:$PORT/health" | rate)
C=$(run -H "User-Agent: $UA" "http://127.0.0.1:$PORT/ob?cid=y" | rate)
Q=$(TOKEN=$TOKEN CLICKS="$OUT/outbound-quiet.txt" run -s "$ROOT/bench/outbound.lua" "http://127.0.0.1:$PORT" | rate)
P=$(TOKEN=$TOKEN CLICKS="$OUT/outbound-clicks.txt" run -s "$ROOT/bench/outbound.lua" "http://127.0.0.1:$PORT" | rate)
echo "beside $(state 0) pending sends held by a hanging receiver:"
echo "  health:                         $H req/s"
echo "  click:                          $C req/s ($(ratio "$C" "$H") of /health)"
echo "  postback.json, nothing to send: $Q req/s ($(ratio "$Q" "$H") of /health)"
echo "  postback.json, queues a send:   $P req/s ($(ratio "$P" "$H") of /health)"

# The receiver answers 200 from now on: the backlog drains. The rate is
# taken up to the last sample that made progress (sends whose attempt
# timed out while held wait a minute for their retry and are left out).
BACKLOG=$(state 0); S0=$(state 1); R0=$(curl -s "$RECEIVER/__count")
curl -fs "$RECEIVER/__mode?ok" >/dev/null
T0=$(date +%s%N); LAST_S=$S0; LAST_T=$T0
while :; do
  sleep 0.5
  S=$(state 1); NOW=$(date +%s%N)
  if [ "$S" -gt "$LAST_S" ]; then LAST_S=$S; LAST_T=$NOW; fi
  [ "$(state 0)" -eq 0 ] && break
  (( NOW - LAST_T > 3000000000 )) && break
  (( NOW - T0 > 300000000000 )) && break
done
SENT=$((LAST_S - S0))
MS=$(( (LAST_T - T0) / 1000000 ))
echo "drain: $SENT of $BACKLOG pending sent in $MS ms: $(awk -v n="$SENT" -v ms="$MS" 'BEGIN {printf "%.0f", ms ? n * 1000 / ms : 0}') sends/s"
echo "  receiver got $(( $(curl -s "$RECEIVER/__count") - R0 )) requests meanwhile; left pending: $(state 0) (attempts > 1: $(sql 'SELECT count(*) FROM postbacks_out WHERE attempts > 1'))"
