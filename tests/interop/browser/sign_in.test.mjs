// Sign-in in a real browser: headless Chromium (Debian's package, driven by
// puppeteer-core) against our example servers on 127.0.0.1, as a person meets
// them when claude.ai opens the connector's sign-in window.
//
//   node --test tests/interop/browser/sign_in.test.mjs     (tests/interop/run.sh does it)
//
// Each test starts a real server process, registers a client as claude.ai
// does (redirect URI https://claude.ai/api/mcp/auth_callback), opens the
// `/authorize` URL in a fresh browser context and clicks through. The client's
// callback is unreachable offline, so requests to https://claude.ai are
// answered by the test, which records the URL: that URL *is* the sign-in's
// result (`code`, `state`, `iss`, or `error`). The GitHub example signs in
// through a stand-in GitHub served on `localhost`, another *site* than the
// server's `127.0.0.1`, so that GitHub's redirect back is cross-site as in
// production and the cookies' SameSite rules are exercised.
//
// Screenshots of every page go to target/browser-screenshots/ (BROWSER_SHOTS
// overrides); look at them after a change to a page.
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

import { CLIENT_ID, CLIENT_SECRET, startGitHub } from "./fake_github.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const examples = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug/examples");
const shots = process.env.BROWSER_SHOTS ?? join(root, "target/browser-screenshots");
mkdirSync(shots, { recursive: true });

const CALLBACK = "https://claude.ai/api/mcp/auth_callback";
const PASSWORD = `browser-${randomBytes(6).toString("hex")}-Pw`;

// ── servers ──────────────────────────────────────────────────────────────

const children = [];

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

/** Starts examples/NAME on 127.0.0.1 with `env`; resolves to its origin. */
async function startExample(name, env) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let log = "";
  const child = spawn(join(examples, name), [], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: origin, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  children.push(child);
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${origin}/health`)).ok) return origin;
    } catch {}
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`${name} did not start:\n${log}`);
}

/** Registers a public client as claude.ai would (RFC 7591). */
async function register(origin) {
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

/** A fresh authorization request: its URL and what the client keeps. */
function authorization(origin, clientId, extra = {}) {
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
    ...extra,
  });
  return { url: `${origin}/authorize?${params}`, verifier, state };
}

/** Redeems a code at /token as the client (PKCE verifier). */
async function redeem(origin, clientId, code, verifier) {
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

/** Calls a tool with the official TypeScript SDK and an access token. */
async function callTool(origin, token, name) {
  const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "browser-test", version: "1.0.0" });
  await client.connect(transport);
  try {
    const result = await client.callTool({ name, arguments: {} });
    return result.content.map((c) => c.text ?? "").join("\n");
  } finally {
    await client.close();
  }
}

// ── the browser ──────────────────────────────────────────────────────────

let browser;

before(async () => {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  for (const c of children) c.kill();
});

/**
 * A page in a fresh browser context (its own cookie jar). Navigations to the
 * client's callback are answered here and recorded in `landed`.
 */
async function freshPage({ javaScript = true, width = 900, dark = false } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height: 900 });
  await page.setJavaScriptEnabled(javaScript);
  if (dark) await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
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

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Clicks a button and waits for the navigation it starts. */
async function clickAndWait(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

const text = (page) => page.evaluate(() => document.body.innerText);

// ── the password form (examples/quickstart with ADMIN_PASSWORD) ─────────────

describe("password sign-in (examples/quickstart)", () => {
  let origin;
  before(async () => {
    origin = await startExample("quickstart", { ADMIN_PASSWORD: PASSWORD });
  });

  for (const javaScript of [true, false]) {
    test(`wrong password, then the right one, lands on the client with a code (JavaScript ${javaScript ? "on" : "off"})`, async () => {
      const clientId = await register(origin);
      const auth = authorization(origin, clientId);
      const b = await freshPage({ javaScript });
      try {
        const response = await b.page.goto(auth.url);
        assert.equal(response.status(), 200);
        const suffix = javaScript ? "" : "-nojs";
        await shot(b.page, `password-consent${suffix}`);
        const page = await text(b.page);
        const host = new URL(origin).host;
        // This server, the client and its standing, where the browser goes, what is asked.
        assert.match(page, /my-service/);
        assert.ok(page.includes(host), `names this server's host ${host}: ${page}`);
        assert.match(page, /Connect Claude to my-service/);
        assert.match(page, /self-registered: its name is not verified/);
        assert.match(page, /Returns to\s+claude\.ai/);
        assert.match(page, /Access\s+mcp/);
        assert.equal(await b.page.$('[role="alert"]'), null, "no error before an attempt");
        // Labelled controls: the password field has its label.
        assert.equal(await b.page.$eval('label[for="password"]', (l) => l.textContent), "Password");

        // A wrong password: the form again, with a message, never a dead end.
        await b.page.type("#password", "not the password");
        await clickAndWait(b.page, 'button[value="allow"]');
        assert.deepEqual(b.landed, []);
        const alert = await b.page.$eval('[role="alert"]', (e) => e.textContent);
        assert.equal(alert, "Wrong password.");
        assert.ok(await b.page.$("#password"), "the form is still there");
        await shot(b.page, `password-wrong${suffix}`);

        // The right one, submitted from the keyboard (Enter in the field).
        await b.page.type("#password", PASSWORD);
        await Promise.all([b.page.waitForNavigation({ waitUntil: "load" }), b.page.keyboard.press("Enter")]);
        assert.equal(b.landed.length, 1, `the browser reached the client: ${await text(b.page)}`);
        const back = b.landed[0].searchParams;
        assert.equal(back.get("state"), auth.state);
        assert.equal(back.get("iss"), origin);
        assert.ok(back.get("code"));
        assert.deepEqual(b.violations, [], "no Content Security Policy violation");
        const tokens = await redeem(origin, clientId, back.get("code"), auth.verifier);
        assert.equal(tokens.token_type, "Bearer");
        const answer = await callTool(origin, tokens.access_token, "my_tool").catch((e) => String(e));
        assert.ok(answer.length > 0);
      } finally {
        await b.close();
      }
    });
  }

  test("Deny lands on the client with access_denied and the state", async () => {
    const clientId = await register(origin);
    const auth = authorization(origin, clientId);
    const b = await freshPage();
    try {
      await b.page.goto(auth.url);
      await clickAndWait(b.page, 'button[value="deny"]');
      assert.equal(b.landed.length, 1);
      assert.equal(b.landed[0].searchParams.get("error"), "access_denied");
      assert.equal(b.landed[0].searchParams.get("state"), auth.state);
      assert.equal(b.landed[0].searchParams.get("code"), null);
    } finally {
      await b.close();
    }
  });

  test("the page reads on a 360 px phone, in dark mode", async () => {
    const clientId = await register(origin);
    const b = await freshPage({ width: 360, dark: true });
    try {
      await b.page.goto(authorization(origin, clientId).url);
      const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (${overflow} px too wide)`);
      const background = await b.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, "rgb(9, 9, 11)", "the dark palette applies");
      await shot(b.page, "password-consent-360-dark");
    } finally {
      await b.close();
    }
  });

  test("a form posted from another site is refused, and nothing reaches the client", async () => {
    const gh = await startGitHub("localhost"); // any other site will do
    const clientId = await register(origin);
    const auth = authorization(origin, clientId);
    // The attacker fetches a genuine form (with its CSRF token) for itself…
    const form = await (await fetch(auth.url)).text();
    const hidden = [...form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)]
      .map(([, n, v]) => `<input type="hidden" name="${n}" value="${v}">`)
      .join("");
    const attack = gh.page(
      "attack",
      `<!doctype html><title>Win a prize</title><form method="post" action="${origin}/authorize">${hidden}
       <input type="hidden" name="password" value="guess"><button id="go" name="action" value="allow">Claim</button></form>`,
    );
    const b = await freshPage();
    try {
      // …the victim's browser has a consent cookie of its own…
      await b.page.goto(auth.url);
      // …and is lured to the attacker's page, which posts the form.
      await b.page.goto(attack);
      const response = await Promise.all([b.page.waitForNavigation(), b.page.click("#go")]).then(([r]) => r);
      assert.equal(response.status(), 403);
      assert.match(await text(b.page), /posted from another site/);
      assert.deepEqual(b.landed, []);
      await shot(b.page, "cross-site-post-refused");
    } finally {
      await b.close();
      gh.close();
    }
  });

  test("an invalid request from a self-registered client is shown, not silently redirected", async () => {
    const clientId = await register(origin);
    const b = await freshPage();
    try {
      const response = await b.page.goto(authorization(origin, clientId, { code_challenge_method: "plain" }).url);
      assert.equal(response.status(), 400);
      assert.deepEqual(b.landed, [], "RFC 9700 §4.11.2: no redirect before the user acts");
      assert.match(await text(b.page), /code_challenge_method must be S256/);
      await shot(b.page, "invalid-request-page");
      // One click takes the user (and the error) back to the client.
      await clickAndWait(b.page, "a.button");
      assert.equal(b.landed.length, 1);
      assert.equal(b.landed[0].searchParams.get("error"), "invalid_request");
    } finally {
      await b.close();
    }
  });
});

// ── upstream sign-in (examples/github with a stand-in GitHub on another site) ─

describe("GitHub sign-in (examples/github)", () => {
  let origin;
  let gh;
  before(async () => {
    gh = await startGitHub("localhost");
    origin = await startExample("github", {
      GITHUB_CLIENT_ID: CLIENT_ID,
      GITHUB_CLIENT_SECRET: CLIENT_SECRET,
      GITHUB_ALLOWED_USERS: "alice",
      GITHUB_OAUTH_URL: gh.url,
      GITHUB_API_URL: gh.url,
    });
  });
  after(() => gh.close());

  test("consent, GitHub, back to the client with a code; whoami answers as the user", async () => {
    const clientId = await register(origin);
    const auth = authorization(origin, clientId);
    const b = await freshPage();
    try {
      await b.page.goto(auth.url);
      await shot(b.page, "github-consent");
      const page = await text(b.page);
      assert.match(page, /Next you sign in with GitHub/);
      assert.equal(await b.page.$("#password"), null, "no password: GitHub does the sign-in");
      await clickAndWait(b.page, 'button[value="allow"]');
      assert.ok(b.page.url().startsWith(`${gh.url}/login/oauth/authorize`), b.page.url());
      await b.page.type("#login", "alice");
      // GitHub → our callback (cross-site) → /authorize → the client.
      await Promise.all([b.page.waitForNavigation({ waitUntil: "load" }), b.page.click("#authorize")]);
      assert.equal(b.landed.length, 1, `reached the client: ${b.page.url()} ${await text(b.page)}`);
      const back = b.landed[0].searchParams;
      assert.equal(back.get("state"), auth.state);
      assert.equal(back.get("iss"), origin);
      assert.deepEqual(b.violations, []);
      const tokens = await redeem(origin, clientId, back.get("code"), auth.verifier);
      const who = await callTool(origin, tokens.access_token, "whoami");
      assert.match(who, /alice/);
    } finally {
      await b.close();
    }
  });

  test("Deny on our consent screen never reaches GitHub", async () => {
    const clientId = await register(origin);
    const auth = authorization(origin, clientId);
    const before = gh.seen.length;
    const b = await freshPage();
    try {
      await b.page.goto(auth.url);
      await clickAndWait(b.page, 'button[value="deny"]');
      assert.equal(b.landed[0].searchParams.get("error"), "access_denied");
      assert.equal(b.landed[0].searchParams.get("state"), auth.state);
      assert.equal(gh.seen.length, before);
    } finally {
      await b.close();
    }
  });

  test("Cancel at GitHub reaches the client as access_denied", async () => {
    const clientId = await register(origin);
    const auth = authorization(origin, clientId);
    const b = await freshPage();
    try {
      await b.page.goto(auth.url);
      await clickAndWait(b.page, 'button[value="allow"]');
      await clickAndWait(b.page, "#cancel");
      if (b.landed.length === 0) {
        // Our page says what happened and links back to the client.
        await shot(b.page, "github-cancelled");
        await clickAndWait(b.page, "a.button");
      }
      assert.equal(b.landed.length, 1, await text(b.page));
      assert.equal(b.landed[0].searchParams.get("error"), "access_denied");
      assert.equal(b.landed[0].searchParams.get("state"), auth.state);
    } finally {
      await b.close();
    }
  });

  test("a user outside the allowlist gets our page with the reason, and no code", async () => {
    const clientId = await register(origin);
    const b = await freshPage();
    try {
      await b.page.goto(authorization(origin, clientId).url);
      await clickAndWait(b.page, 'button[value="allow"]');
      await b.page.type("#login", "bob");
      await Promise.all([b.page.waitForNavigation({ waitUntil: "load" }), b.page.click("#authorize")]);
      await shot(b.page, "github-not-allowed");
      assert.ok(b.landed.every((u) => !u.searchParams.get("code")), "no code");
      assert.ok(await b.page.$('[role="alert"]'), "an error the page announces");
    } finally {
      await b.close();
    }
  });
});
