#!/usr/bin/env bash
# The Dockerfile's build and run steps as plain commands, for machines without
# a Docker engine: build the example exactly as the image does
# (`cargo build --release --locked --example NAME`), start the binary the way
# the container does (HOST=0.0.0.0, PORT from the environment), and ask it for
# /health over a real socket.
#
#   bash tests/deploy/test_release_build.sh            # examples/quickstart.rs
#   EXAMPLE=github bash tests/deploy/test_release_build.sh
#   FEATURES=redis bash tests/deploy/test_release_build.sh   # as deploy.sh builds with a REDIS_URL
#
# Respects CARGO_TARGET_DIR. Last line: `release: N passed, M failed`; exits
# non-zero on any failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
example=${EXAMPLE:-quickstart}
features=${FEATURES:-}
target=${CARGO_TARGET_DIR:-$repo/target}
work=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || { kill "$pid"; wait "$pid"; } 2>/dev/null; rm -rf "$work"' EXIT

passed=0
failed=0
check() {
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   - $what"
  else
    failed=$((failed + 1))
    echo "FAIL - $what"
  fi
}

# Whether a socket listens on 0.0.0.0:$1: /proc/net/tcp lists address and
# port in hex, and state 0A is LISTEN.
listens_on_all_interfaces() {
  awk -v want="$(printf '00000000:%04X' "$1")" \
    '$2 == want && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp
}

finish() {
  echo "release: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

cd "$repo" || exit 1

# ── The Dockerfile's build step, run with /bin/sh as `docker build` runs it ──
# Its RUN instruction (the one after `ARG EXAMPLE=`) is taken from the
# Dockerfile itself and run against a stand-in cargo that only records which
# example it was asked for, to check how the example is chosen.
run_step=$(awk '/^ARG EXAMPLE=/ { arg = 1; next }
  arg && /^RUN / { sub(/^RUN /, ""); body = 1 }
  body { print; if (!/\\$/) exit }' Dockerfile)
check "the Dockerfile has a RUN step after ARG EXAMPLE=" test -n "$run_step"
mkdir -p "$work/fakebin"
cat >"$work/fakebin/cargo" <<'FAKE'
#!/bin/sh
# Stand-in cargo: "builds" the example named after --example, and writes the
# --features it was given (or "(none)") next to it.
features="(none)"
while [ $# -gt 0 ]; do
  if [ "$1" = --example ]; then name=$2; fi
  if [ "$1" = --features ]; then features=$2; fi
  shift
done
mkdir -p target/release/examples && echo "$name" >"target/release/examples/$name"
echo "$features" >"target/release/examples/$name.features"
FAKE
chmod +x "$work/fakebin/cargo"
# build_step EXAMPLE_ARG [CONTENT_OF_.deploy-example]: prints the example built.
build_step() {
  local ctx=$work/ctx
  rm -rf "$ctx" "$work/built"
  mkdir -p "$ctx"
  if [ $# -ge 2 ]; then printf '%s\n' "$2" >"$ctx/.deploy-example"; fi
  (cd "$ctx" && EXAMPLE=$1 PATH="$work/fakebin:$PATH" sh -c "${run_step//\/remote-mcp/$work/built}") >/dev/null 2>&1 &&
    cat "$work/built"
}
check "no build arg, no file: quickstart" test "$(build_step "")" = quickstart
check "no build arg, deploy.sh's file says github: github" test "$(build_step "" github)" = github
check "build arg polymarket wins over the file" test "$(build_step polymarket github)" = polymarket
check "a name that is not a file name fails the build" test -z "$(build_step "../../etc/passwd")"
# features_step FEATURES_ARG [CONTENT_OF_.deploy-features]: prints the
# --features the build step passed to cargo ("(none)" for none).
features_step() {
  local ctx=$work/ctx
  rm -rf "$ctx" "$work/built"
  mkdir -p "$ctx"
  if [ $# -ge 2 ]; then printf '%s\n' "$2" >"$ctx/.deploy-features"; fi
  (cd "$ctx" && EXAMPLE=quickstart FEATURES=$1 PATH="$work/fakebin:$PATH" sh -c "${run_step//\/remote-mcp/$work/built}") >/dev/null 2>&1 &&
    cat "$ctx/target/release/examples/quickstart.features"
}
check "no FEATURES, no file: no --features" test "$(features_step "")" = "(none)"
check "deploy.sh's file says redis: --features redis" test "$(features_step "" redis)" = redis
check "build arg FEATURES=redis: --features redis" test "$(features_step redis)" = redis
check "a FEATURES value that is not a feature list fails the build" test -z "$(features_step 'redis;rm -rf /')"

# ── The real build and run ──
check "Cargo.lock exists (the Dockerfile builds with --locked)" test -f Cargo.lock
check "examples/$example.rs exists" test -f "examples/$example.rs"
if ! [ -f Cargo.lock ] || ! [ -f "examples/$example.rs" ]; then finish; fi

# The Dockerfile's RUN step, verbatim apart from where the binary goes.
rc=0
cargo build --release --locked --example "$example" ${features:+--features "$features"} >"$work/build.log" 2>&1 || rc=$?
check "cargo build --release --locked --example $example${features:+ --features $features}" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { tail -n 30 "$work/build.log"; finish; }
binary=$target/release/examples/$example
check "the release binary exists" test -x "$binary"

# A free port, as the container would be handed one in $PORT.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The image's environment: HOST=0.0.0.0 (Dockerfile ENV) and PORT (Cloud Run).
HOST=0.0.0.0 PORT=$port "$binary" >"$work/server.log" 2>&1 &
pid=$!

status=000
for _ in $(seq 1 100); do
  status=$(curl -s -o "$work/health.json" -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/health") || status=000
  [ "$status" = 000 ] || break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
check "GET /health on the port from \$PORT answers 200" test "$status" = 200
check "/health says ok" grep -q '"ok"' "$work/health.json"
# The container contract (listen on 0.0.0.0, not only loopback), checked
# without sending traffic anywhere but loopback.
listening=no
if listens_on_all_interfaces "$port"; then listening=yes; fi
check "it listens on 0.0.0.0:$port (HOST honoured)" test "$listening" = yes
if [ "$failed" -ne 0 ]; then
  echo "--- server log"
  cat "$work/server.log"
fi
finish
