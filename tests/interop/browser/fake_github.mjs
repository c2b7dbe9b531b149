// A stand-in for github.com and api.github.com, for the browser tests: the
// OAuth App sign-in as a person meets it (a sign-in page with a user name and
// "Authorize" / "Cancel", then a 302 back to the registered callback with
// `code` and `state`), the code exchange with PKCE S256, and `GET /user`.
// It also serves any page a test hands it (`page(html)`), on its own origin:
// that is how a test puts an attacker's page on another site.
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";

export const CLIENT_ID = "Iv1.browser-test";
export const CLIENT_SECRET = "browser-test-secret-0123456789";

const USERS = { alice: { id: 1001, name: "Alice Liddell" }, bob: { id: 1002, name: "Bob Builder" } };

const s256 = (v) => createHash("sha256").update(v).digest("base64url");
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts the stand-in on `host` (e.g. `localhost`: another site than 127.0.0.1). */
export async function startGitHub(host = "localhost") {
  const codes = new Map();
  const tokens = new Map();
  const pages = new Map();
  const seen = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method, path: url.pathname });
    const send = (status, content, headers = {}) => {
      const json = typeof content !== "string";
      res.writeHead(status, { "Content-Type": json ? "application/json" : "text/html; charset=utf-8", ...headers });
      res.end(json ? JSON.stringify(content) : content);
    };
    const q = Object.fromEntries(url.searchParams);
    if (url.pathname.startsWith("/page/")) {
      return send(200, pages.get(url.pathname) ?? "<h1>no such page</h1>");
    }
    if (url.pathname === "/login/oauth/authorize" && req.method === "GET") {
      if (q.client_id !== CLIENT_ID || q.code_challenge_method !== "S256" || !q.code_challenge) {
        return send(400, "<h1>Bad authorization request</h1>");
      }
      const hidden = Object.entries(q)
        .map(([n, v]) => `<input type="hidden" name="${esc(n)}" value="${esc(v)}">`)
        .join("");
      return send(
        200,
        `<!doctype html><title>Sign in to GitHub</title><h1>Sign in to GitHub</h1>
         <form method="post" action="/login/oauth/authorize">${hidden}
         <label>Username <input name="login" id="login"></label>
         <button id="authorize" name="decision" value="allow">Authorize</button>
         <button id="cancel" name="decision" value="cancel">Cancel</button></form>`,
      );
    }
    if (url.pathname === "/login/oauth/authorize" && req.method === "POST") {
      const f = Object.fromEntries(new URLSearchParams(body));
      const back = new URL(f.redirect_uri);
      if (f.decision !== "allow") {
        back.searchParams.set("error", "access_denied");
        back.searchParams.set("error_description", "The user has denied your application access.");
      } else {
        if (!USERS[f.login]) return send(200, "<h1>Incorrect username</h1>");
        const code = randomBytes(10).toString("hex");
        codes.set(code, { login: f.login, challenge: f.code_challenge, redirect_uri: f.redirect_uri });
        back.searchParams.set("code", code);
      }
      back.searchParams.set("state", f.state ?? "");
      return send(302, "", { Location: back.href });
    }
    if (url.pathname === "/login/oauth/access_token" && req.method === "POST") {
      const f = Object.fromEntries(new URLSearchParams(body));
      const grant = codes.get(f.code);
      codes.delete(f.code);
      if (f.client_id !== CLIENT_ID || f.client_secret !== CLIENT_SECRET) {
        return send(200, { error: "incorrect_client_credentials" });
      }
      if (!grant || grant.redirect_uri !== f.redirect_uri || s256(f.code_verifier ?? "") !== grant.challenge) {
        return send(200, { error: "bad_verification_code" });
      }
      const token = "gho_" + randomBytes(18).toString("base64url");
      tokens.set(token, grant.login);
      return send(200, { access_token: token, token_type: "bearer", scope: "" });
    }
    if (url.pathname === "/user") {
      const login = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!login) return send(401, { message: "Bad credentials" });
      const u = USERS[login];
      return send(200, { login, id: u.id, name: u.name, html_url: `https://github.com/${login}`, public_repos: 0, followers: 0 });
    }
    send(404, { message: "Not Found" });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://${host}:${server.address().port}`;
  return {
    url,
    seen,
    /** Serves `html` on this origin; returns its URL. */
    page(name, html) {
      pages.set(`/page/${name}`, html);
      return `${url}/page/${name}`;
    },
    close: () => server.close(),
  };
}
