#!/usr/bin/env bash
# Hostile-but-realistic load on loopback for a bounded time (default 120 s):
# metrics floods naming made-up flags and oversized instance ids, cache-missing
# filters, wrong-token guesses and 300 slow-header connections (round one);
# 60 parallel wrong sign-ins, valid tokens beside the wrong ones, two dead
# webhooks and a healthy one added late, 900 KB signals, an action loop,
# 1,500 idle connections, SSRF URL forms and projects past the cap (round two),
# against a release `flagstaff serve` on a fresh SQLite file. Prints RSS,
# database size, /health p99 and admin-write p99 over the first and the last
# 10 seconds, then what each attack got.
#
#   scripts/soak.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
cargo build --release --locked -p flagstaff --quiet
exec python3 scripts/soak.py target/release/flagstaff "$seconds"
