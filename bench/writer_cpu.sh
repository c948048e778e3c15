#!/usr/bin/env bash
# CPU time per click: the writer thread's and the whole server's, over a
# click flood of a few seconds. Unlike req/s these barely move when
# something else shares the cores, so two builds compare well (run them
# alternately with BENCH_BIN).
# Usage: bench/writer_cpu.sh [seconds] [connections]
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3
SECS=${1:-8}; CONN=${2:-64}; PORT=${PORT:-18184}
build
DB="$OUT/writer-cpu.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
start_server "$DB" "$PORT"
trap stop_server EXIT
bench_flow "$DB" "$PORT"
TICK=$(getconf CLK_TCK)
# ticks PID [THREAD-NAME]: utime + stime of the process, or of its threads so named.
ticks() {
  if [ -n "${2:-}" ]; then
    for t in /proc/"$1"/task/*; do
      if [ "$(cat "$t/comm")" = "$2" ]; then awk '{print $14 + $15}' "$t/stat"; fi
    done | awk '{s += $1} END {print s + 0}'
  else
    awk '{print $14 + $15}' /proc/"$1"/stat
  fi
}
before=$(sqlite3 "$DB" "SELECT count(*) FROM clicks")
w0=$(ticks "$SERVER_PID" db-writer); p0=$(ticks "$SERVER_PID")
wrk -t2 -c"$CONN" -d"${SECS}s" -H "User-Agent: $UA" "http://127.0.0.1:$PORT/bench?utm_source=fb&subid=42&fbclid=abc" >/dev/null
sleep 1
w1=$(ticks "$SERVER_PID" db-writer); p1=$(ticks "$SERVER_PID")
n=$(( $(sqlite3 "$DB" "SELECT count(*) FROM clicks") - before ))
awk -v n="$n" -v w=$((w1 - w0)) -v p=$((p1 - p0)) -v hz="$TICK" 'BEGIN {
  printf "%d clicks: writer %.2f us/click, server %.2f us/click\n", n, w / hz / n * 1e6, p / hz / n * 1e6 }'
