#!/usr/bin/env bash
# postback.json throughput: new leads (flow + a fresh subid each) and
# updates (stage flips on 100 leads per wrk thread, each call a real
# change), each next to /health in the same run. The stored counts show
# that the calls did what they claim (one lead per new-lead call, one
# history row per call). The server's CPU time per call is printed too:
# unlike the rates it barely moves when something else shares the cores.
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
# cpu_ticks: user + system clock ticks the server has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
# run MODE: wrk with the postback script; prints "rate cpu-us-per-call".
run() {
  local before out after calls
  before=$(cpu_ticks)
  out=$(TOKEN=$TOKEN MODE=$1 wrk -t2 -c"$CONN" -d"${SECS}s" -s "$ROOT/bench/postback.lua" "http://127.0.0.1:$PORT" | tee "$OUT/postback-$1.txt")
  after=$(cpu_ticks)
  calls=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$(echo "$out" | rate) $(( (after - before) * 1000000 / $(getconf CLK_TCK) / calls ))"
}
H=$(wrk -t2 -c"$CONN" -d"${SECS}s" "http://127.0.0.1:$PORT/health" | rate)
read -r N NCPU < <(run new)
read -r U UCPU < <(run update)
echo "health:            $H req/s"
echo "postback new lead: $N req/s ($NCPU us server CPU per call)"
echo "postback update:   $U req/s ($UCPU us server CPU per call)"
echo "leads stored: $(sqlite3 "$DB" 'SELECT count(*) FROM leads'), stage changes stored: $(sqlite3 "$DB" 'SELECT count(*) FROM lead_stages')"
