"""The OpenID Connect example (examples/oidc) end to end with the official
Python SDK's OAuth client (`mcp` 2.3.0, OAuthClientProvider), against a local
stand-in OpenID provider that this script starts on 127.0.0.1, with an ES256
key it generates at start (`cryptography`).

Usage: python oidc_py.py PATH/TO/target/debug/examples/oidc

The stand-in serves discovery, a JWKS, authorize (signed in through a session
cookie), token (PKCE S256, client secret; an ID token carrying the nonce it
was sent) and userinfo. The script plays the user's browser at every step the
SDK hands it: our consent screen, the provider, our callback (with the
sign-in cookie), /authorize (with the session cookie). The SDK does the rest:
discovery, DCR, PKCE, state and iss checks, token exchange, tool calls.

Checks (each failure exits non-zero):
  1. alice (@example.com allowed, e-mail verified): whoami and userinfo answer as her.
  2. the provider rotates its key; bob (named) signs in: one more JWKS fetch.
  3. carol's e-mail is not verified: a 403 page saying so, no session, no token.
  4. an ID token with another sign-in's nonce: a 502 page with the reason; no token.
  5. the provider's tokens never reach the client; the provider never sees ours.
"""

import base64
import hashlib
import html.parser
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

import anyio
import httpx2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT = "http://localhost:33418/callback"
CLIENT_ID = "python-oidc-client"
CLIENT_SECRET = "python-oidc-secret-0123456789"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    return b64(hashlib.sha256(verifier.encode()).digest())


class Key:
    """A fresh P-256 key and its JWK."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = ec.generate_private_key(ec.SECP256R1())
        n = self.private.public_key().public_numbers()
        self.jwk = {"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                    "x": b64(n.x.to_bytes(32, "big")), "y": b64(n.y.to_bytes(32, "big"))}

    def sign(self, claims: dict) -> str:
        signed = b64(json.dumps({"alg": "ES256", "typ": "JWT", "kid": self.kid}).encode()) + "." + \
            b64(json.dumps(claims).encode())
        r, s = decode_dss_signature(self.private.sign(signed.encode(), ec.ECDSA(hashes.SHA256())))
        return signed + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class OpState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.base = ""
        self.callback = ""
        self.key = Key("ec-1")
        self.users = {
            "alice": {"sub": "a-2001", "email": "alice@example.com", "email_verified": True, "name": "Alice"},
            "bob": {"sub": "b-2002", "email": "bob@corp.example", "email_verified": True, "name": "Bob"},
            "carol": {"sub": "c-2003", "email": "carol@example.com", "email_verified": False, "name": "Carol"},
        }
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}
        self.wrong_nonce = False
        self.seen: list[dict] = []


OP = OpState()


class OpHandler(http.server.BaseHTTPRequestHandler):
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
        with OP.lock:
            OP.seen.append({"method": "GET", "path": url.path, "headers": dict(self.headers)})
        if url.path == "/.well-known/openid-configuration":
            b = OP.base
            return self.send(200, {"issuer": b, "authorization_endpoint": b + "/authorize", "token_endpoint": b + "/token",
                                   "jwks_uri": b + "/jwks", "userinfo_endpoint": b + "/userinfo",
                                   "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["ES256"]})
        if url.path == "/jwks":
            return self.send(200, {"keys": [OP.key.jwk]})
        if url.path == "/authorize":
            ok = q.get("client_id") == CLIENT_ID and q.get("redirect_uri") == OP.callback and q.get("response_type") == "code" \
                and "openid" in q.get("scope", "").split() and q.get("code_challenge_method") == "S256" and q.get("nonce")
            if not ok:
                return self.send(400, b"<h1>Bad authorization request</h1>", content_type="text/html")
            cookies = dict(c.strip().split("=", 1) for c in self.headers.get("Cookie", "").split(";") if "=" in c)
            user = cookies.get("op_session")
            if user not in OP.users:
                return self.send(200, b"<h1>Sign in</h1>", content_type="text/html")
            code = secrets.token_hex(10)
            with OP.lock:
                OP.codes[code] = {"user": user, "challenge": q["code_challenge"], "nonce": q["nonce"]}
            location = OP.callback + "?" + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
            return self.send(302, b"", {"Location": location}, content_type="text/plain")
        if url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            with OP.lock:
                user = OP.tokens.get(token)
            if user is None:
                return self.send(401, {"error": "invalid_token"})
            return self.send(200, OP.users[user])
        self.send(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        with OP.lock:
            OP.seen.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "form": form})
        if self.path != "/token":
            return self.send(404, {"error": "not_found"})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self.send(401, {"error": "invalid_client"})
        with OP.lock:
            grant = OP.codes.pop(form.get("code", ""), None)
        if grant is None or s256(form.get("code_verifier", "")) != grant["challenge"] or form.get("redirect_uri") != OP.callback:
            return self.send(400, {"error": "invalid_grant"})
        user = OP.users[grant["user"]]
        now = int(time.time())
        nonce = "a-nonce-from-another-sign-in" if OP.wrong_nonce else grant["nonce"]
        claims = dict(user, iss=OP.base, aud=CLIENT_ID, iat=now, exp=now + 300, nonce=nonce)
        access = "op_at_" + secrets.token_urlsafe(18)
        with OP.lock:
            OP.tokens[access] = grant["user"]
        self.send(200, {"access_token": access, "token_type": "Bearer", "expires_in": 3600, "id_token": OP.key.sign(claims)})


def start_op() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OpHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    OP.base = f"http://127.0.0.1:{server.server_address[1]}"
    return OP.base


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_example(binary: str, issuer: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    OP.callback = origin + "/auth/oidc/callback"
    env = dict(os.environ, PORT=str(port), PUBLIC_URL=origin, OIDC_ISSUER=issuer, OIDC_CLIENT_ID=CLIENT_ID,
               OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_ALLOWED="@example.com, bob@corp.example")
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
    sys.exit("oidc_py: the example did not start: " + log.read().decode())


class HiddenFields(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""


class NoCookies(http.cookiejar.CookieJar):
    def __init__(self) -> None:
        super().__init__(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def cookie_pair(response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return header.split(";", 1)[0]
    raise AssertionError(f"no Set-Cookie {name}: {response.headers}")


class Browser:
    """Plays one user's browser through our consent screen, the provider and back."""

    def __init__(self, origin: str, user: str) -> None:
        self.origin, self.user = origin, user
        self.result: AuthorizationCodeResult | None = None
        self.refused: str | None = None

    async def redirect_handler(self, authorize_url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False, timeout=10, cookies=NoCookies()) as http:
            page = await http.get(authorize_url)
            assert page.status_code == 200, f"GET /authorize: {page.status_code} {page.text[:300]}"
            assert "Next you sign in with <strong>127.0.0.1:" in page.text, page.text
            form = HiddenFields()
            form.feed(page.text)
            to_op = await http.post(self.origin + "/authorize", data=dict(form.fields, action="allow"),
                                    headers={"Cookie": cookie_pair(page, "mcp_consent"), "Origin": self.origin})
            assert to_op.status_code == 302, f"POST /authorize: {to_op.status_code} {to_op.text[:300]}"
            signin = cookie_pair(to_op, "mcp_signin")
            from_op = await http.get(to_op.headers["location"], headers={"Cookie": f"op_session={self.user}"})
            assert from_op.status_code == 302, from_op.text
            back = await http.get(from_op.headers["location"], headers={"Cookie": signin})
            if back.status_code != 302:
                self.refused = f"callback {back.status_code}: {back.text}"
                assert all(not c.startswith("mcp_session=") for c in back.headers.get_list("set-cookie"))
                return
            done = await http.get(self.origin + back.headers["location"], headers={"Cookie": cookie_pair(back, "mcp_session")})
            assert done.status_code == 302, f"GET /authorize with session: {done.status_code} {done.text[:300]}"
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(done.headers["location"]).query)
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


async def session(url: str, browser: Browser):
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(client_name=f"oidc-py-{browser.user}", redirect_uris=[REDIRECT],
                                            grant_types=["authorization_code", "refresh_token"],
                                            response_types=["code"], token_endpoint_auth_method="none"),
        storage=storage, redirect_handler=browser.redirect_handler, callback_handler=browser.callback_handler,
    )
    async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            who = texts(await client.call_tool("whoami", {}))
            info = await client.call_tool("userinfo", {})
            return storage, who, info


async def refused(url: str, origin: str, user: str) -> str:
    browser = Browser(origin, user)
    try:
        await session(url, browser)
    except Exception:  # the SDK fails the connection (an ExceptionGroup under anyio)
        pass
    else:
        raise AssertionError(f"{user} got a session")
    assert browser.result is None and browser.refused is not None
    return browser.refused


async def main(binary: str) -> None:
    issuer = start_op()
    proc, origin = start_example(binary, issuer)
    url = origin + "/mcp"
    try:
        storage, who, info = await session(url, Browser(origin, "alice"))
        assert who == "You are Alice <alice@example.com> (verified), subject a-2001.", who
        assert info.structured_content["sub"] == "a-2001", info
        assert storage.tokens.access_token.startswith("mcp_at."), "our token, not the provider's"
        print("ok   alice signs in through the OpenID provider; whoami and userinfo answer as her")

        jwks_before = sum(1 for s in OP.seen if s["path"] == "/jwks")
        OP.key = Key("ec-2")
        _, who, _ = await session(url, Browser(origin, "bob"))
        assert who.endswith("subject b-2002."), who
        assert sum(1 for s in OP.seen if s["path"] == "/jwks") == jwks_before + 1
        print("ok   the provider rotates its key; bob signs in after one more JWKS fetch")

        why = await refused(url, origin, "carol")
        assert why.startswith("callback 403:") and "carol@example.com is not verified" in why, why
        assert "error=access_denied" in why, why
        print("ok   carol (e-mail not verified) gets a 403 page with the reason and no token")

        OP.wrong_nonce = True
        why = await refused(url, origin, "alice")
        OP.wrong_nonce = False
        assert why.startswith("callback 502:") and "its nonce does not match this one" in why, why
        print("ok   an ID token with another sign-in's nonce gets a 502 page with the reason and no token")

        assert "mcp_at." not in json.dumps(OP.seen), "the provider saw one of our tokens"
        assert "op_at_" not in storage.tokens.model_dump_json()
        print("ok   the provider's tokens stay on the server; it never sees ours")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("oidc python sdk e2e: ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: oidc_py.py PATH/TO/examples/oidc")
    anyio.run(main, sys.argv[1])
