#!/usr/bin/env bash
# The whole test suite, as the README gives it and CI runs it:
#   1. the lints CI holds us to (fmt, clippy, rustdoc),
#   2. the Rust tests (unit, integration over real sockets, doc tests),
#   3. real clients against real servers: the official conformance suite, the
#      official Python and TypeScript SDKs and the MCP Inspector (tests/interop/).
# It installs the pinned interop tools itself on first run (about 30 s).
# Needs shellcheck (Debian package `shellcheck`) for the deploy script checks.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s ===\n' "$*"; }

step "format";  cargo fmt --check
step "clippy";  cargo clippy --all-targets --quiet -- -D warnings
step "rustdoc"; RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
step "deploy.sh"; shellcheck deploy.sh tests/deploy/*.sh tests/deploy/bin/gcloud && bash tests/deploy/test_deploy.sh
step "release build"; bash tests/deploy/test_release_build.sh
step "interop tools"; tests/interop/install.sh
step "interop";  tests/interop/run.sh
step "cargo test"; cargo test
