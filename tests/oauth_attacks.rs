//! What an attacker tries, and what they get. Each test names the attack; the
//! assertions are the wire answers that defeat it.

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use browser::{
    CHALLENGE, PASSWORD, REDIRECT, Srv, consent_cookie, hidden_fields, html_unescape, initialize,
    json, password_app, redirect_params,
};
use remote_mcp::crypto::secret::{Secret, random_id};
use remote_mcp::crypto::signing::SigningKey;
use remote_mcp::oauth::claims::{TokenClaims, TokenKind};
use remote_mcp::oauth::encoding::Params;
use remote_mcp::oauth::encoding::encode_pairs;
use remote_mcp::oauth::store::now;
use remote_mcp::{App, Config, StaticPasswordProvider};

const KEY: &str = "test-signing-key-0123456789abcdef0123";

/// `/authorize?…` with these parameters replaced or removed (`None`).
fn authorize(srv: &Srv, client: &str, changes: &[(&str, Option<&str>)]) -> String {
    let resource = srv.mcp_url();
    let mut pairs = vec![
        ("response_type", Some("code")),
        ("client_id", Some(client)),
        ("redirect_uri", Some(REDIRECT)),
        ("code_challenge", Some(CHALLENGE)),
        ("code_challenge_method", Some("S256")),
        ("state", Some("st")),
        ("resource", Some(resource.as_str())),
    ];
    for (name, value) in changes {
        match pairs.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = *value,
            None => pairs.push((name, *value)),
        }
    }
    format!(
        "/authorize?{}",
        encode_pairs(pairs.into_iter().filter_map(|(n, v)| Some((n, v?))))
    )
}

/// RFC 9700 §4.11.2: a self-registered client's error before the user has
/// acted is our page with a link back (no `Location`); the link carries the
/// RFC 6749 error parameters. Returns them.
fn error_page_link(r: &raw::Answer) -> Params {
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.header("Location").is_none(), "no silent redirect");
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    let html = r.text();
    let start = html.find("href=\"").expect("a link back") + 6;
    let href = html_unescape(&html[start..start + html[start..].find('"').unwrap()]);
    assert!(href.starts_with(REDIRECT), "{href}");
    Params::parse(href.split_once('?').unwrap().1).unwrap()
}

#[test]
fn an_unregistered_or_altered_redirect_uri_gets_a_page_not_a_redirect() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    for evil in [
        "https://evil.example/callback",
        "http://localhost:33418/callback/../steal",
        "http://localhost:33418/callbackx",
    ] {
        let r = srv.get(&authorize(&srv, &client, &[("redirect_uri", Some(evil))]));
        assert_eq!(r.status, 400, "{evil}");
        assert!(
            r.header("Location").is_none(),
            "RFC 6749 §4.1.2.1: MUST NOT redirect"
        );
        assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    }
    // An unknown client id: same.
    let r = srv.get(&authorize(&srv, "mcp_client.e30.AAAA", &[]));
    assert_eq!(r.status, 400);
    assert!(r.header("Location").is_none());
    // A loopback redirect may change its port (RFC 8252 §7.3), nothing else.
    let r = srv.get(&authorize(
        &srv,
        &client,
        &[("redirect_uri", Some("http://localhost:50000/callback"))],
    ));
    assert_eq!(r.status, 200);
}

#[test]
fn pkce_missing_or_plain_is_redirected_back_as_invalid_request() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let cases: [&[(&str, Option<&str>)]; 4] = [
        &[("code_challenge", None)],
        &[("code_challenge_method", Some("plain"))],
        &[("code_challenge_method", None)],
        &[("code_challenge", Some("too-short"))],
    ];
    for changes in cases {
        let r = srv.get(&authorize(&srv, &client, changes));
        let p = error_page_link(&r);
        assert_eq!(p.get("error"), Some("invalid_request"), "{changes:?}");
        assert_eq!(p.get("state"), Some("st"));
        assert_eq!(p.get("iss"), Some(srv.public_url().as_str()));
        assert!(p.get("code").is_none());
    }
    let r = srv.get(&authorize(
        &srv,
        &client,
        &[("response_type", Some("token"))],
    ));
    assert_eq!(
        error_page_link(&r).get("error"),
        Some("unsupported_response_type")
    );
}

#[test]
fn the_operators_own_client_gets_errors_redirected_at_once() {
    let mut config = Config::local(0);
    config.client_id = Some("operator-client".into());
    config.client_secret = Some(Secret::new("operator-secret-0123456789"));
    let srv = Srv::start(password_app().config(config));
    let target = authorize(
        &srv,
        "operator-client",
        &[
            (
                "redirect_uri",
                Some("https://claude.ai/api/mcp/auth_callback"),
            ),
            ("code_challenge_method", Some("plain")),
        ],
    );
    let r = srv.get(&target);
    assert_eq!(r.status, 302, "{}", r.text());
    let p = redirect_params(&r);
    assert_eq!(p.get("error"), Some("invalid_request"));
    assert_eq!(p.get("state"), Some("st"));
}

#[test]
fn a_foreign_resource_is_invalid_target_and_variants_of_ours_are_fine() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let r = srv.get(&authorize(
        &srv,
        &client,
        &[("resource", Some("https://evil.example/mcp"))],
    ));
    assert_eq!(error_page_link(&r).get("error"), Some("invalid_target"));
    let upper = srv
        .mcp_url()
        .replace("http://localhost", "HTTP://LOCALHOST")
        + "/";
    for ours in [format!("{}/", srv.mcp_url()), upper] {
        assert_eq!(
            srv.get(&authorize(&srv, &client, &[("resource", Some(&ours))]))
                .status,
            200,
            "{ours}"
        );
    }
    // Omitted: bound to our resource anyway.
    assert_eq!(
        srv.get(&authorize(&srv, &client, &[("resource", None)]))
            .status,
        200
    );
}

#[test]
fn an_unknown_scope_is_invalid_scope() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let r = srv.get(&authorize(&srv, &client, &[("scope", Some("admin"))]));
    let p = error_page_link(&r);
    assert_eq!(p.get("error"), Some("invalid_scope"));
    assert_eq!(p.get("state"), Some("st"));
    // The control: a known scope among unknown ones is narrowed to, not refused.
    let r = srv.get(&authorize(&srv, &client, &[("scope", Some("admin mcp"))]));
    assert_eq!(r.status, 200, "{}", r.text());
}

fn keyed_app() -> (App, SigningKey) {
    let mut config = Config::local(0);
    config.signing_key = Some(Secret::new(KEY));
    let app = App::new(browser::test_mcp("x"))
        .config(config)
        .provider(StaticPasswordProvider::new(PASSWORD));
    (app, SigningKey::from_secret(&Secret::new(KEY)))
}

fn claims(audience: &str, expires_at: u64) -> TokenClaims {
    TokenClaims {
        sub: "admin".into(),
        client_id: "c".into(),
        scopes: vec!["mcp".into()],
        audience: audience.into(),
        issued_at: now() - 10,
        expires_at,
        id: random_id(),
        family: random_id(),
        family_expires_at: expires_at,
    }
}

#[test]
fn expired_tampered_foreign_audience_and_wrong_kind_tokens_are_invalid_token() {
    let (app, key) = keyed_app();
    let srv = Srv::start(app);
    let good = claims(&srv.mcp_url(), now() + 60).sign(&key, TokenKind::Access);
    assert!(
        srv.accepts(good.expose()),
        "the control: a good token passes"
    );
    let expired = claims(&srv.mcp_url(), now() - 1).sign(&key, TokenKind::Access);
    let foreign = claims("https://other.example/mcp", now() + 60).sign(&key, TokenKind::Access);
    let refresh = claims(&srv.mcp_url(), now() + 60).sign(&key, TokenKind::Refresh);
    let other_key =
        claims(&srv.mcp_url(), now() + 60).sign(&SigningKey::generate(), TokenKind::Access);
    let mut tampered = good.expose().to_string();
    tampered.insert(10, 'x');
    for (case, token, description) in [
        ("expired", expired.expose(), "the access token has expired"),
        (
            "foreign audience",
            foreign.expose(),
            "the access token is for another resource",
        ),
        ("a refresh token", refresh.expose(), "not an access token"),
        (
            "another server's key",
            other_key.expose(),
            "the access token is not valid",
        ),
        (
            "tampered",
            tampered.as_str(),
            "the access token is not valid",
        ),
    ] {
        let r = srv.mcp(Some(token), &initialize());
        assert_eq!(r.status, 401, "{case}");
        assert_eq!(
            r.header("WWW-Authenticate").unwrap(),
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{description}\", resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\"",
                srv.public_url()
            ),
            "{case}"
        );
    }
}

/// A revoked token is refused like any other bad token: `401 invalid_token`
/// with the challenge, whether the access token itself was revoked or the
/// grant it belongs to (its refresh token).
#[test]
fn a_revoked_token_is_invalid_token_with_the_challenge() {
    let srv = Srv::start(password_app());
    let revoke = |client: &str, token: &str| {
        let form = encode_pairs([("token", token), ("client_id", client)]);
        assert_eq!(srv.post_form("/revoke", &form, &[]).status, 200);
    };
    let (client, tokens) = srv.grant();
    let access = tokens["access_token"].as_str().unwrap();
    assert!(srv.accepts(access), "the control");
    revoke(&client, access);
    let (other_client, other) = srv.grant();
    let other_access = other["access_token"].as_str().unwrap();
    assert!(srv.accepts(other_access), "the control");
    revoke(&other_client, other["refresh_token"].as_str().unwrap());
    for token in [access, other_access] {
        let r = srv.mcp(Some(token), &initialize());
        assert_eq!(r.status, 401);
        assert_eq!(
            r.header("WWW-Authenticate").unwrap(),
            format!(
                "Bearer error=\"invalid_token\", error_description=\"the access token has been revoked\", resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\"",
                srv.public_url()
            )
        );
    }
}

#[test]
fn a_token_in_the_query_string_is_refused() {
    let srv = Srv::start(password_app());
    let (_, tokens) = srv.grant();
    let token = tokens["access_token"].as_str().unwrap();
    let r = srv.send(
        "POST",
        &format!("/mcp?access_token={token}"),
        &[("Content-Type", "application/json")],
        initialize().to_string().as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert!(
        r.header("WWW-Authenticate")
            .unwrap()
            .starts_with("Bearer error=\"invalid_request\"")
    );
}

/// RFC 9700 §4.14.2: "If a refresh token is compromised and subsequently used
/// by both the attacker and the legitimate client, one of them will present an
/// invalidated refresh token, which will inform the authorization server of
/// the breach" — and the whole family is revoked.
#[test]
fn refresh_token_reuse_revokes_the_whole_family() {
    let srv = Srv::start(password_app());
    let (client, tokens) = srv.grant();
    let first_refresh = tokens["refresh_token"].as_str().unwrap();
    let rotated = json(&srv.refresh(&client, first_refresh));
    let new_refresh = rotated["refresh_token"].as_str().unwrap();
    let new_access = rotated["access_token"].as_str().unwrap();
    assert!(srv.accepts(new_access));
    // The client refreshes again (so the first token's retry window is
    // closed: its successor has been used)…
    let again = json(&srv.refresh(&client, new_refresh));
    let newest_refresh = again["refresh_token"].as_str().unwrap();
    // … and the attacker replays the first refresh token.
    let r = srv.refresh(&client, first_refresh);
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["error"], "invalid_grant");
    // Now nothing of the family works any more.
    assert_eq!(
        json(&srv.refresh(&client, newest_refresh))["error"],
        "invalid_grant"
    );
    assert_eq!(srv.mcp(Some(new_access), &initialize()).status, 401);
    assert_eq!(
        srv.mcp(
            Some(tokens["access_token"].as_str().unwrap()),
            &initialize()
        )
        .status,
        401
    );
    // Another grant of the same client is untouched.
    let (_, other) = srv.grant();
    assert!(srv.accepts(other["access_token"].as_str().unwrap()));
}

#[test]
fn a_client_name_with_html_is_escaped_on_the_consent_form() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("<script>alert('x')</script><b>Claude</b>");
    let r = srv.get(&authorize(
        &srv,
        &client,
        &[("state", Some("\"><img src=x onerror=alert(1)>"))],
    ));
    assert_eq!(r.status, 200);
    let page = r.text();
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img src=x"));
    assert!(
        page.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;b&gt;Claude&lt;/b&gt;")
    );
    // The hidden field still carries the state exactly.
    assert!(
        hidden_fields(&page).contains(&("state".into(), "\"><img src=x onerror=alert(1)>".into()))
    );
}

#[test]
fn password_guessing_is_slowed_then_locked_out() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let target = authorize(&srv, &client, &[]);
    for attempt in 1..=5 {
        let r = srv.login(&target, "guess");
        assert_eq!(r.status, 200, "attempt {attempt}: the form again");
        assert!(r.text().contains("Wrong password."));
    }
    // Locked: even the right password is answered 429 on the form for now.
    let r = srv.login(&target, PASSWORD);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), Some("60"));
    assert!(r.text().contains("Too many failed attempts"));
    assert!(r.header("Location").is_none());
}

/// [`password_app`] behind a proxy, as on Cloud Run: `trust_proxy` on or off.
fn proxied_app(trust_proxy: bool) -> App {
    let mut config = Config::local(0);
    config.trust_proxy = trust_proxy;
    password_app().config(config)
}

/// Plays the browser like `Srv::login`, with the form POST arriving through a
/// proxy that sent this `X-Forwarded-For`.
fn login_via(srv: &Srv, target: &str, password: &str, forwarded_for: &str) -> u16 {
    let page = srv.get(target);
    assert_eq!(page.status, 200, "{}", page.text());
    let mut fields = hidden_fields(&page.text());
    fields.push(("password".into(), password.into()));
    fields.push(("action".into(), "allow".into()));
    let body = encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let cookie = consent_cookie(&page);
    srv.post_form(
        "/authorize",
        &body,
        &[
            ("X-Forwarded-For", forwarded_for),
            ("Cookie", cookie.as_str()),
        ],
    )
    .status
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_address_has_its_own_lock_out() {
    let srv = Srv::start(proxied_app(true));
    let client = srv.register_public("c");
    let target = authorize(&srv, &client, &[]);
    // The attacker varies the entries it controls (all but the last); the
    // proxy's entry, the last, is what is counted.
    for attempt in 1..=5 {
        let sent = format!("10.0.0.{attempt}, 203.0.113.7");
        assert_eq!(login_via(&srv, &target, "guess", &sent), 200);
    }
    assert_eq!(login_via(&srv, &target, PASSWORD, "203.0.113.7"), 429);
    assert_eq!(
        login_via(&srv, &target, PASSWORD, "198.51.100.9, 203.0.113.7"),
        429,
        "the first entry is the client's to choose and is never read"
    );
    // Someone else behind the same proxy (the same socket address) signs in.
    assert_eq!(login_via(&srv, &target, PASSWORD, "198.51.100.9"), 302);
}

/// A Google external load balancer in front of Cloud Run appends
/// `<client>, <balancer>`: with one trusted hop every client would be the
/// balancer, one bucket for all. `MCP_TRUST_PROXY=2` reads the client.
#[test]
fn behind_a_load_balancer_two_trusted_hops_find_the_client() {
    let config =
        Config::from_lookup(|name| (name == "MCP_TRUST_PROXY").then(|| "2".to_string())).unwrap();
    let mut local = Config::local(0);
    local.trust_proxy = config.trust_proxy;
    local.trusted_hops = config.trusted_hops;
    let srv = Srv::start(password_app().config(local));
    let client = srv.register_public("c");
    let target = authorize(&srv, &client, &[]);
    let balancer = "35.191.0.1";
    for attempt in 1..=5 {
        // The attacker's own first entry varies; the balancer saw 203.0.113.7.
        let sent = format!("10.0.0.{attempt}, 203.0.113.7, {balancer}");
        assert_eq!(login_via(&srv, &target, "guess", &sent), 200);
    }
    let from = |client: &str| format!("{client}, {balancer}");
    assert_eq!(
        login_via(&srv, &target, PASSWORD, &from("203.0.113.7")),
        429
    );
    assert_eq!(
        login_via(&srv, &target, PASSWORD, &from("198.51.100.9")),
        302
    );
}

#[test]
fn without_a_trusted_proxy_a_spoofed_forwarded_for_is_ignored() {
    let srv = Srv::start(proxied_app(false));
    let client = srv.register_public("c");
    let target = authorize(&srv, &client, &[]);
    for attempt in 1..=5 {
        let spoofed = format!("203.0.113.{attempt}");
        assert_eq!(login_via(&srv, &target, "guess", &spoofed), 200);
    }
    assert_eq!(login_via(&srv, &target, PASSWORD, "198.51.100.9"), 429);
}

#[test]
fn strangers_guessing_from_many_addresses_never_lock_the_admin_out() {
    let srv = Srv::start(proxied_app(true));
    let client = srv.register_public("c");
    let target = authorize(&srv, &client, &[]);
    // 20 addresses × 5 wrong passwords: 100 failures in the window.
    for address in 1..=20 {
        for _ in 0..5 {
            let from = format!("203.0.113.{address}");
            assert_eq!(login_via(&srv, &target, "guess", &from), 200);
        }
    }
    // The admin, from an address that has not failed, is never refused.
    assert_eq!(login_via(&srv, &target, PASSWORD, "198.51.100.9"), 302);
    // The guessers' own addresses stay locked; under such an attack a fresh
    // address gets one wrong try before its lock instead of five.
    assert_eq!(login_via(&srv, &target, PASSWORD, "203.0.113.1"), 429);
    assert_eq!(login_via(&srv, &target, "guess", "192.0.2.77"), 200);
    assert_eq!(login_via(&srv, &target, "guess", "192.0.2.77"), 429);
}

#[test]
fn ipv6_guesses_count_per_64_prefix() {
    let srv = Srv::start(proxied_app(true));
    let client = srv.register_public("c");
    let target = authorize(&srv, &client, &[]);
    // A fresh address per try, all in one /64 (what one subscriber holds).
    for host in 1..=5 {
        let from = format!("2001:db8:1:2::{host:x}");
        assert_eq!(login_via(&srv, &target, "guess", &from), 200);
    }
    assert_eq!(login_via(&srv, &target, PASSWORD, "2001:db8:1:2::99"), 429);
    assert_eq!(login_via(&srv, &target, PASSWORD, "2001:db8:1:3::1"), 302);
}

#[test]
fn behind_a_trusted_proxy_registration_is_rate_limited_per_forwarded_address() {
    let srv = Srv::start(proxied_app(true));
    let body =
        serde_json::json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"})
            .to_string();
    let register = |forwarded_for: &str| {
        srv.send(
            "POST",
            "/register",
            &[
                ("Content-Type", "application/json"),
                ("X-Forwarded-For", forwarded_for),
            ],
            body.as_bytes(),
        )
        .status
    };
    for _ in 0..60 {
        assert_eq!(register("203.0.113.7"), 201);
    }
    assert_eq!(register("203.0.113.7"), 429);
    assert_eq!(register("198.51.100.9"), 201);
}

#[test]
fn a_password_in_the_query_string_does_not_log_in() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let r = srv.get(&authorize(&srv, &client, &[("password", Some(PASSWORD))]));
    assert_eq!(r.status, 200, "the form, not a code");
    assert!(r.header("Location").is_none());
}

#[test]
fn a_password_in_the_query_string_of_the_form_post_does_not_log_in() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let page = srv.get(&authorize(&srv, &client, &[]));
    let fields = hidden_fields(&page.text());
    let cookie = consent_cookie(&page);
    let form = |password: &str| {
        let mut all = fields.clone();
        all.push(("password".into(), password.into()));
        all.push(("action".into(), "allow".into()));
        encode_pairs(all.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    };
    let query = format!("/authorize?{}", encode_pairs([("password", PASSWORD)]));
    // The right password in the query, a wrong one (or none) in the form.
    for body in [form("guess"), form("")] {
        let r = srv.post_form(&query, &body, &[("Cookie", &cookie)]);
        assert_eq!(r.status, 200, "the form again, not a code");
        assert!(r.header("Location").is_none());
        assert!(r.text().contains("Wrong password."));
    }
    // The form alone decides.
    let r = srv.post_form(&query, &form(PASSWORD), &[("Cookie", &cookie)]);
    assert_eq!(r.status, 302);
    assert!(redirect_params(&r).get("code").is_some());
}

#[test]
fn a_forged_or_cross_site_form_post_is_refused() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let target = authorize(&srv, &client, &[]);
    let page = srv.get(&target);
    let fields = hidden_fields(&page.text());
    let cookie = consent_cookie(&page);
    let post = |fields: &[(String, String)], headers: &[(&str, &str)]| {
        let mut all = fields.to_vec();
        all.push(("password".into(), PASSWORD.into()));
        srv.post_form(
            "/authorize",
            &encode_pairs(all.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            headers,
        )
    };
    let with_cookie = [("Cookie", cookie.as_str())];
    // No CSRF token (a page on another site building the form).
    let without: Vec<_> = fields
        .iter()
        .filter(|(n, _)| n != "csrf")
        .cloned()
        .collect();
    assert_eq!(post(&without, &with_cookie).status, 403);
    // A hidden field changed after rendering (here the state).
    let altered: Vec<_> = fields
        .iter()
        .map(|(n, v)| {
            if n == "state" {
                (n.clone(), "other".to_string())
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect();
    let r = post(&altered, &with_cookie);
    assert_eq!(r.status, 403);
    assert!(r.header("Location").is_none());
    // A token fetched by the attacker's own GET, posted from the victim's
    // browser: the browser's cookie is not the one the token is bound to.
    // Without any cookie, the same.
    let other_browser = consent_cookie(&srv.get(&target));
    assert_ne!(other_browser, cookie);
    let r = post(&fields, &[("Cookie", other_browser.as_str())]);
    assert_eq!(r.status, 403);
    assert!(
        r.text().contains("not issued to this browser"),
        "{}",
        r.text()
    );
    let r = post(&fields, &[]);
    assert_eq!(r.status, 403);
    assert!(r.text().contains("allow cookies"), "{}", r.text());
    // Posted from another origin, from an opaque origin (sandboxed frame,
    // data: page), or said to be cross-site or same-site by Fetch Metadata.
    for headers in [
        [("Origin", "https://evil.example")],
        [("Origin", "null")],
        [("Sec-Fetch-Site", "cross-site")],
        [("Sec-Fetch-Site", "same-site")],
    ] {
        let mut all = headers.to_vec();
        all.push(("Cookie", cookie.as_str()));
        let r = post(&fields, &all);
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(r.header("Location").is_none());
    }
    // The genuine form from our own origin works, as a browser sends it.
    let origin = srv.public_url();
    let r = post(
        &fields,
        &[
            ("Origin", origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Cookie", cookie.as_str()),
        ],
    );
    assert_eq!(r.status, 302, "{}", r.text());
}

#[test]
fn deny_sends_access_denied_back_to_the_client() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let page = srv.get(&authorize(&srv, &client, &[]));
    let cookie = consent_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.push(("action".into(), "deny".into()));
    let r = srv.post_form(
        "/authorize",
        &encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        &[("Cookie", cookie.as_str())],
    );
    assert_eq!(r.status, 302);
    let p = redirect_params(&r);
    assert_eq!(p.get("error"), Some("access_denied"));
    assert_eq!(p.get("state"), Some("st"));
}

#[test]
fn oversized_form_bodies_are_refused() {
    let srv = Srv::start(password_app());
    let big = format!(
        "grant_type=authorization_code&padding={}",
        "a".repeat(20 * 1024)
    );
    let r = srv.post_form("/token", &big, &[]);
    assert_eq!(r.status, 413);
    assert_eq!(json(&r)["error"], "invalid_request");
    let r = srv.post_form("/authorize", &big, &[]);
    assert_eq!(r.status, 413);
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    let r = srv.send(
        "POST",
        "/register",
        &[("Content-Type", "application/json")],
        big.as_bytes(),
    );
    assert_eq!(r.status, 413);
}

#[test]
fn revoking_is_200_for_unknown_tokens_and_leaves_other_clients_tokens_alone() {
    let srv = Srv::start(password_app());
    let (client, tokens) = srv.grant();
    let other = srv.register_public("other");
    let revoke = |token: &str, client: &str| {
        srv.post_form(
            "/revoke",
            &encode_pairs([("token", token), ("client_id", client)]),
            &[],
        )
    };
    assert_eq!(revoke("not-a-token", &client).status, 200);
    // Another client cannot revoke this client's grant (200, nothing happens).
    assert_eq!(
        revoke(tokens["refresh_token"].as_str().unwrap(), &other).status,
        200
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert!(srv.accepts(access));
    // The owner revokes the access token alone: the refresh token still works.
    assert_eq!(revoke(access, &client).status, 200);
    assert_eq!(srv.mcp(Some(access), &initialize()).status, 401);
    assert_eq!(
        srv.refresh(&client, tokens["refresh_token"].as_str().unwrap())
            .status,
        200
    );
    // No token parameter: invalid_request.
    let r = srv.post_form(
        "/revoke",
        &format!("client_id={}", browser::enc(&client)),
        &[],
    );
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["error"], "invalid_request");
}

/// RFC 7009 §2.1: the client authenticates as at `/token`; a client that
/// fails is `401 invalid_client`, and nothing is revoked.
#[test]
fn revoking_without_client_authentication_is_401_invalid_client() {
    let srv = Srv::start(password_app());
    let (client, tokens) = srv.grant();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    for (case, form) in [
        (
            "unknown client_id",
            encode_pairs([("token", refresh), ("client_id", "mcp_client.forged.sig")]),
        ),
        (
            "a secret for a public client",
            encode_pairs([
                ("token", refresh),
                ("client_id", client.as_str()),
                ("client_secret", "x"),
            ]),
        ),
        ("no client at all", encode_pairs([("token", refresh)])),
    ] {
        let r = srv.post_form("/revoke", &form, &[]);
        assert_eq!(r.status, 401, "{case}: {}", r.text());
        assert_eq!(json(&r)["error"], "invalid_client", "{case}");
    }
    assert!(srv.accepts(access), "nothing was revoked");
    assert_eq!(srv.refresh(&client, refresh).status, 200);
}

#[test]
fn a_failed_exchange_spends_the_code_so_a_second_try_with_the_right_verifier_fails() {
    // OAuth 2.1 §4.1.3: a code is used once. Presenting it with a wrong
    // verifier (or a wrong redirect_uri) is a use: the client that holds the
    // right verifier must start a new authorization, and nobody gets a second
    // guess.
    let srv = Srv::start(password_app());
    let client_id = srv.register_public("Test client");
    let wrong_verifier = "x".repeat(43);
    for (case, redirect_uri, verifier) in [
        ("wrong verifier", REDIRECT, wrong_verifier.as_str()),
        (
            "wrong redirect_uri",
            "http://localhost:33418/other",
            browser::VERIFIER,
        ),
    ] {
        let code = srv.code_for(&client_id);
        let wrong = srv.post_form(
            "/token",
            &encode_pairs([
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
                ("client_id", &client_id),
            ]),
            &[],
        );
        assert_eq!(wrong.status, 400, "{case}");
        assert_eq!(json(&wrong)["error"], "invalid_grant", "{case}");
        let right = srv.redeem(&client_id, &code);
        assert_eq!(right.status, 400, "{case}: {}", right.text());
        assert_eq!(json(&right)["error"], "invalid_grant", "{case}");
    }
}

#[test]
fn a_response_formatted_with_debug_shows_no_header_values() {
    // ARCHITECTURE invariant 3: a code in `Location` or a session in
    // `Set-Cookie` must not leak through `{response:?}` (a log line, a failing
    // assertion).
    let response = remote_mcp::http::Response::empty(302)
        .with_header("Location", "https://app.example/cb?code=mcp_code.SECRET1")
        .with_header("Set-Cookie", "__Host-mcp_session=SECRET2; Secure");
    let shown = format!("{response:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("Location") && shown.contains("Set-Cookie"));
    assert!(shown.contains("302"));
}
