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

# A desktop Chrome, the user agent of the load scripts' clicks.
UA='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36'

# start_server DB PORT [WRAPPER...]: starts flowtrack (under WRAPPER, e.g.
# valgrind, which keeps the process's pid), sets SERVER_PID, waits for
# /health (up to 30 s: a wrapped server starts slowly).
start_server() {
  "${@:3}" "$BIN" --db "$1" --listen "127.0.0.1:$2" serve >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$2/health" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server did not start" >&2; cat "$OUT/server.log" >&2; exit 1
}

stop_server() { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }

# bench_flow DB PORT: the admin's flow "bench", two ways with macros.
bench_flow() {
  curl -fs -H 'Content-Type: application/json' -H "Authorization: Bearer $(token_of "$1" admin)" \
    -d '{"flow":"bench","ways":[{"url":"https://offer.test/?c={click}&s={utms}","weight":3},{"url":"https://b.test/{subid}","weight":1}]}' \
    "http://127.0.0.1:$2/api/tracker/flow.json" >/dev/null
}

# bench_source DB PORT: a PropellerAds source (three mapped parameters, a
# per-click cost parameter, priced in eur) named on the flow "bench".
bench_source() {
  local auth="Authorization: Bearer $(token_of "$1" admin)" api="http://127.0.0.1:$2/api/tracker"
  curl -fs -H "$auth" "$api/source.json?template=propellerads&currency=eur" >/dev/null
  curl -fs -H "$auth" "$api/flow.json?flow=bench&source=1" >/dev/null
}

# token_of DB USER: a new API token of USER (only its hash is stored, so
# it is rotated with the CLI, which a running server sees at once).
token_of() { "$BIN" --db "$1" user token "$2" | tail -1; }

# rate: requests per second from wrk's output on stdin.
rate() { awk '/Requests\/sec/ {print $2}'; }

# serve_demo DB PORT: starts flowtrack on a demo database, prints the time
# from start to the first redirect of demo-fb, and sets TOKEN (the demo
# user's), FROM and TO (the last 30 days) for `t` and `t3`.
serve_demo() {
  local start
  start=$(date +%s%N)
  "$BIN" --db "$1" --listen "127.0.0.1:$2" serve >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  trap stop_server EXIT
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/demo-fb" 2>/dev/null)" = 302 ]; do sleep 0.002; done
  echo "start to first redirect: $(( ($(date +%s%N) - start) / 1000000 )) ms"
  TOKEN=$(token_of "$1" demo)
  FROM=$(date -u -d '29 days ago' +%F); TO=$(date -u +%F)
}

# t CALL: seconds one API call of the demo user takes; t3: the best of
# three (the first run of a query warms SQLite's cache).
t() { curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/tracker/$1&id=$TOKEN"; }
t3() { for _ in 1 2 3; do t "$1"; echo; done | sort -n | head -1; }
# ms SECONDS: whole milliseconds.
ms() { awk -v x="$1" 'BEGIN{printf "%.0f", x*1000}'; }
