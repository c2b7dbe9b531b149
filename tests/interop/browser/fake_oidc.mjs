// A stand-in OpenID provider for the browser tests, as a person meets one:
// a sign-in page (user name, "Continue" / "Cancel"), then a 302 back to the
// registered redirect URI with `code` and `state`. Behind it: the discovery
// document, a JWKS with an RS256 key generated here at start (node:crypto),
// the token endpoint (PKCE S256, client secret, single-use codes) answering
// with an ID token signed with that key and carrying the `nonce` it was
// sent, and a userinfo endpoint. `spoil(kind)` makes the next ID tokens bad.
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";

export const CLIENT_ID = "browser-oidc-client";
export const CLIENT_SECRET = "browser-oidc-secret-0123456789";

const USERS = {
  alice: { sub: "a-1001", email: "alice@example.com", email_verified: true, name: "Alice Liddell" },
  mallory: { sub: "m-1004", email: "mallory@evil.example", email_verified: true, name: "Mallory" },
};

const s256 = (v) => createHash("sha256").update(v).digest("base64url");
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts the provider on `host` (`localhost`: another site than 127.0.0.1). */
export async function startOidc(host = "localhost") {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(6).toString("hex");
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };
  const codes = new Map();
  const tokens = new Map();
  const seen = [];
  let spoiled = null;
  let url;
  const sign = (claims) => {
    const signed = `${b64({ alg: "RS256", typ: "JWT", kid })}.${b64(claims)}`;
    return `${signed}.${createSign("RSA-SHA256").update(signed).sign(privateKey).toString("base64url")}`;
  };
  const server = createServer(async (req, res) => {
    const u = new URL(req.url, "http://x");
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method, path: u.pathname });
    const send = (status, content, headers = {}) => {
      const json = typeof content !== "string";
      res.writeHead(status, { "Content-Type": json ? "application/json" : "text/html; charset=utf-8", ...headers });
      res.end(json ? JSON.stringify(content) : content);
    };
    const q = Object.fromEntries(u.searchParams);
    if (u.pathname === "/.well-known/openid-configuration") {
      return send(200, {
        issuer: url,
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks`,
        userinfo_endpoint: `${url}/userinfo`,
        response_types_supported: ["code"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
      });
    }
    if (u.pathname === "/jwks") return send(200, { keys: [jwk] });
    if (u.pathname === "/authorize" && req.method === "GET") {
      const ok = q.client_id === CLIENT_ID && q.response_type === "code" && q.code_challenge_method === "S256"
        && (q.scope ?? "").split(" ").includes("openid") && q.nonce;
      if (!ok) return send(400, "<h1>Bad authorization request</h1>");
      const hidden = Object.entries(q)
        .map(([n, v]) => `<input type="hidden" name="${esc(n)}" value="${esc(v)}">`)
        .join("");
      return send(
        200,
        `<!doctype html><title>Sign in — Stand-in ID</title><h1>Sign in to Stand-in ID</h1>
         <form method="post" action="/authorize">${hidden}
         <label>User <input name="user" id="user"></label>
         <button id="continue" name="decision" value="allow">Continue</button>
         <button id="cancel" name="decision" value="cancel">Cancel</button></form>`,
      );
    }
    if (u.pathname === "/authorize" && req.method === "POST") {
      const f = Object.fromEntries(new URLSearchParams(body));
      const back = new URL(f.redirect_uri);
      if (f.decision !== "allow") {
        back.searchParams.set("error", "access_denied");
      } else {
        if (!USERS[f.user]) return send(200, "<h1>Unknown user</h1>");
        const code = randomBytes(12).toString("hex");
        codes.set(code, { user: f.user, challenge: f.code_challenge, redirect_uri: f.redirect_uri, nonce: f.nonce });
        back.searchParams.set("code", code);
      }
      back.searchParams.set("state", f.state ?? "");
      return send(302, "", { Location: back.href });
    }
    if (u.pathname === "/token" && req.method === "POST") {
      const f = Object.fromEntries(new URLSearchParams(body));
      if (f.client_id !== CLIENT_ID || f.client_secret !== CLIENT_SECRET) return send(401, { error: "invalid_client" });
      const grant = codes.get(f.code);
      codes.delete(f.code);
      if (!grant || grant.redirect_uri !== f.redirect_uri || s256(f.code_verifier ?? "") !== grant.challenge) {
        return send(400, { error: "invalid_grant" });
      }
      const user = USERS[grant.user];
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: url, aud: CLIENT_ID, iat: now, exp: now + 300, nonce: grant.nonce, ...user };
      if (spoiled === "nonce") claims.nonce = "a-nonce-from-another-sign-in";
      if (spoiled === "audience") claims.aud = "another-client";
      const access = "op_at_" + randomBytes(16).toString("base64url");
      tokens.set(access, grant.user);
      return send(200, { access_token: access, token_type: "Bearer", expires_in: 3600, id_token: sign(claims) });
    }
    if (u.pathname === "/userinfo") {
      const user = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!user) return send(401, { error: "invalid_token" });
      return send(200, USERS[user]);
    }
    send(404, { error: "not_found" });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://${host}:${server.address().port}`;
  return {
    url,
    seen,
    /** Spoils the next ID tokens: "nonce", "audience", or null. */
    spoil(kind) {
      spoiled = kind;
    },
    close: () => server.close(),
  };
}
