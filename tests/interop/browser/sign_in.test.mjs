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
// The harness (harness.mjs) starts the servers and the browser; screenshots
// of every page go to target/browser-screenshots/: look at them after a
// change to a page.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { CLIENT_ID, CLIENT_SECRET, startGitHub } from "./fake_github.mjs";
import {
  authorization,
  callTool,
  clickAndWait,
  freshPage as openPage,
  launchBrowser,
  redeem,
  register,
  shot,
  startExample,
  stopExamples,
  text,
} from "./harness.mjs";

const PASSWORD = `browser-${randomBytes(6).toString("hex")}-Pw`;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  stopExamples();
});
const freshPage = (options) => openPage(browser, options);

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
