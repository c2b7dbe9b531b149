//! A local stand-in OpenID provider on 127.0.0.1 (our own
//! `remote_mcp::http::Server`), with keys generated when it starts:
//!
//! * `GET /.well-known/openid-configuration` (issuer = its own URL, or a
//!   broken document on demand), `GET /jwks` (the published keys).
//! * `GET /authorize` → `302 redirect_uri?code&state` for the user whose
//!   session the browser holds (cookie `op_session=<user>`; `decision=deny`
//!   declines → `?error=access_denied&state`). It checks client id, redirect
//!   URI, `response_type=code`, `openid` in the scope and PKCE S256, and keeps
//!   the `nonce` with the code.
//! * `POST /token` (code, with PKCE verifier and client secret; refresh
//!   tokens) → `access_token`, `refresh_token`, `expires_in`, and an
//!   `id_token` signed with the current key (ES256 from `ring`, or RS256 with
//!   a key from `openssl genpkey`), unless a [`Bad`] case says otherwise.
//! * `GET /userinfo` with the bearer access token.
//! * [`Op::rotate`]: a new signing key, published in place of the old one.
//!
//! Every request is recorded for the tests to inspect.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use remote_mcp::crypto::secret::random_id;
use remote_mcp::http::{Limits, Request, Response, Server};
use remote_mcp::oauth::encoding::{Params, encode_pairs};
use remote_mcp::oauth::pkce;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "stand-in-oidc-client";
pub const CLIENT_SECRET: &str = "stand-in-oidc-secret-0123456789";

/// A way to spoil the next ID tokens (each bad case of Core §3.1.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bad {
    WrongIssuer,
    WrongAudience,
    WrongNonce,
    Expired,
    /// Signed by a key that is not published, under the published key's `kid`.
    ForgedSignature,
    /// Signed by a key that is never published, under its own `kid`.
    UnknownKey,
    AlgNone,
    NoIdToken,
}

/// A signing key and its public JWK.
pub struct SigningKey {
    kid: String,
    alg: &'static str,
    signer: Signer,
    pub jwk: Value,
}

enum Signer {
    Es(EcdsaKeyPair),
    Rs(RsaKeyPair),
}

impl SigningKey {
    /// A fresh ES256 key (P-256).
    pub fn es256(kid: &str) -> SigningKey {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        let p = pair.public_key().as_ref();
        let jwk = json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&p[1..33]), "y": URL_SAFE_NO_PAD.encode(&p[33..65])});
        SigningKey {
            kid: kid.into(),
            alg: "ES256",
            signer: Signer::Es(pair),
            jwk,
        }
    }

    /// A fresh 2048-bit RS256 key (`ring` verifies RSA but does not generate
    /// it: `openssl genpkey` does, in DER).
    pub fn rs256(kid: &str) -> SigningKey {
        let out = std::process::Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-outform",
                "DER",
            ])
            .output()
            .expect("openssl (Debian package openssl) generates the RS256 test key");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pair = RsaKeyPair::from_der(&out.stdout).unwrap(); // PKCS#1 RSAPrivateKey
        let c: signature::RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
        let jwk = json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(&c.n), "e": URL_SAFE_NO_PAD.encode(&c.e)});
        SigningKey {
            kid: kid.into(),
            alg: "RS256",
            signer: Signer::Rs(pair),
            jwk,
        }
    }

    /// `header.claims.signature` with this key, under `kid`.
    fn sign(&self, kid: &str, claims: &Value) -> String {
        let header = json!({"alg": self.alg, "typ": "JWT", "kid": kid});
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let rng = SystemRandom::new();
        let sig = match &self.signer {
            Signer::Es(pair) => pair
                .sign(&rng, signed.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
            Signer::Rs(pair) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &rng,
                    signed.as_bytes(),
                    &mut sig,
                )
                .unwrap();
                sig
            }
        };
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

/// One account at the provider.
#[derive(Debug, Clone)]
pub struct User {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Params,
    pub form: Params,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Grant {
    user: String,
    challenge: String,
    redirect_uri: String,
    nonce: Option<String>,
}

struct State {
    url: String,
    callback: String,
    users: HashMap<String, User>,
    key: SigningKey,
    /// The JWKS served (normally the current key's JWK).
    published: Vec<Value>,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, String>,
    refresh_tokens: HashMap<String, String>,
    expires_in: u64,
    bad: Option<Bad>,
    discovery: Option<Value>,
    seen: Vec<Seen>,
}

/// A running stand-in.
#[derive(Clone)]
pub struct Op {
    /// `http://127.0.0.1:PORT` — also the issuer.
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl Op {
    /// Starts a provider signing with `key`, with alice (verified
    /// alice@example.com), bob (verified bob@corp.example), carol
    /// (carol@example.com, *not* verified) and mallory (mallory@evil.example).
    pub fn start(key: SigningKey) -> Op {
        let limits = Limits {
            shutdown_grace: Duration::from_millis(100),
            ..Limits::default()
        };
        let server = Server::bind("127.0.0.1:0", limits).unwrap();
        let url = format!("http://{}", server.local_addr().unwrap());
        let user = |sub: &str, email: &str, verified: bool, name: &str| {
            let u = User {
                sub: sub.into(),
                email: email.into(),
                email_verified: verified,
                name: name.into(),
            };
            (name.split(' ').next().unwrap().to_lowercase(), u)
        };
        let state = Arc::new(Mutex::new(State {
            url: url.clone(),
            callback: String::new(),
            users: [
                user("a-1001", "alice@example.com", true, "Alice Liddell"),
                user("b-1002", "bob@corp.example", true, "Bob Builder"),
                user("c-1003", "carol@example.com", false, "Carol Unverified"),
                user("m-1004", "mallory@evil.example", true, "Mallory"),
            ]
            .into(),
            published: vec![key.jwk.clone()],
            key,
            codes: HashMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            expires_in: 3600,
            bad: None,
            discovery: None,
            seen: Vec::new(),
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            server.serve(Arc::new(move |request: Request| handle(&shared, request)))
        });
        Op { url, state }
    }

    /// The redirect URI registered for our client.
    pub fn register_callback(&self, url: &str) {
        self.state.lock().unwrap().callback = url.into();
    }

    /// Spoils the next ID tokens this way (`None`: good tokens again).
    pub fn spoil(&self, bad: Option<Bad>) {
        self.state.lock().unwrap().bad = bad;
    }

    /// Key rotation: signs with `key` from now on and publishes only it.
    pub fn rotate(&self, key: SigningKey) {
        let mut s = self.state.lock().unwrap();
        s.published = vec![key.jwk.clone()];
        s.key = key;
    }

    /// Serves this document as the discovery document instead of its own.
    pub fn serve_discovery(&self, doc: Value) {
        self.state.lock().unwrap().discovery = Some(doc);
    }

    /// Access tokens issued from now on expire after this many seconds.
    pub fn expires_in(&self, secs: u64) {
        self.state.lock().unwrap().expires_in = secs;
    }

    /// Revokes every access token of `sub`.
    pub fn revoke(&self, sub: &str) {
        self.state.lock().unwrap().tokens.retain(|_, s| s != sub);
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }
}

fn handle(state: &Mutex<State>, request: Request) -> Response {
    let query = Params::parse(&request.query).unwrap_or_default();
    let form = Params::parse_body(&request.body).unwrap_or_default();
    let mut s = state.lock().unwrap();
    s.seen.push(Seen {
        method: request.method.clone(),
        path: request.path.clone(),
        query: query.clone(),
        form: form.clone(),
        headers: request.headers.clone(),
    });
    let url = s.url.clone();
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/.well-known/openid-configuration") => {
            let doc = s.discovery.clone().unwrap_or_else(|| {
                json!({
                    "issuer": url,
                    "authorization_endpoint": format!("{url}/authorize"),
                    "token_endpoint": format!("{url}/token"),
                    "jwks_uri": format!("{url}/jwks"),
                    "userinfo_endpoint": format!("{url}/userinfo"),
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                    "code_challenge_methods_supported": ["S256"],
                })
            });
            Response::json(200, &doc)
        }
        ("GET", "/jwks") => Response::json(200, &json!({"keys": s.published})),
        ("GET", "/authorize") => authorize(&mut s, &request, &query),
        ("POST", "/token") => token(&mut s, &form),
        ("GET", "/userinfo") => {
            let bearer = request.header("Authorization").unwrap_or("");
            let sub = bearer.strip_prefix("Bearer ").and_then(|t| s.tokens.get(t));
            match sub.and_then(|sub| s.users.values().find(|u| &u.sub == sub)) {
                Some(u) => Response::json(
                    200,
                    &json!({"sub": u.sub, "email": u.email,
                    "email_verified": u.email_verified, "name": u.name, "locale": "en"}),
                ),
                None => Response::json(401, &json!({"error": "invalid_token"}))
                    .with_header("WWW-Authenticate", "Bearer error=\"invalid_token\""),
            }
        }
        _ => Response::json(404, &json!({"error": "not_found"})),
    }
}

fn redirect(location: &str) -> Response {
    Response::empty(302).with_header("Location", location)
}

fn authorize(s: &mut State, request: &Request, q: &Params) -> Response {
    let redirect_uri = q.get("redirect_uri").unwrap_or("");
    if q.get("client_id") != Some(CLIENT_ID) || s.callback.is_empty() || redirect_uri != s.callback
    {
        return Response::html(400, "<h1>invalid client or redirect_uri</h1>");
    }
    let state = q.get("state").unwrap_or("");
    let back = |pairs: &[(&str, &str)]| {
        redirect(&format!(
            "{redirect_uri}?{}",
            encode_pairs(pairs.iter().copied())
        ))
    };
    let scope_ok = q
        .get("scope")
        .is_some_and(|s| s.split(' ').any(|x| x == "openid"));
    if q.get("response_type") != Some("code")
        || !scope_ok
        || q.get("code_challenge_method") != Some("S256")
    {
        return back(&[("error", "invalid_request"), ("state", state)]);
    }
    let cookies = request.header("Cookie").unwrap_or("");
    let cookie = |name: &str| {
        cookies
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    };
    let Some(user) = cookie("op_session").filter(|u| s.users.contains_key(u)) else {
        return Response::html(200, "<h1>Sign in</h1>");
    };
    if cookie("decision").as_deref() == Some("deny") {
        return back(&[
            ("error", "access_denied"),
            ("error_description", "The user declined."),
            ("state", state),
        ]);
    }
    let code = random_id();
    s.codes.insert(
        code.clone(),
        Grant {
            user,
            challenge: q.get("code_challenge").unwrap_or("").into(),
            redirect_uri: redirect_uri.into(),
            nonce: q.get("nonce").map(str::to_string),
        },
    );
    back(&[("code", code.as_str()), ("state", state)])
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn token(s: &mut State, f: &Params) -> Response {
    let error = |code: &str| Response::json(400, &json!({"error": code}));
    if f.get("client_id") != Some(CLIENT_ID) || f.get("client_secret") != Some(CLIENT_SECRET) {
        return Response::json(401, &json!({"error": "invalid_client"}));
    }
    let (user, nonce) = match f.get("grant_type") {
        Some("refresh_token") => match f
            .get("refresh_token")
            .and_then(|r| s.refresh_tokens.remove(r))
        {
            Some(user) => (user, None),
            None => return error("invalid_grant"),
        },
        Some("authorization_code") => {
            let Some(grant) = f.get("code").and_then(|c| s.codes.remove(c)) else {
                return error("invalid_grant");
            };
            let verified = f
                .get("code_verifier")
                .is_some_and(|v| pkce::verify(v, &grant.challenge));
            if !verified || f.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
                return error("invalid_grant");
            }
            (grant.user, grant.nonce)
        }
        _ => return error("unsupported_grant_type"),
    };
    let u = s.users[&user].clone();
    let access = format!("op_at_{}", random_id());
    let refresh = format!("op_rt_{}", random_id());
    s.tokens.insert(access.clone(), u.sub.clone());
    s.refresh_tokens.insert(refresh.clone(), user.clone());
    let mut body = json!({"access_token": access, "token_type": "Bearer", "expires_in": s.expires_in,
                          "refresh_token": refresh, "scope": "openid email profile"});
    let now = now();
    let mut claims = json!({"iss": s.url, "sub": u.sub, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
        "email": u.email, "email_verified": u.email_verified, "name": u.name});
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    let kid = s.key.kid.clone();
    let id_token = match s.bad {
        Some(Bad::WrongIssuer) => {
            claims["iss"] = json!("https://evil.example");
            s.key.sign(&kid, &claims)
        }
        Some(Bad::WrongAudience) => {
            claims["aud"] = json!("another-client");
            s.key.sign(&kid, &claims)
        }
        Some(Bad::WrongNonce) => {
            claims["nonce"] = json!("a-nonce-from-another-sign-in");
            s.key.sign(&kid, &claims)
        }
        Some(Bad::Expired) => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
            s.key.sign(&kid, &claims)
        }
        Some(Bad::ForgedSignature) => {
            let other = if s.key.alg == "RS256" {
                SigningKey::rs256("x")
            } else {
                SigningKey::es256("x")
            };
            other.sign(&kid, &claims)
        }
        Some(Bad::UnknownKey) => {
            SigningKey::es256("never-published").sign("never-published", &claims)
        }
        Some(Bad::AlgNone) => format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": kid}).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        ),
        Some(Bad::NoIdToken) => String::new(),
        None => s.key.sign(&kid, &claims),
    };
    if !id_token.is_empty() && f.get("grant_type") == Some("authorization_code") {
        body["id_token"] = json!(id_token);
    }
    Response::json(200, &body)
}
