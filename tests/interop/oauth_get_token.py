"""Obtains an access token from our authorization server the way a client and
its user's browser would, with nothing but the standard library (no OAuth
library, no redirect ever followed). Used by oauth_inspector.sh, which then
hands the token to the MCP Inspector CLI.

Usage: python oauth_get_token.py http://HOST:PORT/mcp [ADMIN_PASSWORD]
Prints the access token on stdout. Exits non-zero on any failure.

Steps: POST /mcp → 401 challenge → GET resource_metadata → GET AS metadata →
POST /register (client_secret_basic) → GET /authorize (form) → POST /authorize
(password + hidden fields) → 302 with code, state, iss → POST /token with
HTTP Basic and the PKCE verifier.
"""

import base64
import hashlib
import html.parser
import json
import os
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

REDIRECT = "http://127.0.0.1:6276/oauth/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Hidden(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""


def get_grant(mcp_url, password):
    """Runs the flow; returns (tokens, client, token_endpoint) where `tokens` is
    the token response and `client` the registration response."""
    status, headers, _ = http("POST", mcp_url, b"{}", {"Content-Type": "application/json"})
    assert status == 401, status
    metadata_url = re.search(r'resource_metadata="([^"]+)"', headers["WWW-Authenticate"]).group(1)
    prm = json.loads(http("GET", metadata_url)[2])
    assert prm["resource"] == mcp_url, prm
    issuer = prm["authorization_servers"][0]
    asm = json.loads(http("GET", issuer + "/.well-known/oauth-authorization-server")[2])
    assert asm["issuer"] == issuer and asm["code_challenge_methods_supported"] == ["S256"], asm

    reg_body = json.dumps({"client_name": "inspector-interop", "redirect_uris": [REDIRECT],
                           "token_endpoint_auth_method": "client_secret_basic"}).encode()
    status, _, body = http("POST", asm["registration_endpoint"], reg_body, {"Content-Type": "application/json"})
    assert status == 201, body
    client = json.loads(body)

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    query = urllib.parse.urlencode({"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT,
                                    "code_challenge": challenge, "code_challenge_method": "S256", "state": state,
                                    "resource": mcp_url, "scope": " ".join(prm["scopes_supported"])})
    status, page_headers, page = http("GET", asm["authorization_endpoint"] + "?" + query)
    assert status == 200, (status, page[:300])
    form = Hidden()
    form.feed(page.decode())
    form.fields.update(password=password, action="allow")
    # As a browser: the cookie the form page set (the CSRF token is bound to it).
    cookie = page_headers["Set-Cookie"].split(";")[0]
    status, headers, body = http("POST", asm["authorization_endpoint"], urllib.parse.urlencode(form.fields).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert status == 302, (status, body[:300])
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["Location"]).query)
    assert params["state"] == [state] and params["iss"] == [issuer], params

    token_form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": params["code"][0],
                                         "redirect_uri": REDIRECT, "code_verifier": verifier, "resource": mcp_url})
    status, headers, body = http("POST", asm["token_endpoint"], token_form.encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic_auth(client)})
    assert status == 200, body
    assert headers.get("Cache-Control") == "no-store", headers
    tokens = json.loads(body)
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"], tokens
    return tokens, client, asm["token_endpoint"]


def basic_auth(client):
    """The HTTP Basic header value for a client_secret_basic client (RFC 6749 §2.3.1)."""
    return "Basic " + base64.b64encode(f"{urllib.parse.quote(client['client_id'], safe='')}:"
                                       f"{urllib.parse.quote(client['client_secret'], safe='')}".encode()).decode()


def main(mcp_url, password):
    tokens, _, _ = get_grant(mcp_url, password)
    print(tokens["access_token"])


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: oauth_get_token.py MCP_URL [ADMIN_PASSWORD]")
    pw = sys.argv[2] if len(sys.argv) == 3 else os.environ.get("ADMIN_PASSWORD", "")
    if not pw:
        sys.exit("oauth_get_token.py: give the admin password as the 2nd argument or ADMIN_PASSWORD")
    main(sys.argv[1], pw)
