#!/usr/bin/env bash
# ClickHouse (docs/SCALING.md): the figures of docs/BENCHMARKS.md's
# ClickHouse table, with Debian's clickhouse-server started here as a
# child process on a scratch folder (never the system service):
#  1. shipping rate: a demo database of N clicks shipped from nothing;
#  2. an outage: click ÷ /health with ClickHouse up, then stopped for
#     OUTAGE seconds under clicks paced at RATE/s, then the time the
#     shipper takes to catch up once it is back;
#  3. stats.json from ClickHouse against the node's own file on the
#     shipped database (items date, geo, subid, ip; 30 days), with the
#     days as shipped and merged into one part each; clicks.json pages.
# Usage: bench/clickhouse.sh [clicks]   (default 1000000; BENCH_DB=FILE
# reuses a demo database; OUTAGE=30 RATE=20000 SECS=10 ROUNDS=3)
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3; need clickhouse-server
N=${1:-1000000}; PORT=${PORT:-18185}; CHPORT=${CHPORT:-18190}
SECS=${SECS:-10}; OUTAGE=${OUTAGE:-30}; RATE=${RATE:-20000}
build

CH="$OUT/clickhouse"; rm -rf "$CH"; mkdir -p "$CH"
cat >"$CH/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>0</console><log>$CH/log</log><errorlog>$CH/err</errorlog></logger>
  <http_port>$CHPORT</http_port><tcp_port>$((CHPORT + 1))</tcp_port><listen_host>127.0.0.1</listen_host>
  <keep_alive_timeout>3</keep_alive_timeout>
  <mark_cache_size>268435456</mark_cache_size><uncompressed_cache_size>268435456</uncompressed_cache_size>
  <path>$CH/data/</path><tmp_path>$CH/tmp/</tmp_path><user_files_path>$CH/files/</user_files_path>
  <format_schema_path>$CH/schemas/</format_schema_path>
  <users_config>$CH/users.xml</users_config><default_profile>default</default_profile>
  <default_database>default</default_database><timezone>UTC</timezone>
</yandex>
EOF
cat >"$CH/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
ch_start() {
  clickhouse-server --config-file="$CH/config.xml" >"$CH/stdout" 2>&1 &
  CH_PID=$!
  until curl -fs "http://127.0.0.1:$CHPORT/?query=SELECT%201" >/dev/null 2>&1; do sleep 0.05; done
}
ch_stop() { kill -TERM "$CH_PID" 2>/dev/null || true; wait "$CH_PID" 2>/dev/null || true; }
chq() { curl -fs "http://127.0.0.1:$CHPORT/" --data-binary "$1"; }
trap 'stop_server; ch_stop' EXIT
ch_start
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.1f", e - s}'; }
waiting() { sqlite3 "$1" "SELECT count(*) FROM ship_log" 2>/dev/null || echo 1; }
serve() { # serve DB [options]: flowtrack shipping to ClickHouse database $CHDB
  "$BIN" --db "$1" --listen "127.0.0.1:$PORT" serve --clickhouse "http://default@127.0.0.1:$CHPORT/$CHDB" \
    "${@:2}" >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  until curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do sleep 0.05; done
}

# 1. Shipping rate.
CHDB=bench
DB="${BENCH_DB:-$OUT/ch-$N.db}"
[ -f "$DB" ] || "$BIN" --db "$DB" demo --clicks "$N" --days 30 >/dev/null
HELD=$(sqlite3 "$DB" "SELECT count(*) FROM clicks")
start=$(now)
serve "$DB"
until [ "$(waiting "$DB")" = 0 ]; do sleep 0.2; done
s=$(since "$start")
echo "shipping: $HELD clicks (and their leads) in $s s: $(awk -v n="$HELD" -v s="$s" 'BEGIN {printf "%.0f", n / s}') clicks/s; VmHWM $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$SERVER_PID/status)"
echo "ClickHouse holds $(chq 'SELECT count() FROM bench.clicks_by_day FINAL') clicks; on disk $(du -sh "$CH/data" | cut -f1)"

# 3. Reports from ClickHouse against the node's own file.
TOKEN=$(token_of "$DB" demo); FROM=$(date -u -d '29 days ago' +%F); TO=$(date -u +%F)
t3() { for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/api/tracker/stats.json?from=$FROM&to=$TO&item=$1&id=$TOKEN"; done | sort -n | head -1; }
ms() { awk -v x="$1" 'BEGIN{printf "%.0f", x*1000}'; }
declare -A OWN
for item in date geo subid ip; do OWN[$item]=$(ms "$(t3 "$item")"); done
stop_server
# Just after shipping (days in several parts are read with FINAL), then
# with every day merged into one part (read without).
serve "$DB" --reports clickhouse --merge-after-secs 3600
declare -A SHIPPED
for item in date geo subid ip; do SHIPPED[$item]=$(ms "$(t3 "$item")"); done
stop_server
serve "$DB" --reports clickhouse --merge-after-secs 0
start=$(now)
until [ "$(chq "SELECT count() FROM (SELECT partition FROM system.parts WHERE database = 'bench' AND table IN ('clicks_by_day', 'leads_by_day') AND active GROUP BY table, partition HAVING count() > 1)")" = 0 ]; do sleep 1; done
echo "days merged into one part each in $(since "$start") s"
for item in date geo subid ip; do
  echo "stats.json item=$item, 30 days: own file ${OWN[$item]} ms, ClickHouse just after shipping ${SHIPPED[$item]} ms, with its days merged $(ms "$(t3 "$item")") ms"
done
tl() { for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/api/tracker/clicks.json?from=$FROM&to=$TO&limit=100&$1&id=$TOKEN"; done | sort -n | head -1; }
echo "clicks.json 100 newest of 30 days from ClickHouse: $(ms "$(tl "")") ms; from the 5,000th: $(ms "$(tl offset=5000)") ms"
stop_server

# 2. An outage under clicks, against the same node without ClickHouse,
# on a fresh ClickHouse (not beside the merges of the shipment above),
# in ROUNDS alternating rounds (the machine drifts within a minute).
ch_stop; rm -rf "$CH/data"; ch_start
run() { wrk -t2 -c64 -d"$1s" -H "User-Agent: $UA" "$2" | rate; }
ratio() { awk -v c="$1" -v h="$2" 'BEGIN {printf "%.2f", c/h}'; }
HEALTH="http://127.0.0.1:$PORT/health"; CLICK="http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42"
FRESH="$OUT/ch-outage.db"; CHDB=outage
for round in $(seq "${ROUNDS:-3}"); do
  rm -f "$FRESH" "$FRESH-wal" "$FRESH-shm"
  start_server "$FRESH" "$PORT"
  bench_flow "$FRESH" "$PORT"
  H0=$(run "$SECS" "$HEALTH"); C0=$(run "$SECS" "$CLICK")
  stop_server
  rm -f "$FRESH" "$FRESH-wal" "$FRESH-shm"
  serve "$FRESH"
  bench_flow "$FRESH" "$PORT"
  H=$(run "$SECS" "$HEALTH"); C=$(run "$SECS" "$CLICK")
  ch_stop
  H2=$(run "$SECS" "$HEALTH"); C2=$(run "$SECS" "$CLICK")
  echo "round $round: click ÷ /health without ClickHouse $(ratio "$C0" "$H0"), ClickHouse up $(ratio "$C" "$H"), ClickHouse down $(ratio "$C2" "$H2") (/health $(printf '%.0f' "$H0")/$(printf '%.0f' "$H")/$(printf '%.0f' "$H2")/s)"
  [ "$round" = "${ROUNDS:-3}" ] && break
  ch_start
  until [ "$(waiting "$FRESH")" = 0 ]; do sleep 0.1; done
  stop_server
done
LEFT=$(( OUTAGE - 2 * SECS )); [ "$LEFT" -gt 0 ] || LEFT=1
CONNS=$(awk -v r="$RATE" 'BEGIN {n = int(r / 900 + 0.5); print (n < 2 ? 2 : n)}')
wrk -t2 -c"$CONNS" -d"${LEFT}s" -s "$ROOT/bench/paced.lua" -H "User-Agent: $UA" "$CLICK" >"$OUT/ch-paced.txt"
echo "paced for ${LEFT} s more at $(rate <"$OUT/ch-paced.txt")/s (of $RATE); clicks stored $(sqlite3 "$FRESH" 'SELECT count(*) FROM clicks'), log rows waiting $(waiting "$FRESH")"
start=$(now)
ch_start
until [ "$(waiting "$FRESH")" = 0 ]; do sleep 0.1; done
echo "caught up $(sqlite3 "$FRESH" 'SELECT count(*) FROM clicks') clicks $(since "$start") s after ClickHouse came back (its start included); ClickHouse holds $(chq 'SELECT count() FROM outage.clicks_by_day FINAL')"
