#!/usr/bin/env bash
# postback.json throughput: new leads (flow + a fresh subid each) and
# updates (stage flips on 100 leads), each next to /health in the same run.
# Usage: bench/postback.sh [seconds] [connections]
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3
SECS=${1:-10}; CONN=${2:-16}; PORT=${PORT:-18183}
build
DB="$OUT/postback.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
start_server "$DB" "$PORT"
trap stop_server EXIT
TOKEN=$(token_of "$DB" admin)
curl -fs -H "Authorization: Bearer $TOKEN" -d 'flow=bench&ways=[{"url":"https://o.test/"}]' \
  "http://127.0.0.1:$PORT/api/tracker/flow.json" >/dev/null
H=$(wrk -t2 -c"$CONN" -d"${SECS}s" "http://127.0.0.1:$PORT/health" | rate)
N=$(TOKEN=$TOKEN MODE=new wrk -t2 -c"$CONN" -d"${SECS}s" -s "$ROOT/bench/postback.lua" "http://127.0.0.1:$PORT" | tee "$OUT/postback-new.txt" | rate)
U=$(TOKEN=$TOKEN MODE=update wrk -t2 -c"$CONN" -d"${SECS}s" -s "$ROOT/bench/postback.lua" "http://127.0.0.1:$PORT" | tee "$OUT/postback-update.txt" | rate)
echo "health:            $H req/s"
echo "postback new lead: $N req/s"
echo "postback update:   $U req/s"
echo "leads stored: $(sqlite3 "$DB" 'SELECT count(*) FROM leads')"
