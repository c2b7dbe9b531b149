"""Tokens survive a restart: a process-level test with the real example binary.

Usage: python restart.py PATH_TO_QUICKSTART_BINARY

1. Start examples/quickstart with MCP_SIGNING_KEY=K and a password; get a grant
   through the real flow (DCR with client_secret_basic, login form, PKCE, token).
2. Kill the process (SIGKILL: nothing is saved on the way out) and start a new
   one with the same key on the same port.
3. The old access token still calls the tool; the old refresh token, presented
   with the old client id and secret, still refreshes (so the client registration
   survived too); the rotated access token works.
4. Kill it again and start with ANOTHER key: the old access token gets 401
   invalid_token and the refresh gets 401 invalid_client (claude.ai then
   registers again, which is the documented recovery).
Exits non-zero on any failure.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oauth_get_token import basic_auth, get_grant, http  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, port, key, password):
    env = dict(os.environ, PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}",
               MCP_SIGNING_KEY=key, ADMIN_PASSWORD=password)
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            if http("GET", f"http://127.0.0.1:{port}/health")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    sys.exit("restart.py: the server did not start")


def call_tool(mcp_url, access_token):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "my_tool", "arguments": {"query": "restart"}}}).encode()
    status, headers, answer = http("POST", mcp_url, body, {"Content-Type": "application/json",
                                                           "Authorization": "Bearer " + access_token})
    return status, headers, answer


def refresh(token_endpoint, mcp_url, client, refresh_token):
    form = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": refresh_token,
                                   "resource": mcp_url}).encode()
    return http("POST", token_endpoint, form, {"Content-Type": "application/x-www-form-urlencoded",
                                               "Authorization": basic_auth(client)})


def main(binary):
    port = free_port()
    mcp_url = f"http://127.0.0.1:{port}/mcp"
    key, password = secrets.token_urlsafe(32), secrets.token_urlsafe(12)

    proc = start(binary, port, key, password)
    tokens, client, token_endpoint = get_grant(mcp_url, password)
    status, _, answer = call_tool(mcp_url, tokens["access_token"])
    assert status == 200 and b"Result for: restart" in answer, (status, answer)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    proc = start(binary, port, key, password)
    try:
        status, _, answer = call_tool(mcp_url, tokens["access_token"])
        assert status == 200 and b"Result for: restart" in answer, ("old access token after restart", status, answer)
        status, _, body = refresh(token_endpoint, mcp_url, client, tokens["refresh_token"])
        assert status == 200, ("old refresh token and client after restart", status, body)
        rotated = json.loads(body)
        assert rotated["refresh_token"] != tokens["refresh_token"], "the refresh token did not rotate"
        status, _, answer = call_tool(mcp_url, rotated["access_token"])
        assert status == 200 and b"Result for: restart" in answer, ("rotated access token", status, answer)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    proc = start(binary, port, secrets.token_urlsafe(32), password)
    try:
        status, headers, _ = call_tool(mcp_url, rotated["access_token"])
        assert status == 401 and 'error="invalid_token"' in headers.get("WWW-Authenticate", ""), (status, headers)
        status, _, body = refresh(token_endpoint, mcp_url, client, rotated["refresh_token"])
        assert status == 401 and json.loads(body)["error"] == "invalid_client", (status, body)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    print("restart: tokens and the client registration survived a kill -9 with the same key; another key accepts none")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: restart.py PATH_TO_QUICKSTART_BINARY")
    main(sys.argv[1])
