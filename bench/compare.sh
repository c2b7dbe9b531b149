#!/usr/bin/env bash
# Our server against the official Rust SDK (rmcp + axum) in the same run:
# builds both in release, then bench/compare.py drives them with wrk in
# alternating rounds, times cold starts, prints the ratios and writes
# bench/results/compare-latest.json. See docs/PERFORMANCE.md.
#
#   bash bench/compare.sh                         # 5 rounds of 5 s, 20 launches (~6 min)
#   ROUNDS=1 DURATION=2 LAUNCHES=5 bash bench/compare.sh   # a quick look
#
# Needs: wrk (Debian: apt-get install -y wrk), python3, cargo; the first
# build of the rmcp peer (bench/rmcp-peer, its own Cargo project) downloads
# and compiles about 100 crates. Loopback only. Respects CARGO_TARGET_DIR for
# our side; the peer always builds in bench/rmcp-peer/target.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
echo "== release build: our bench servers, then the rmcp peer" >&2
(cd "$here" && cargo build --release --quiet --bins)
(cd "$here/rmcp-peer" && CARGO_TARGET_DIR="$here/rmcp-peer/target" cargo build --release --quiet)
BIN=${CARGO_TARGET_DIR:-$here/target}/release \
PEER=$here/rmcp-peer/target/release/rmcp-peer \
  exec python3 "$here/compare.py"
