// The official TypeScript SDK's OAuth client (@modelcontextprotocol/sdk 1.32.2)
// against a password-protected server (examples/quickstart with ADMIN_PASSWORD).
//
// Usage: node oauth_ts.mjs http://HOST:PORT/mcp [ADMIN_PASSWORD]
//        (the password may instead come from the ADMIN_PASSWORD environment variable)
//
// The SDK discovers (401 → protected resource metadata → AS metadata),
// registers (DCR, public client "none"), builds the PKCE S256 authorize URL
// and calls redirectToAuthorization; connect() then throws UnauthorizedError.
// This script plays the browser (GET without following redirects, fill the
// password form keeping the hidden fields, POST, take the 302), hands the code
// to transport.finishAuth (token exchange), connects again, calls the tool
// (exact text), then refreshes with auth() and checks that the refresh token
// rotated and the new access token works. Exits non-zero on any failure.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, auth } from "@modelcontextprotocol/sdk/client/auth.js";

const url = process.argv[2];
const password = process.argv[3] ?? process.env.ADMIN_PASSWORD;
if (!url || !password) {
  console.error("usage: oauth_ts.mjs MCP_URL [ADMIN_PASSWORD]   (or ADMIN_PASSWORD in the environment)");
  process.exit(2);
}
const REDIRECT = "http://localhost:33419/callback";

// An in-memory OAuthClientProvider; authorizeUrl is where the SDK sent "the browser".
class MemoryProvider {
  constructor() {
    this.client = undefined;
    this.saved = undefined;
    this.verifier = undefined;
    this.authorizeUrl = undefined;
  }
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return {
      client_name: "typescript-sdk-interop",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() { return "ts-state-" + Math.random().toString(36).slice(2); }
  clientInformation() { return this.client; }
  saveClientInformation(info) { this.client = info; }
  tokens() { return this.saved; }
  saveTokens(tokens) { this.saved = tokens; }
  redirectToAuthorization(authorizationUrl) { this.authorizeUrl = authorizationUrl; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
}

/// Plays the browser at /authorize: returns the code from the 302.
async function browser(authorizeUrl) {
  const page = await fetch(authorizeUrl, { redirect: "manual" });
  assert.equal(page.status, 200, `GET /authorize: ${page.status}`);
  const html = await page.text();
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.append(unescape(m[1]), unescape(m[2]));
  }
  assert.ok(fields.get("csrf"), "the form carries a CSRF token");
  assert.equal(fields.get("code_challenge_method"), "S256");
  fields.append("password", password);
  fields.append("action", "allow");
  // As a browser posts it: with the cookie the form page set (the CSRF token
  // is bound to it) and from the page's own origin.
  const cookie = page.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  assert.match(cookie, /mcp_consent=/, "the form page binds itself to this browser");
  const answer = await fetch(new URL("/authorize", authorizeUrl), {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie,
      origin: new URL(authorizeUrl).origin,
    },
    body: fields.toString(),
  });
  assert.equal(answer.status, 302, `POST /authorize: ${answer.status} ${await answer.text()}`);
  const location = new URL(answer.headers.get("location"));
  assert.equal(location.origin + location.pathname, REDIRECT);
  assert.equal(location.searchParams.get("state"), new URL(authorizeUrl).searchParams.get("state"));
  assert.equal(location.searchParams.get("iss"), new URL(url).origin);
  return location.searchParams.get("code");
}

function unescape(s) {
  return s.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&#x27;", "'").replaceAll("&amp;", "&");
}

async function callTool(provider, query) {
  const client = new Client({ name: "ts-oauth-interop", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  await client.connect(transport);
  assert.equal(client.getServerVersion()?.name, "my-service");
  const result = await client.callTool({ name: "my_tool", arguments: { query } });
  assert.deepEqual(result.content, [{ type: "text", text: `Result for: ${query}` }]);
  await client.close();
}

async function main() {
  const provider = new MemoryProvider();

  // 1. No token: the SDK discovers, registers and "opens the browser".
  const first = new Client({ name: "ts-oauth-interop", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  await assert.rejects(first.connect(transport), UnauthorizedError);
  assert.ok(provider.client?.client_id, "DCR gave a client_id");
  assert.equal(provider.client.client_secret, undefined, "a public client gets no secret");
  assert.ok(provider.authorizeUrl, "the SDK built the authorize URL");
  assert.equal(provider.authorizeUrl.searchParams.get("code_challenge_method"), "S256");

  // 2. The browser logs in; the SDK exchanges the code.
  const code = await browser(provider.authorizeUrl.href);
  await transport.finishAuth(code);
  assert.ok(provider.saved?.access_token && provider.saved?.refresh_token, "tokens saved");

  // 3. Connect with the token and call the tool.
  await callTool(provider, "from typescript");

  // 4. Refresh: auth() with a stored refresh token rotates the pair.
  const before = provider.saved.refresh_token;
  const result = await auth(provider, { serverUrl: url });
  assert.equal(result, "AUTHORIZED");
  assert.notEqual(provider.saved.refresh_token, before, "the refresh token rotated");
  await callTool(provider, "after refresh");
  console.log("typescript sdk oauth: ok (discovery, DCR, authorize, token, tools/call, refresh)");
}

main().catch((err) => {
  console.error("typescript sdk oauth: FAILED:", err);
  process.exit(1);
});
