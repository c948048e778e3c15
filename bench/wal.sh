#!/usr/bin/env bash
# The WAL under a long click flood: wrk against GET /{flow} for SECS
# seconds (default 300) on a fresh database while the size of the -wal
# file is sampled every 100 ms. Prints the largest size seen (the target
# is a bound, README "Storage"), the size at the end, the click rate and
# the clicks stored.
# Usage: bench/wal.sh [seconds] [connections]
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3
SECS=${1:-300}; CONN=${2:-64}; PORT=${PORT:-18184}
build
DB="$OUT/wal.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
start_server "$DB" "$PORT"
trap stop_server EXIT
bench_flow "$DB" "$PORT"
wrk -t2 -c"$CONN" -d"${SECS}s" -H "User-Agent: $UA" \
  "http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42&fbclid=abc" >"$OUT/wal-wrk.txt" &
WRK=$!
LARGEST=0; START=$(date +%s); NEXT=30
while kill -0 "$WRK" 2>/dev/null; do
  S=$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)
  ((S > LARGEST)) && LARGEST=$S
  if (($(date +%s) - START >= NEXT)); then
    echo "after ${NEXT}s: WAL $((S >> 20)) MiB, largest $((LARGEST >> 20)) MiB"
    NEXT=$((NEXT + 30))
  fi
  sleep 0.1
done
echo "largest WAL during the flood: $LARGEST bytes ($((LARGEST >> 20)) MiB)"
echo "WAL at the end: $(stat -c %s "$DB-wal") bytes, database $(($(stat -c %s "$DB") >> 20)) MiB"
echo "clicks: $(rate <"$OUT/wal-wrk.txt") req/s; $(awk '/Socket errors|Non-2xx/' "$OUT/wal-wrk.txt")"
sleep 0.5
echo "clicks stored: $(sqlite3 "$DB" "SELECT count(*) FROM clicks")"
