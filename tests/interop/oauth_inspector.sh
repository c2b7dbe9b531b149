#!/usr/bin/env bash
# The MCP Inspector CLI (@modelcontextprotocol/inspector 2.12.0) calling a tool
# on a password-protected server with a token obtained by oauth_get_token.py
# (DCR with client_secret_basic, the login form, PKCE, the token endpoint).
#
# Usage: tests/interop/oauth_inspector.sh http://HOST:PORT/mcp [ADMIN_PASSWORD]
#        (the password may instead come from the ADMIN_PASSWORD environment variable)
# Expects examples/quickstart (tool `my_tool`). Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
url=${1:?usage: oauth_inspector.sh MCP_URL [ADMIN_PASSWORD]}
password=${2:-${ADMIN_PASSWORD:-}}
[ -n "$password" ] || { echo "oauth_inspector.sh: no admin password" >&2; exit 2; }
py="$here/venv/bin/python"
[ -x "$py" ] || py=python3
inspector=(node "$here/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js" --cli "$url")

# Without a token the Inspector must stop at the 401 (exit 3, auth_required).
set +e
"${inspector[@]}" --method tools/list </dev/null >/dev/null 2>&1
status=$?
set -e
[ "$status" -ne 0 ] || { echo "the Inspector got through without a token" >&2; exit 1; }

token=$("$py" "$here/oauth_get_token.py" "$url" "$password")

out=$("${inspector[@]}" --header "Authorization: Bearer $token" --method tools/list </dev/null)
echo "$out" | grep -q '"my_tool"' || { echo "tools/list: $out" >&2; exit 1; }

out=$("${inspector[@]}" --header "Authorization: Bearer $token" \
  --method tools/call --tool-name my_tool --tool-arg query=inspector </dev/null)
echo "$out" | grep -q 'Result for: inspector' || { echo "tools/call: $out" >&2; exit 1; }

# A tampered token is refused.
set +e
"${inspector[@]}" --header "Authorization: Bearer ${token}x" --method tools/list </dev/null >/dev/null 2>&1
status=$?
set -e
[ "$status" -ne 0 ] || { echo "the Inspector got through with a tampered token" >&2; exit 1; }
echo "mcp inspector oauth: ok (token from the login form, tools/list, tools/call)"
