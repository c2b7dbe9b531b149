"""The official Python SDK's OAuth client (`mcp` 2.3.0, OAuthClientProvider)
against a password-protected server (examples/quickstart with ADMIN_PASSWORD).

Usage: python oauth_py.py http://HOST:PORT/mcp [ADMIN_PASSWORD]
       (the password may instead come from the ADMIN_PASSWORD environment variable)

The SDK does every OAuth step itself: the 401 challenge, protected resource
metadata, authorization server metadata, DCR (client_secret_post), PKCE S256,
state and iss checks, the token exchange and, later, the refresh. This script
only plays the browser at /authorize: GET the URL without following
redirects, fill the password form keeping its hidden fields, POST it, and take
the 302. Then initialize → tools/call (exact text) → force a refresh (stored
expiry in the past) → call again, asserting the refresh token rotated.
Exits non-zero on any failure.
"""

import html.parser
import os
import sys
import time
import urllib.parse

import anyio
import httpx2
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT = "http://localhost:33418/callback"


class MemoryStorage:
    """TokenStorage: remembers every refresh token it was given."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None
        self.refresh_tokens: list[str] = []

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        if tokens.refresh_token:
            self.refresh_tokens.append(tokens.refresh_token)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class HiddenFields(html.parser.HTMLParser):
    """Collects <input type="hidden" name value> from the login form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""


class Browser:
    """Plays the user's browser at /authorize."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.result: AuthorizationCodeResult | None = None

    async def redirect_handler(self, authorize_url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False, timeout=10) as http:
            page = await http.get(authorize_url)
            assert page.status_code == 200, f"GET /authorize: {page.status_code} {page.text[:300]}"
            assert "frame-ancestors 'none'" in page.headers.get("content-security-policy", "")
            form = HiddenFields()
            form.feed(page.text)
            assert "csrf" in form.fields and form.fields.get("code_challenge_method") == "S256", form.fields
            fields = dict(form.fields, password=self.password, action="allow")
            action = urllib.parse.urljoin(authorize_url, "/authorize")
            answer = await http.post(action, data=fields)
            assert answer.status_code == 302, f"POST /authorize: {answer.status_code} {answer.text[:300]}"
            location = answer.headers["location"]
            assert location.startswith(REDIRECT + "?"), location
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
            self.result = AuthorizationCodeResult(code=q["code"][0], state=q.get("state", [None])[0], iss=q.get("iss", [None])[0])

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None, "the redirect handler did not run"
        return self.result


async def call_tool(client: Client, query: str) -> None:
    result = await client.call_tool("my_tool", {"query": query})
    assert not result.is_error, result
    texts = [c.text for c in result.content if c.type == "text"]
    assert texts == [f"Result for: {query}"], texts


async def main(url: str, password: str) -> None:
    storage = MemoryStorage()
    browser = Browser(password)
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="python-sdk-interop",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="client_secret_post",
        ),
        storage=storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )
    async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            assert client.server_info is not None and client.server_info.name == "my-service", client.server_info
            info = storage.client
            assert info is not None and info.client_secret, "DCR issued a secret for client_secret_post"
            assert storage.tokens is not None and storage.tokens.refresh_token, "a refresh token is always issued"
            await call_tool(client, "from python")

            # Refresh: pretend the access token expired; the SDK must refresh before
            # the next request, and the server must rotate the refresh token.
            first_refresh = storage.tokens.refresh_token
            provider.context.token_expiry_time = time.time() - 60
            await call_tool(client, "after refresh")
            assert len(storage.refresh_tokens) >= 2, "the SDK refreshed"
            assert storage.tokens.refresh_token != first_refresh, "the refresh token rotated"
    print("python sdk oauth: ok (discovery, DCR, authorize, token, tools/call, refresh)")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: oauth_py.py MCP_URL [ADMIN_PASSWORD]")
    password = sys.argv[2] if len(sys.argv) == 3 else os.environ.get("ADMIN_PASSWORD", "")
    if not password:
        sys.exit("oauth_py.py: give the admin password as the 2nd argument or ADMIN_PASSWORD")
    anyio.run(main, sys.argv[1], password)
