//! The OpenID Connect upstream end to end over real sockets: `examples/oidc.rs`
//! (on `remote_mcp::ext::upstream::oidc::Oidc`) against a local stand-in OpenID
//! provider (`support/oidc.rs`, keys generated at start), with this test
//! playing the MCP client and the user's browser, every redirect followed by
//! hand. (OpenID Connect Core 1.0 §3.1.2.1, §3.1.3.7, §5.3; Discovery 1.0 §4;
//! RFC 7636; RFC 6749 §4.1.2.1.)

#[path = "support/oauth_browser.rs"]
mod browser;
#[allow(dead_code)] // its `main` is not called here
#[path = "../examples/oidc.rs"]
mod example;
#[path = "support/oidc.rs"]
mod op;
#[path = "support/raw.rs"]
mod raw;

use std::sync::Arc;

use browser::{REDIRECT, Srv, consent_cookie, hidden_fields, json, redirect_params};
use op::{Bad, Op, SigningKey};
use raw::{Answer, Conn};
use remote_mcp::ext::seal::{SealKey, Sealed};
use remote_mcp::oauth::encoding::{Params, encode_pairs};
use remote_mcp::oauth::pkce;
use remote_mcp::oauth::store::{MemoryStore, Store};
use remote_mcp::{App, Config};
use serde_json::{Value, json};

fn env(op: &Op, allowed: &str) -> impl Fn(&str) -> Option<String> {
    let (url, allowed) = (op.url.clone(), allowed.to_string());
    move |name: &str| match name {
        "OIDC_ISSUER" => Some(url.clone()),
        "OIDC_CLIENT_ID" => Some(op::CLIENT_ID.into()),
        "OIDC_CLIENT_SECRET" => Some(op::CLIENT_SECRET.into()),
        "OIDC_ALLOWED" => Some(allowed.clone()),
        "OIDC_DISPLAY_NAME" => Some("Stand-in ID".into()),
        _ => None,
    }
}

/// The example server, configured for the stand-in, with this allowlist.
fn start(op: &Op, allowed: &str) -> Srv {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let oidc = example::from_lookup(
        env(op, allowed),
        Sealed::new(store.clone(), SealKey::random()),
    )
    .unwrap();
    let srv = Srv::start(
        App::new(example::build(oidc.clone()))
            .config(Config::local(0))
            .store(store)
            .provider(oidc),
    );
    op.register_callback(&format!("{}/auth/oidc/callback", srv.public_url()));
    srv
}

/// `GET url` (absolute, on 127.0.0.1) with these headers.
fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, target) = rest.split_at(rest.find('/').unwrap());
    let mut head = format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut conn = Conn::open(authority.parse().unwrap());
    conn.send(head);
    conn.answer()
}

fn set_cookies(a: &Answer) -> Vec<String> {
    a.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Set-Cookie"))
        .map(|(_, v)| v.clone())
        .collect()
}

/// `name=value` of the cookie `name` set by an answer.
fn cookie(a: &Answer, name: &str) -> String {
    let header = set_cookies(a)
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no Set-Cookie {name}: {:?}", a.headers));
    header.split(';').next().unwrap().to_string()
}

fn location(a: &Answer) -> &str {
    a.header("Location")
        .unwrap_or_else(|| panic!("no Location ({}): {}", a.status, a.text()))
}

/// Consent, Allow, the provider (signed in there as `user`), and our
/// callback: returns `(client_id, redirect to the provider, callback answer)`.
fn through_callback(
    srv: &Srv,
    _op: &Op,
    user: &str,
    extra_cookie: &str,
) -> (String, Answer, Answer) {
    let client_id = srv.register_public("Test client");
    let page = srv.get(&srv.authorize_target(&client_id));
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(
        page.text().contains(">Continue with Stand-in ID</button>"),
        "{}",
        page.text()
    );
    let mut fields = hidden_fields(&page.text());
    fields.push(("action".into(), "allow".into()));
    let consent = consent_cookie(&page);
    let to_op = srv.post_form(
        "/authorize",
        &encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        &[("Cookie", consent.as_str())],
    );
    assert_eq!(to_op.status, 302, "{}", to_op.text());
    let signin = cookie(&to_op, "mcp_signin");
    let from_op = get(
        location(&to_op),
        &[("Cookie", &format!("op_session={user}{extra_cookie}"))],
    );
    assert_eq!(from_op.status, 302, "{}", from_op.text());
    let target = location(&from_op)
        .strip_prefix(&srv.public_url())
        .unwrap()
        .to_string();
    let back = srv.send("GET", &target, &[("Cookie", &signin)], b"");
    (client_id, to_op, back)
}

/// The whole sign-in as `user`; returns our access token.
fn sign_in(srv: &Srv, op: &Op, user: &str) -> String {
    let (client_id, _, back) = through_callback(srv, op, user, "");
    assert_eq!(back.status, 302, "{}", back.text());
    let session = cookie(&back, "mcp_session");
    let done = srv.send("GET", location(&back), &[("Cookie", &session)], b"");
    assert_eq!(done.status, 302, "{}", done.text());
    assert!(location(&done).starts_with(&format!("{REDIRECT}?")));
    let code = redirect_params(&done).get("code").unwrap().to_string();
    let r = srv.redeem(&client_id, &code);
    assert_eq!(r.status, 200, "{}", r.text());
    json(&r)["access_token"].as_str().unwrap().to_string()
}

fn call(srv: &Srv, token: &str, tool: &str) -> Value {
    let r = srv.mcp(
        Some(token),
        &json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": tool, "arguments": {}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    json(&r)["result"].clone()
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap()
}

#[test]
fn rs256_sign_in_then_whoami_and_userinfo_answer_as_the_caller() {
    let op = Op::start(SigningKey::rs256("rsa-1"));
    let srv = start(&op, "@example.com");
    let (client_id, to_op, back) = through_callback(&srv, &op, "alice", "");
    // ── The redirect: code flow, openid scope, state, nonce, our own S256 PKCE ──
    let to = location(&to_op);
    assert!(to.starts_with(&format!("{}/authorize?", op.url)), "{to}");
    let up = Params::parse(to.split_once('?').unwrap().1).unwrap();
    assert_eq!(up.get("response_type"), Some("code"));
    assert_eq!(up.get("client_id"), Some(op::CLIENT_ID));
    assert_eq!(up.get("scope"), Some("openid email profile"));
    assert_eq!(up.get("code_challenge_method"), Some("S256"));
    assert_eq!(up.get("state").unwrap().len(), 43);
    assert_eq!(up.get("nonce").unwrap().len(), 43, "256 random bits");
    assert_ne!(up.get("nonce"), up.get("state"));
    // ── The callback: exchange with secret + verifier, then back to /authorize ──
    assert_eq!(back.status, 302, "{}", back.text());
    assert!(location(&back).starts_with("/authorize?"));
    let exchange = op
        .requests()
        .into_iter()
        .find(|r| r.path == "/token")
        .unwrap();
    assert_eq!(exchange.form.get("client_secret"), Some(op::CLIENT_SECRET));
    let verifier = exchange.form.get("code_verifier").unwrap();
    assert_eq!(
        Some(pkce::s256(verifier).as_str()),
        up.get("code_challenge")
    );
    let session = cookie(&back, "mcp_session");
    let done = srv.send("GET", location(&back), &[("Cookie", &session)], b"");
    let code = redirect_params(&done).get("code").unwrap().to_string();
    let r = srv.redeem(&client_id, &code);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        !r.text().contains("op_at_") && !r.text().contains("op_rt_"),
        "no passthrough"
    );
    let token = json(&r)["access_token"].as_str().unwrap().to_string();
    // ── Tools ──
    let who = call(&srv, &token, "whoami");
    assert_eq!(who["isError"], false, "{who}");
    assert_eq!(
        text(&who),
        "You are Alice Liddell <alice@example.com> (verified), subject a-1001."
    );
    assert_eq!(who["structuredContent"]["sub"], "a-1001");
    let info = call(&srv, &token, "userinfo");
    assert_eq!(info["isError"], false, "{info}");
    assert_eq!(info["structuredContent"]["email"], "alice@example.com");
    let userinfo_call = op
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/userinfo")
        .unwrap();
    assert!(
        userinfo_call
            .header("Authorization")
            .unwrap()
            .starts_with("Bearer op_at_")
    );
    assert!(
        op.requests()
            .iter()
            .all(|r| r.headers.iter().all(|(_, v)| !v.contains("mcp_at.")))
    );
}

#[test]
fn es256_keys_rotate_and_one_refetch_of_the_jwks_finds_the_new_one() {
    let op = Op::start(SigningKey::es256("ec-1"));
    let srv = start(&op, "alice@example.com, sub:b-1002");
    let alice = sign_in(&srv, &op, "alice");
    assert_eq!(
        op.count("/jwks"),
        1,
        "fetched once at start-up, then cached"
    );
    op.rotate(SigningKey::es256("ec-2"));
    let bob = sign_in(&srv, &op, "bob");
    assert_eq!(op.count("/jwks"), 2, "one more fetch for the unknown kid");
    assert!(text(&call(&srv, &bob, "whoami")).contains("subject b-1002"));
    assert!(text(&call(&srv, &alice, "whoami")).contains("subject a-1001"));
    // A token under a kid the provider never publishes: one refetch, then refused.
    op.spoil(Some(Bad::UnknownKey));
    let (_, _, r) = through_callback(&srv, &op, "alice", "");
    assert_eq!(r.status, 502);
    assert!(
        r.text().contains(
            "signed with a key (&quot;never-published&quot;) that the provider does not publish"
        ),
        "{}",
        r.text()
    );
    assert_eq!(op.count("/jwks"), 3);
}

#[test]
fn every_bad_id_token_gets_our_page_with_its_reason_and_no_session() {
    let op = Op::start(SigningKey::es256("ec-1"));
    let srv = start(&op, "@example.com");
    let cases = [
        (
            Bad::WrongIssuer,
            "was issued by &quot;https://evil.example&quot;, not by",
        ),
        (Bad::WrongAudience, "was issued to another application"),
        (
            Bad::WrongNonce,
            "belongs to another sign-in (its nonce does not match this one)",
        ),
        (Bad::Expired, "has expired"),
        (
            Bad::ForgedSignature,
            "has a signature that does not verify with the provider&#x27;s key",
        ),
        (
            Bad::AlgNone,
            "is signed with &quot;none&quot;, which this server never accepts",
        ),
        (Bad::NoIdToken, "Stand-in ID sent no ID token"),
    ];
    for (bad, reason) in cases {
        op.spoil(Some(bad));
        let (_, _, r) = through_callback(&srv, &op, "alice", "");
        assert_eq!(r.status, 502, "{bad:?}: {}", r.text());
        let html = r.text();
        assert!(html.contains(reason), "{bad:?}: {html}");
        assert!(
            html.contains("role=\"alert\"") || html.contains("Sign-in failed"),
            "{html}"
        );
        assert!(
            html.contains(&format!("{REDIRECT}?error=server_error")),
            "{bad:?}: a way back: {html}"
        );
        assert!(
            set_cookies(&r)
                .iter()
                .all(|c| !c.starts_with("mcp_session")),
            "{bad:?}"
        );
    }
    op.spoil(None);
    sign_in(&srv, &op, "alice"); // the server kept serving
}

#[test]
fn the_allowlist_admits_verified_emails_and_domains_only() {
    let op = Op::start(SigningKey::es256("ec-1"));
    let srv = start(&op, "@example.com, bob@corp.example");
    sign_in(&srv, &op, "alice"); // @example.com, verified
    sign_in(&srv, &op, "bob"); // named, verified
    let (_, _, carol) = through_callback(&srv, &op, "carol", "");
    assert_eq!(carol.status, 403);
    assert!(
        carol
            .text()
            .contains("Your e-mail address carol@example.com is not verified"),
        "{}",
        carol.text()
    );
    assert!(
        carol
            .text()
            .contains(&format!("{REDIRECT}?error=access_denied")),
        "{}",
        carol.text()
    );
    let (_, _, mallory) = through_callback(&srv, &op, "mallory", "");
    assert_eq!(mallory.status, 403);
    assert!(
        mallory
            .text()
            .contains("mallory@evil.example is not allowed to use this server")
    );
    assert!(
        set_cookies(&mallory)
            .iter()
            .all(|c| !c.starts_with("mcp_session"))
    );
}

#[test]
fn an_empty_allowlist_admits_nobody_before_anything_goes_upstream() {
    let op = Op::start(SigningKey::es256("ec-1"));
    let srv = start(&op, "");
    let before = op.requests().len();
    let client_id = srv.register_public("Test client");
    let r = srv.get(&srv.authorize_target(&client_id));
    assert_eq!(r.status, 403);
    assert!(
        r.text().contains("This server admits no one"),
        "{}",
        r.text()
    );
    assert_eq!(op.requests().len(), before);
}

#[test]
fn declining_at_the_provider_reaches_the_client_as_access_denied() {
    let op = Op::start(SigningKey::es256("ec-1"));
    let srv = start(&op, "@example.com");
    let (_, _, r) = through_callback(&srv, &op, "alice", "; decision=deny");
    assert_eq!(r.status, 302, "{}", r.text());
    assert!(location(&r).starts_with(&format!("{REDIRECT}?error=access_denied&")));
    assert_eq!(redirect_params(&r).get("state"), Some("xyz"));
}

#[test]
fn expiring_upstream_tokens_are_refreshed_and_revoked_ones_forgotten() {
    let op = Op::start(SigningKey::es256("ec-1"));
    op.expires_in(30); // inside the refresh margin: refreshed before use
    let srv = start(&op, "@example.com");
    let token = sign_in(&srv, &op, "alice");
    let info = call(&srv, &token, "userinfo");
    assert_eq!(info["isError"], false, "{info}");
    let refresh = op
        .requests()
        .into_iter()
        .filter(|r| r.path == "/token")
        .nth(1)
        .unwrap();
    assert_eq!(refresh.form.get("grant_type"), Some("refresh_token"));
    op.expires_in(3600);
    let info = call(&srv, &token, "userinfo"); // refreshed again (the last one was short too)
    assert_eq!(info["isError"], false, "{info}");
    op.revoke("a-1001");
    let gone = call(&srv, &token, "userinfo");
    assert_eq!(gone["isError"], true);
    assert!(text(&gone).contains("Disconnect and reconnect"), "{gone}");
    // whoami still answers from the ID token kept at sign-in.
    assert!(text(&call(&srv, &token, "whoami")).contains("alice@example.com"));
}

#[test]
fn a_bad_discovery_stops_start_up_naming_oidc_issuer() {
    let store = || Sealed::new(Arc::new(MemoryStore::new()), SealKey::random());
    let live = Op::start(SigningKey::es256("k"));
    let base = env(&live, "*");
    // Unreachable.
    let dead = |name: &str| match name {
        "OIDC_ISSUER" => Some("http://127.0.0.1:9".into()),
        other => base(other),
    };
    let e = example::from_lookup(dead, store()).unwrap_err().to_string();
    assert!(
        e.starts_with("OIDC_ISSUER=http://127.0.0.1:9: its discovery document"),
        "{e}"
    );
    // Plain http off the loopback: refused before anything is fetched.
    let plain = |name: &str| match name {
        "OIDC_ISSUER" => Some("http://op.example".into()),
        other => base(other),
    };
    let e = example::from_lookup(plain, store())
        .unwrap_err()
        .to_string();
    assert!(e.contains("the issuer must be an https URL"), "{e}");
    // Malformed: not an object, then another issuer.
    let op = Op::start(SigningKey::es256("k"));
    op.serve_discovery(json!(["not", "a", "document"]));
    let e = example::from_lookup(env(&op, "*"), store())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("OIDC_ISSUER") && e.contains("is not a JSON object"),
        "{e}"
    );
    op.serve_discovery(
        json!({"issuer": "https://elsewhere.example", "authorization_endpoint": "x"}),
    );
    let e = example::from_lookup(env(&op, "*"), store())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("OIDC_ISSUER") && e.contains("names the issuer \"https://elsewhere.example\""),
        "{e}"
    );
    // An unsafe allowlist names OIDC_ALLOWED.
    let op = Op::start(SigningKey::es256("k"));
    let e = example::from_lookup(env(&op, "root"), store())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("OIDC_ALLOWED: \"root\" is not an allowlist entry"),
        "{e}"
    );
}
