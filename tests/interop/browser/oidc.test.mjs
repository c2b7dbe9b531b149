// Sign-in through an OpenID provider in a real browser: headless Chromium
// (Debian's package, driven by puppeteer-core) against examples/oidc on
// 127.0.0.1 and a stand-in OpenID provider (fake_oidc.mjs) on `localhost` —
// another site, so the provider's redirect back is cross-site as in
// production (accounts.google.com → your-service.run.app).
//
//   node --test tests/interop/browser/        (tests/interop/run.sh does it)
//
// As in sign_in.test.mjs, requests to the client's callback
// (https://claude.ai/api/mcp/auth_callback) are answered by the test and
// recorded: that URL is the sign-in's result. Screenshots go to
// target/browser-screenshots/oidc-*.png.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import puppeteer from "puppeteer-core";

import { CLIENT_ID, CLIENT_SECRET, startOidc } from "./fake_oidc.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const examples = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug/examples");
const shots = process.env.BROWSER_SHOTS ?? join(root, "target/browser-screenshots");
mkdirSync(shots, { recursive: true });
const CALLBACK = "https://claude.ai/api/mcp/auth_callback";

const children = [];
let browser;
let op;
let origin;

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

async function startExample(name, env) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const child = spawn(join(examples, name), [], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  children.push(child);
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return url;
    } catch {}
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`${name} did not start:\n${log}`);
}

async function register() {
  const r = await fetch(`${origin}/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: "Claude",
      redirect_uris: [CALLBACK],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "none",
    }),
  });
  assert.equal(r.status, 201);
  return (await r.json()).client_id;
}

function authorization(clientId) {
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(12).toString("base64url");
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: CALLBACK,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state,
    resource: `${origin}/mcp`,
    scope: "mcp",
  });
  return { url: `${origin}/authorize?${params}`, verifier, state };
}

async function redeem(clientId, code, verifier) {
  const r = await fetch(`${origin}/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
      client_id: clientId,
      resource: `${origin}/mcp`,
    }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

async function callTool(token, name) {
  const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "browser-oidc-test", version: "1.0.0" });
  await client.connect(transport);
  try {
    const result = await client.callTool({ name, arguments: {} });
    return result.content.map((c) => c.text ?? "").join("\n");
  } finally {
    await client.close();
  }
}

async function freshPage() {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 900, height: 900 });
  const landed = [];
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    if (request.url().startsWith(CALLBACK)) {
      landed.push(new URL(request.url()));
      return request.respond({ status: 200, contentType: "text/html", body: "<h1>Back at the client</h1>" });
    }
    request.continue();
  });
  const violations = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  return { page, landed, violations, close: () => context.close() };
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const text = (page) => page.evaluate(() => document.body.innerText);
const clickAndWait = (page, selector) =>
  Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);

/** Consent, then the provider's page, signed in there as `user` (or Cancel). */
async function throughProvider(b, auth, user) {
  await b.page.goto(auth.url);
  await clickAndWait(b.page, 'button[value="allow"]');
  assert.ok(b.page.url().startsWith(`${op.url}/authorize`), b.page.url());
  if (user === null) return clickAndWait(b.page, "#cancel");
  await b.page.type("#user", user);
  await clickAndWait(b.page, "#continue");
}

before(async () => {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  op = await startOidc("localhost");
  origin = await startExample("oidc", {
    OIDC_ISSUER: op.url,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_ALLOWED: "@example.com",
    OIDC_DISPLAY_NAME: "Stand-in ID",
  });
});

after(async () => {
  await browser?.close();
  op?.close();
  for (const c of children) c.kill();
});

describe("OpenID Connect sign-in (examples/oidc)", () => {
  test("consent, the provider, back to the client with a code; whoami and userinfo answer as the user", async () => {
    const clientId = await register();
    const auth = authorization(clientId);
    const b = await freshPage();
    try {
      await b.page.goto(auth.url);
      await shot(b.page, "oidc-consent");
      assert.match(await text(b.page), /Next you sign in with Stand-in ID/);
      assert.equal(await b.page.$("#password"), null, "no password: the provider does the sign-in");
      await clickAndWait(b.page, 'button[value="allow"]');
      const asked = new URL(b.page.url());
      assert.equal(asked.origin, op.url);
      assert.ok(asked.searchParams.get("nonce")?.length >= 43, "a nonce of 256 bits");
      await shot(b.page, "oidc-provider");
      await b.page.type("#user", "alice");
      // The provider → our callback (cross-site) → /authorize → the client.
      await clickAndWait(b.page, "#continue");
      assert.equal(b.landed.length, 1, `reached the client: ${b.page.url()} ${await text(b.page)}`);
      const back = b.landed[0].searchParams;
      assert.equal(back.get("state"), auth.state);
      assert.equal(back.get("iss"), origin);
      assert.deepEqual(b.violations, []);
      const tokens = await redeem(clientId, back.get("code"), auth.verifier);
      assert.equal(
        await callTool(tokens.access_token, "whoami"),
        "You are Alice Liddell <alice@example.com> (verified), subject a-1001.",
      );
      assert.match(await callTool(tokens.access_token, "userinfo"), /"sub": "a-1001"/);
    } finally {
      await b.close();
    }
  });

  test("Cancel at the provider reaches the client as access_denied", async () => {
    const auth = authorization(await register());
    const b = await freshPage();
    try {
      await throughProvider(b, auth, null);
      assert.equal(b.landed.length, 1, await text(b.page));
      assert.equal(b.landed[0].searchParams.get("error"), "access_denied");
      assert.equal(b.landed[0].searchParams.get("state"), auth.state);
    } finally {
      await b.close();
    }
  });

  test("a user outside the allowlist gets our page with the reason, and no code", async () => {
    const auth = authorization(await register());
    const b = await freshPage();
    try {
      await throughProvider(b, auth, "mallory");
      await shot(b.page, "oidc-not-allowed");
      assert.equal(b.landed.length, 0);
      const alert = await b.page.$eval('[role="alert"]', (e) => e.textContent);
      assert.match(alert, /mallory@evil\.example is not allowed to use this server/);
      // Its link takes the browser back to the client with access_denied.
      await clickAndWait(b.page, "a.button");
      assert.equal(b.landed[0].searchParams.get("error"), "access_denied");
      assert.equal(b.landed[0].searchParams.get("code"), null);
    } finally {
      await b.close();
    }
  });

  for (const [kind, reason] of [
    ["nonce", /its nonce does not match this one/],
    ["audience", /was issued to another application/],
  ]) {
    test(`an ID token with a wrong ${kind} gets our page with the reason, and no code`, async () => {
      op.spoil(kind);
      const auth = authorization(await register());
      const b = await freshPage();
      try {
        await throughProvider(b, auth, "alice");
        await shot(b.page, `oidc-bad-${kind}`);
        assert.equal(b.landed.length, 0);
        const alert = await b.page.$eval('[role="alert"]', (e) => e.textContent);
        assert.match(alert, /Stand-in ID's ID token was refused/);
        assert.match(alert, reason);
        assert.deepEqual(b.violations, []);
      } finally {
        op.spoil(null);
        await b.close();
      }
    });
  }
});
