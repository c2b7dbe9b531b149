// What every browser test needs: our example servers as real processes on
// 127.0.0.1, a client registered as claude.ai registers, the authorization
// request it would send, the code exchange, a tool call with the official
// TypeScript SDK, and headless Chromium (Debian's package, puppeteer-core)
// whose navigations to the client's callback are answered here and recorded:
// that URL *is* the sign-in's result (`code`, `state`, `iss`, or `error`).
//
// Screenshots go to target/browser-screenshots/ (BROWSER_SHOTS overrides).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import puppeteer from "puppeteer-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const examples = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug/examples");
const shots = process.env.BROWSER_SHOTS ?? join(root, "target/browser-screenshots");
mkdirSync(shots, { recursive: true });

/** The client's callback, as claude.ai registers it; unreachable offline. */
export const CALLBACK = "https://claude.ai/api/mcp/auth_callback";

const children = [];

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

/** Starts examples/NAME on 127.0.0.1 with `env`; resolves to its origin. */
export async function startExample(name, env) {
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
export async function register(origin) {
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
export function authorization(origin, clientId, extra = {}) {
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
export async function redeem(origin, clientId, code, verifier) {
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
export async function callTool(origin, token, name) {
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

/** Headless Chromium from Debian's package (no browser download). */
export function launchBrowser() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", // the tests run as root
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      // No calls home: this machine's network is closed.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Ends every example server started here. */
export function stopExamples() {
  for (const c of children) c.kill();
}

/**
 * A page in a fresh browser context (its own cookie jar). Navigations to the
 * client's callback are answered here and recorded in `landed`; Content
 * Security Policy violations the page reports are collected in `violations`.
 */
export async function freshPage(browser, { javaScript = true, width = 900, dark = false } = {}) {
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

/** Saves a full-page screenshot as target/browser-screenshots/NAME.png. */
export function shot(page, name) {
  return page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Clicks and waits for the navigation the click starts. */
export function clickAndWait(page, selector) {
  return Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

/** The text a person sees on the page. */
export function text(page) {
  return page.evaluate(() => document.body.innerText);
}
