#!/usr/bin/env bash
# Fuzzes every parser that reads network bytes, each for a bounded time: what
# CI runs. A crash fails the script and leaves the input in
# fuzz/artifacts/TARGET/; turn it into a test in tests/regression.rs.
#
#   bash fuzz/run.sh                 # every target, FUZZ_SECONDS (20) each
#   FUZZ_SECONDS=300 bash fuzz/run.sh jsonrpc
#
# Needs cargo-fuzz (installed here from crates.io if missing) and a nightly
# compiler for its -Z flags: `cargo +nightly` when rustup has a nightly,
# otherwise the stable compiler with RUSTC_BOOTSTRAP=1. Builds take a few
# minutes the first time (every dependency is instrumented); the runs then
# take FUZZ_SECONDS per target. Respects CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-20}

if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <("${fuzz[@]}" list)
fi

echo "== build (instrumented)"
for target in "${targets[@]}"; do
  "${fuzz[@]}" build "$target"
done
for target in "${targets[@]}"; do
  # New inputs go to a scratch directory (libFuzzer writes to the first
  # one), so the committed corpus changes only when someone minimizes it:
  #   cargo fuzz cmin TARGET corpus/TARGET
  scratch=$(mktemp -d)
  echo "== fuzz $target for ${seconds}s"
  set +e
  "${fuzz[@]}" run "$target" "$scratch" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$scratch.log" 2>&1
  status=$?
  set -e
  grep -E 'stat::number_of_executed_units|Done [0-9]+ runs|ERROR|panicked|SUMMARY|Test unit written|^thread' "$scratch.log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$scratch.log" >&2
    echo "fuzz: $target FAILED (exit $status); the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  rm -rf "$scratch" "$scratch.log"
done
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
