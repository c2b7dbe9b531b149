"""The GitHub example (per-user upstream OAuth) end to end with the official
Python SDK's OAuth client (`mcp` 2.3.0, OAuthClientProvider), against a local
stand-in for GitHub that this script starts on 127.0.0.1.

Usage: python github_py.py PATH/TO/target/debug/examples/github

The script starts the stand-in GitHub, then the example server pointed at it
(GITHUB_OAUTH_URL, GITHUB_API_URL, GITHUB_ALLOWED_USERS=alice,bob), and plays
the user's browser at every step the SDK hands it: our consent screen (hidden
fields, Allow), the redirect to "GitHub" (signed in there as alice, bob or
mallory through the stand-in's session cookie), GitHub's redirect to our
callback (with the sign-in cookie our server set), our redirect back to
/authorize (with the session cookie), and the final 302 with our code. The SDK
does everything else itself: discovery, DCR, PKCE, state and iss checks, the
token exchange.

Checks (each failure exits non-zero):
  1. alice: whoami, list_my_repos (two pages via Link), get_starred return alice's data.
  2. bob, a second user with his own client: his own data; alice's session still hers.
  3. mallory, not on the allowlist: a 403 page at the callback, no session
     cookie, no code; the SDK gets no token.
  4. a forged upstream state is refused (400), then the real one completes.
  5. a replayed callback is refused (400) after the real one completed.
  6. a callback without the sign-in cookie is refused (400), then the real one completes.
  7. GitHub's token never reaches the client; our server never shows GitHub our token.
"""

import http.cookiejar
import http.server
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import base64
import hashlib
import html.parser

import anyio
import httpx2
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT = "http://localhost:33418/callback"
CLIENT_ID = "Ov23liPythonStandIn"
CLIENT_SECRET = "python-stand-in-secret-0123456789"


# ── The stand-in GitHub ─────────────────────────────────────────────────────

class GitHubState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.callback = ""
        self.base = ""
        self.users = {
            "alice": {"id": 2001, "name": "Alice", "repos": 130, "starred": 2},
            "bob": {"id": 2002, "name": "Bob", "repos": 1, "starred": 0},
            "mallory": {"id": 2003, "name": "Mallory", "repos": 0, "starred": 0},
        }
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}
        self.seen: list[dict] = []


GH = GitHubState()


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class GitHubHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def send(self, status: int, body, headers: dict | None = None, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        with GH.lock:
            GH.seen.append({"method": "GET", "path": url.path, "headers": dict(self.headers)})
        if url.path == "/login/oauth/authorize":
            return self.authorize(q)
        if url.path in ("/user", "/user/repos", "/user/starred"):
            return self.api(url.path, q)
        self.send(404, {"message": "Not Found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        with GH.lock:
            GH.seen.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "form": form})
        if self.path != "/login/oauth/access_token":
            return self.send(404, {"message": "Not Found"})
        error = lambda code: self.send(200, {"error": code, "error_description": code.replace("_", " ")})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return error("incorrect_client_credentials")
        with GH.lock:
            grant = GH.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return error("bad_verification_code")
        if s256(form.get("code_verifier", "")) != grant["challenge"]:
            return error("bad_verification_code")
        token = "gho_" + secrets.token_urlsafe(24)
        with GH.lock:
            GH.tokens[token] = grant["login"]
        self.send(200, {"access_token": token, "scope": "", "token_type": "bearer"})

    def authorize(self, q):
        if q.get("client_id") != CLIENT_ID or not q.get("redirect_uri", "").startswith(GH.callback):
            return self.send(404, b"<h1>Not found</h1>", content_type="text/html")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self.send(400, b"<h1>PKCE S256 expected</h1>", content_type="text/html")
        cookies = dict(c.strip().split("=", 1) for c in self.headers.get("Cookie", "").split(";") if "=" in c)
        login = cookies.get("user_session")
        if login not in GH.users:
            return self.send(200, b"<h1>Sign in to GitHub</h1>", content_type="text/html")
        code = secrets.token_hex(10)
        with GH.lock:
            GH.codes[code] = {"login": login, "challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"]}
        location = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        self.send(302, b"", {"Location": location}, content_type="text/plain")

    def api(self, path, q):
        if not self.headers.get("User-Agent"):
            return self.send(403, {"message": "User-Agent required"})
        if self.headers.get("X-GitHub-Api-Version", "2022-11-28") != "2022-11-28":
            return self.send(400, {"message": "Unsupported X-GitHub-Api-Version"})
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with GH.lock:
            login = GH.tokens.get(token)
        if login is None:
            return self.send(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
        user = GH.users[login]
        if path == "/user":
            return self.send(200, {"login": login, "id": user["id"], "name": user["name"],
                                   "html_url": f"https://github.com/{login}", "public_repos": user["repos"], "followers": 3})
        if path == "/user/repos":
            items = [{"full_name": f"{login}/repo-{i:03}", "private": False, "description": None,
                      "stargazers_count": i, "language": None, "html_url": f"https://github.com/{login}/repo-{i:03}"}
                     for i in range(1, user["repos"] + 1)]
        else:
            items = [{"full_name": f"octo-org/star-{i}", "private": False, "description": "starred",
                      "stargazers_count": 100 + i, "language": "Go", "html_url": f"https://github.com/octo-org/star-{i}"}
                     for i in range(1, user["starred"] + 1)]
        per_page = min(int(q.get("per_page", "30")), 100)
        page = max(int(q.get("page", "1")), 1)
        last = max(1, -(-len(items) // per_page))
        headers = {}
        if page < last:
            nq = dict(q, page=str(page + 1))
            headers["Link"] = f'<{GH.base}{path}?{urllib.parse.urlencode(nq)}>; rel="next", ' \
                              f'<{GH.base}{path}?{urllib.parse.urlencode(dict(q, page=str(last)))}>; rel="last"'
        self.send(200, items[(page - 1) * per_page: page * per_page], headers)


def start_github() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GitHubHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    GH.base = f"http://127.0.0.1:{server.server_address[1]}"
    return GH.base


# ── The example server ──────────────────────────────────────────────────────

def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_example(binary: str, github_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PORT=str(port), PUBLIC_URL=origin, GITHUB_CLIENT_ID=CLIENT_ID,
               GITHUB_CLIENT_SECRET=CLIENT_SECRET, GITHUB_ALLOWED_USERS="alice,bob",
               GITHUB_OAUTH_URL=github_url, GITHUB_API_URL=github_url)
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(100):
        try:
            urllib.request.urlopen(origin + "/health", timeout=1)
            return proc, origin
        except OSError:
            time.sleep(0.1)
    proc.kill()
    log.seek(0)
    sys.exit("github_py: the example did not start: " + log.read().decode())


# ── The browser ─────────────────────────────────────────────────────────────

class HiddenFields(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""


class NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing."""

    def __init__(self) -> None:
        super().__init__(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def cookie_pair(response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return header.split(";", 1)[0]
    raise AssertionError(f"no Set-Cookie {name}: {response.headers}")


class Browser:
    """Plays one user's browser through our consent screen, the stand-in GitHub and back.
    `attack` adds one refused attempt on the way: "forged_state", "no_cookie" or "replay"."""

    def __init__(self, origin: str, login: str, attack: str | None = None) -> None:
        self.origin, self.login, self.attack = origin, login, attack
        self.result: AuthorizationCodeResult | None = None
        self.refused: str | None = None

    async def redirect_handler(self, authorize_url: str) -> None:
        # Cookies are carried by hand, exactly as asserted: the client's own
        # cookie jar is disabled so that "no cookie" really means none.
        async with httpx2.AsyncClient(follow_redirects=False, timeout=10, cookies=NoCookies()) as http:
            # C → S  GET /authorize: our consent screen names the client and its redirect host.
            page = await http.get(authorize_url)
            assert page.status_code == 200, f"GET /authorize: {page.status_code} {page.text[:300]}"
            assert "github-py-" in page.text and "returns to <strong>localhost:" in page.text, page.text
            form = HiddenFields()
            form.feed(page.text)
            consent = cookie_pair(page, "mcp_consent")
            # C → S  POST /authorize (Allow, with the form's cookie) → 302 to GitHub + sign-in cookie.
            to_github = await http.post(self.origin + "/authorize", data=dict(form.fields, action="allow"),
                                        headers={"Cookie": consent, "Origin": self.origin})
            assert to_github.status_code == 302, f"POST /authorize: {to_github.status_code} {to_github.text[:300]}"
            github_authorize = to_github.headers["location"]
            assert github_authorize.startswith(GH.base + "/login/oauth/authorize?"), github_authorize
            signin = cookie_pair(to_github, "mcp_signin")
            # C → I  the stand-in GitHub, signed in as self.login → 302 to our callback.
            from_github = await http.get(github_authorize, headers={"Cookie": f"user_session={self.login}"})
            assert from_github.status_code == 302, from_github.text
            callback = from_github.headers["location"]
            assert callback.startswith(self.origin + "/auth/github/callback?"), callback

            if self.attack == "forged_state":
                q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
                forged = self.origin + "/auth/github/callback?" + urllib.parse.urlencode(dict(q, state=secrets.token_urlsafe(32)))
                r = await http.get(forged, headers={"Cookie": signin})
                assert r.status_code == 400 and "does not belong to the sign-in this browser started" in r.text, r.text
                self.refused = "forged state"
            if self.attack == "no_cookie":
                r = await http.get(callback)
                assert r.status_code == 400 and "did not start in this browser" in r.text, r.text
                self.refused = "no cookie"

            # C → S  the callback with the sign-in cookie → 302 /authorize + session cookie.
            back = await http.get(callback, headers={"Cookie": signin})
            if back.status_code != 302:
                self.refused = f"callback {back.status_code}: {back.text}"
                assert all(not c.startswith("mcp_session=") for c in back.headers.get_list("set-cookie"))
                return
            session = cookie_pair(back, "mcp_session")
            if self.attack == "replay":
                again = await http.get(callback, headers={"Cookie": signin})
                assert again.status_code == 400 and "expired or was already used" in again.text, again.text
                self.refused = "replay"
            # C → S  GET /authorize + session cookie → 302 redirect_uri?code.
            done = await http.get(self.origin + back.headers["location"], headers={"Cookie": session})
            assert done.status_code == 302, f"GET /authorize with session: {done.status_code} {done.text[:300]}"
            location = done.headers["location"]
            assert location.startswith(REDIRECT + "?"), location
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
            self.result = AuthorizationCodeResult(code=q["code"][0], state=q.get("state", [None])[0], iss=q.get("iss", [None])[0])

    async def callback_handler(self) -> AuthorizationCodeResult:
        if self.result is None:
            raise RuntimeError(f"no code: {self.refused}")
        return self.result


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


def texts(result) -> str:
    assert not result.is_error, result
    return "\n".join(c.text for c in result.content if c.type == "text")


async def session(url: str, origin: str, login: str, attack: str | None = None, browser: Browser | None = None):
    """Connects as `login`; returns (storage, browser, tool results) or raises."""
    storage = MemoryStorage()
    browser = browser or Browser(origin, login, attack)
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(client_name=f"github-py-{login}", redirect_uris=[REDIRECT],
                                            grant_types=["authorization_code", "refresh_token"],
                                            response_types=["code"], token_endpoint_auth_method="none"),
        storage=storage, redirect_handler=browser.redirect_handler, callback_handler=browser.callback_handler,
    )
    async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            who = texts(await client.call_tool("whoami", {}))
            repos = await client.call_tool("list_my_repos", {"limit": 500})
            starred = texts(await client.call_tool("get_starred", {}))
            return storage, browser, who, repos, starred


async def main(binary: str) -> None:
    github_url = start_github()
    proc, origin = start_example(binary, github_url)
    GH.callback = origin + "/auth/github/callback"
    url = origin + "/mcp"
    try:
        # 1. alice: her own data, two pages of repositories.
        storage, _, who, repos, starred = await session(url, origin, "alice")
        assert who.startswith("You are @alice on GitHub (Alice), user id 2001."), who
        assert repos.structured_content["more"] is False
        names = [r["full_name"] for r in repos.structured_content["repositories"]]
        assert names[0] == "alice/repo-001" and len(names) == 130, (names[:3], len(names))
        assert starred.startswith("Your 2 latest starred repositories:"), starred
        assert storage.tokens.access_token.startswith("mcp_at."), "our token, not GitHub's"
        assert storage.tokens.access_token not in GH.tokens and "gho_" not in storage.tokens.model_dump_json()
        page_two = [s for s in GH.seen if s["path"] == "/user/repos"]
        assert len(page_two) == 2, "Link pagination: two pages"
        print("ok   alice signs in with GitHub; tools return her own data (2 pages of repos)")

        # 2. bob: his own data.
        _, _, who, repos, starred = await session(url, origin, "bob")
        assert who.startswith("You are @bob on GitHub (Bob), user id 2002."), who
        assert [r["full_name"] for r in repos.structured_content["repositories"]] == ["bob/repo-001"]
        assert starred == "You have not starred any repository.", starred
        print("ok   bob gets his own data")

        # 3. mallory is not on the allowlist: no code, no token.
        mallory = Browser(origin, "mallory")
        try:
            await session(url, origin, "mallory", browser=mallory)
        except Exception:  # the SDK fails the connection (an ExceptionGroup under anyio)
            pass
        else:
            raise AssertionError("mallory got a session")
        assert mallory.result is None and mallory.refused is not None, mallory.refused
        assert mallory.refused.startswith("callback 403:"), mallory.refused
        assert "GitHub user mallory is not allowed to use this server." in mallory.refused, mallory.refused
        assert "error=access_denied" in mallory.refused, "the page links back to the client with the error"
        print("ok   mallory (not on the allowlist) gets a 403 page, no session and no token")

        # 4–6. Refused attacks along the way; the genuine callback then completes.
        for attack in ("forged_state", "replay", "no_cookie"):
            _, browser, who, _, _ = await session(url, origin, "alice", attack)
            assert browser.refused is not None and who.startswith("You are @alice"), (attack, browser.refused)
            print(f"ok   {attack.replace('_', ' ')}: refused with 400")

        # 7. No token passthrough, either way.
        gh_tokens = set(GH.tokens)
        our_seen = json.dumps(GH.seen)
        assert "mcp_at." not in our_seen, "GitHub saw one of our tokens"
        assert gh_tokens, "GitHub issued tokens"
        print("ok   GitHub's tokens stay on the server; GitHub never sees ours")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("github python sdk e2e: ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: github_py.py PATH/TO/examples/github")
    anyio.run(main, sys.argv[1])
