#!/usr/bin/env bash
# Postbacks of one user while another runs heavy reads (docs/API.md "Reports
# under load"): READERS connections ask the demo user's clicks.json for
# 10,000 clicks far into its log (SQLite walks every click before them)
# while two connections send the admin's postbacks, each a new lead, one
# after another. Prints how the postbacks were answered (success rate),
# their latency percentiles, how many leads were stored, and how the reads
# were answered (`busy`: over the user's report slots).
# Usage: bench/fairness.sh [clicks] [seconds] [readers]
source "$(dirname "$0")/lib.sh"
need wrk; need sqlite3
N=${1:-3000000}; SECS=${2:-20}; READERS=${3:-16}; PORT=${PORT:-18184}
build
DB="${BENCH_DB:-$OUT/fairness-$N.db}"
if [ ! -f "$DB" ]; then
  "$BIN" --db "$DB" demo --clicks "$N" --days 30 >/dev/null
fi
start_server "$DB" "$PORT"
trap stop_server EXIT
bench_flow "$DB" "$PORT"
ADMIN_LEADS="SELECT count(*) FROM leads WHERE user_id = (SELECT id FROM users WHERE name = 'admin')"
BEFORE=$(sqlite3 "$DB" "$ADMIN_LEADS")
OFFSET=$(( N * 5 / 6 ))
URL="http://127.0.0.1:$PORT"
wrk -t2 -c"$READERS" -d"$((SECS + 4))s" --timeout 60s --latency -s "$ROOT/bench/answers.lua" \
  "$URL/api/tracker/clicks.json?id=$(token_of "$DB" demo)&offset=$OFFSET&limit=10000" >"$OUT/fairness-reads.txt" &
READ_PID=$!
# Let every reader reach the server first.
sleep 2
TOKEN=$(token_of "$DB" admin) MODE=postback wrk -t1 -c2 -d"${SECS}s" --timeout 30s --latency \
  -s "$ROOT/bench/answers.lua" "$URL" >"$OUT/fairness-postbacks.txt"
wait "$READ_PID"
# wrk counts the postbacks still unanswered when it stops as sent:
# compare the stored leads with the `ok` answers.
AFTER=$(sqlite3 "$DB" "$ADMIN_LEADS")
OK=$(grep -o "ok=[0-9]*" "$OUT/fairness-postbacks.txt" | cut -d= -f2 || true)
SENT=$(awk '/requests in/ {print $1}' "$OUT/fairness-postbacks.txt")
echo "postbacks during $READERS heavy readers ($N clicks, offset $OFFSET):"
grep -E '^(answers|latency)' "$OUT/fairness-postbacks.txt" | sed 's/^/  /'
echo "  success: $(awk -v o="${OK:-0}" -v s="$SENT" 'BEGIN {printf "%.2f %% of %d", 100 * o / s, s}'), leads stored: $((AFTER - BEFORE))"
echo "heavy reads (demo user):"
grep -E '^(answers|latency)' "$OUT/fairness-reads.txt" | sed 's/^/  /'
