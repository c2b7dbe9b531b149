#!/usr/bin/env bash
# The whole test suite, as the README gives it and CI runs it:
#   1. the lints CI holds us to (fmt, clippy, rustdoc),
#   2. the Rust tests (unit, integration over real sockets, doc tests),
#   3. real clients against real servers: the official conformance suite, the
#      official Python and TypeScript SDKs and the MCP Inspector (tests/interop/).
#   4. mcp-doctor against servers built with the TypeScript SDK (tests/interop/doctor_sdk.sh);
#      against our examples and a stand-in server it runs in `cargo test` (tests/doctor.rs).
# It installs the pinned interop tools itself on first run (about 30 s).
# It needs shellcheck, redis-server and chromium, and installs them with apt-get when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s ===\n' "$*"; }

# Debian packages the tests need: shellcheck (deploy script checks),
# redis-server (the Redis store backend is tested against a real server),
# openssl (test certificates; mcp-doctor's TLS failure is tested against
# `openssl s_server`) and chromium with a font (the sign-in pages are tested
# in a real browser).
missing=()
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v openssl >/dev/null || missing+=(openssl) # RS256 keys of the stand-in OpenID provider
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    step "installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "tests/run.sh: please install ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

step "format";  cargo fmt --check
step "clippy";  cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --all-targets --all-features --quiet -- -D warnings
step "rustdoc"; RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features --quiet
step "deploy.sh"; shellcheck deploy.sh tests/deploy/*.sh tests/deploy/bin/* && bash tests/deploy/test_deploy.sh
step "release build"; bash tests/deploy/test_release_build.sh
step "interop tools"; tests/interop/install.sh
step "interop";  tests/interop/run.sh
step "mcp-doctor against servers built with the TypeScript SDK"; bash tests/interop/doctor_sdk.sh
step "release build (redis)"; FEATURES=redis bash tests/deploy/test_release_build.sh
step "package (what crates.io would get)"; bash tests/package.sh
step "redis (cargo test --features redis against a real redis-server)"; bash tests/redis/run.sh
step "cargo test"; cargo test
step "schemas from types (cargo test --features schemars)"; cargo test --features schemars --test mcp_schemars --quiet && cargo test --features schemars --doc --quiet
