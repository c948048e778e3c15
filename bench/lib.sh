# Shared helpers of the benchmark scripts: build, start a server on a
# scratch database, wait for it, stop it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# BENCH_BIN=FILE measures another build (e.g. the previous commit's, to
# compare in the same hour) instead of building this tree.
BIN="${BENCH_BIN:-$ROOT/target/release/flowtrack}"
OUT="${BENCH_OUT:-$ROOT/bench/out}"
mkdir -p "$OUT"

build() { [ -n "${BENCH_BIN:-}" ] || (cd "$ROOT" && cargo build --release --quiet); }

need() { command -v "$1" >/dev/null || { echo "install $1 first (apt-get install -y $1)" >&2; exit 1; }; }

# start_server DB PORT: starts flowtrack, sets SERVER_PID, waits for /health.
start_server() {
  "$BIN" --db "$1" --listen "127.0.0.1:$2" serve >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    curl -fs "http://127.0.0.1:$2/health" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server did not start" >&2; cat "$OUT/server.log" >&2; exit 1
}

stop_server() { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }

# token_of DB USER
token_of() { sqlite3 "$1" "SELECT token FROM users WHERE name = '$2'"; }

# rate: requests per second from wrk's output on stdin.
rate() { awk '/Requests\/sec/ {print $2}'; }
