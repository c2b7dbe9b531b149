#!/usr/bin/env bash
# The Redis tests: starts a redis-server of its own on a free loopback port
# (no persistence), exports REDIS_TEST_URL, runs the test suite built with
# `--features redis` (the store contract against both backends, two server
# processes sharing one Redis, Redis outages), and stops the server again.
#
#   bash tests/redis/run.sh            # needs redis-server (Debian: apt-get install -y redis-server)
#   bash tests/redis/run.sh store_contract   # extra arguments go to `cargo test`
#
# Respects CARGO_TARGET_DIR. Exits with cargo's status.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "tests/redis/run.sh: redis-server is not installed (Debian: apt-get install -y redis-server)" >&2
  exit 1
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
stop() {
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap stop EXIT

for _ in $(seq 1 50); do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then break; fi
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null || { echo "redis-server did not start:" >&2; cat "$dir/redis.log" >&2; exit 1; }

export REDIS_TEST_URL="redis://127.0.0.1:$port"
echo "redis-server on 127.0.0.1:$port; REDIS_TEST_URL=$REDIS_TEST_URL"
cargo test --features redis "$@"
