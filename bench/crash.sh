#!/usr/bin/env bash
# The long crash run of issue 7: 20 SIGKILLs under click load, each
# followed by a restart and a check that every click answered more than
# 50 ms before the kill is stored and integrity_check is ok.
# Usage: bench/crash.sh [kills]
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWTRACK_CRASH_KILLS=${1:-20} cargo test --release --test it -- --exact crash::answered_clicks_survive_sigkill_and_the_file_stays_intact --nocapture 2>&1 | grep -E "kills survived|test result|panicked|lost"
