// Sign-in through an OpenID provider in a real browser: headless Chromium
// (Debian's package, driven by puppeteer-core) against examples/oidc on
// 127.0.0.1 and a stand-in OpenID provider (fake_oidc.mjs) on `localhost` —
// another site, so the provider's redirect back is cross-site as in
// production (accounts.google.com → your-service.run.app).
//
//   node --test tests/interop/browser/oidc.test.mjs     (tests/interop/run.sh does it)
//
// As in sign_in.test.mjs, requests to the client's callback
// (https://claude.ai/api/mcp/auth_callback) are answered by the test and
// recorded: that URL is the sign-in's result. Screenshots go to
// target/browser-screenshots/oidc-*.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { CLIENT_ID, CLIENT_SECRET, startOidc } from "./fake_oidc.mjs";
import * as harness from "./harness.mjs";
import { clickAndWait, launchBrowser, shot, startExample, stopExamples, text } from "./harness.mjs";

let browser;
let op;
let origin;
const register = () => harness.register(origin);
const authorization = (clientId) => harness.authorization(origin, clientId);
const redeem = (clientId, code, verifier) => harness.redeem(origin, clientId, code, verifier);
const callTool = (token, name) => harness.callTool(origin, token, name);
const freshPage = () => harness.freshPage(browser);

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
  browser = await launchBrowser();
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
  stopExamples();
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
