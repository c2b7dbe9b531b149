//! Secure by default (issue 13): what a security review of the server found,
//! each finding with the test that proves it closed. Servers run on
//! 127.0.0.1 over real sockets; docs/SECURITY.md names every test here.

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use browser::{PASSWORD, Srv, json, password_app, test_mcp};
use remote_mcp::{App, Config, SingleUserProvider, StaticPasswordProvider};

/// The configuration `App::run()` would read, from these variables only.
fn config_from(vars: &[(&str, &str)]) -> Config {
    let mut config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    config.port = 0;
    config
}

// ---- 1. Open only on purpose -------------------------------------------------

/// The README's service is `App::new(mcp).run()`, with no provider in code:
/// `ADMIN_PASSWORD` alone must put the password form in front of `/authorize`.
#[test]
fn admin_password_alone_protects_the_30_line_service() {
    let config = config_from(&[
        ("ADMIN_PASSWORD", PASSWORD),
        ("PUBLIC_URL", "http://localhost:0"),
    ]);
    let srv = Srv::start(App::new(test_mcp("readme")).config(config));
    let client = srv.register_public("stranger");
    let target = srv.authorize_target(&client);
    let page = srv.get(&target);
    assert_eq!(page.status, 200, "a form, not a code: {}", page.text());
    assert!(page.header("Location").is_none());
    assert!(page.text().contains("type=\"password\""), "{}", page.text());
    assert_eq!(srv.login(&target, "a wrong guess").status, 200);
    assert_eq!(srv.login(&target, PASSWORD).status, 302);
}

/// Nobody signs in with `SingleUserProvider`: on a public URL that is a
/// server for anyone, which starts only when the operator says so.
#[test]
fn an_open_server_on_a_public_url_starts_only_when_allowed() {
    let public = || config_from(&[("PUBLIC_URL", "https://mcp.example")]);
    let refused = App::new(test_mcp("open")).config(public()).start();
    let message = refused.err().expect("refused").to_string();
    for says in [
        "ADMIN_PASSWORD",
        "MCP_ALLOW_ANYONE=1",
        "App::allow_anyone()",
    ] {
        assert!(message.contains(says), "{message}");
    }
    let explicit = App::new(test_mcp("open"))
        .config(public())
        .provider(SingleUserProvider::new())
        .start();
    assert!(
        explicit.is_err(),
        "an explicit SingleUserProvider is just as open"
    );

    // Said in code, or in the environment: it starts.
    App::new(test_mcp("open"))
        .config(public())
        .allow_anyone()
        .start()
        .unwrap()
        .shutdown()
        .unwrap();
    let allowed = config_from(&[
        ("PUBLIC_URL", "https://mcp.example"),
        ("MCP_ALLOW_ANYONE", "1"),
    ]);
    App::new(test_mcp("open"))
        .config(allowed)
        .start()
        .unwrap()
        .shutdown()
        .unwrap();
    // A password, or a loopback URL, needs no permission.
    App::new(test_mcp("closed"))
        .config(public())
        .provider(StaticPasswordProvider::new(PASSWORD))
        .start()
        .unwrap()
        .shutdown()
        .unwrap();
    App::new(test_mcp("local"))
        .config(config_from(&[]))
        .start()
        .unwrap()
        .shutdown()
        .unwrap();
}

// ---- 16. Refresh retries that do not log people out ---------------------------

/// A refresh whose response was lost is retried with the same token: within
/// the grace window, before the successor is used, it gets the same
/// successor (and a fresh access token) instead of revoking the grant.
#[test]
fn a_refresh_retried_within_the_grace_window_gets_the_same_successor() {
    let srv = Srv::start(password_app());
    let (client, tokens) = srv.grant();
    let first = tokens["refresh_token"].as_str().unwrap();
    let lost = json(&srv.refresh(&client, first));
    let retried = srv.refresh(&client, first);
    assert_eq!(retried.status, 200, "{}", retried.text());
    let retried = json(&retried);
    assert_eq!(retried["refresh_token"], lost["refresh_token"]);
    assert_ne!(retried["access_token"], lost["access_token"]);
    assert!(srv.accepts(retried["access_token"].as_str().unwrap()));
    assert!(srv.accepts(lost["access_token"].as_str().unwrap()));
    // The successor works; once it is used, the first token's reuse is theft.
    let next = srv.refresh(&client, lost["refresh_token"].as_str().unwrap());
    assert_eq!(next.status, 200);
    let next = json(&next);
    let replay = srv.refresh(&client, first);
    assert_eq!(json(&replay)["error"], "invalid_grant");
    assert!(!srv.accepts(next["access_token"].as_str().unwrap()));
}

/// Two requests of one client refreshing at once: both get an answer, and
/// the same refresh token, so the client keeps exactly one.
#[test]
fn two_refreshes_at_once_both_succeed_with_one_successor() {
    let srv = std::sync::Arc::new(Srv::start(password_app()));
    let (client, tokens) = srv.grant();
    let first = tokens["refresh_token"].as_str().unwrap().to_string();
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let (srv, client, first, start) =
                (srv.clone(), client.clone(), first.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let answer = srv.refresh(&client, &first);
                assert_eq!(answer.status, 200, "{}", answer.text());
                json(&answer)["refresh_token"].clone()
            })
        })
        .collect();
    let got: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(got[0], got[1]);
    let next = srv.refresh(&client, got[0].as_str().unwrap());
    assert_eq!(next.status, 200, "{}", next.text());
}

/// Outside the window a reuse is what RFC 9700 §4.14.2 says it is: the
/// grant is revoked.
#[test]
fn a_refresh_reused_after_the_grace_window_revokes_the_grant() {
    let mut config = Config::local(0);
    config.refresh_grace = 1;
    let srv = Srv::start(password_app().config(config));
    let (client, tokens) = srv.grant();
    let first = tokens["refresh_token"].as_str().unwrap();
    let rotated = json(&srv.refresh(&client, first));
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(json(&srv.refresh(&client, first))["error"], "invalid_grant");
    let successor = rotated["refresh_token"].as_str().unwrap();
    assert_eq!(
        json(&srv.refresh(&client, successor))["error"],
        "invalid_grant"
    );
}

// ---- 9. Lifetimes -------------------------------------------------------------

/// Refresh tokens slide (each refresh gives a new one for 30 days), but the
/// grant itself ends `MCP_GRANT_TTL` after its code was redeemed.
#[test]
fn a_grant_ends_at_its_absolute_lifetime_however_often_it_is_refreshed() {
    let mut config = config_from(&[("MCP_GRANT_TTL", "3")]);
    config.refresh_grace = 0;
    let srv = Srv::start(password_app().config(config));
    let (client, tokens) = srv.grant();
    assert!(tokens["expires_in"].as_u64().unwrap() <= 3);
    let mut refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let r = srv.refresh(&client, &refresh);
        assert_eq!(r.status, 200, "{}", r.text());
        refresh = json(&r)["refresh_token"].as_str().unwrap().to_string();
        std::thread::sleep(std::time::Duration::from_millis(1000));
    }
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let r = srv.refresh(&client, &refresh);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "invalid_grant");
}

/// A registration nobody uses expires; `/token` then says `401
/// invalid_client`, which claude.ai takes as "register again". A client that
/// keeps getting tokens stays registered.
#[test]
fn an_unused_registration_expires_and_token_answers_invalid_client() {
    let srv = Srv::start(password_app().config(config_from(&[("MCP_CLIENT_TTL", "3")])));
    let idle = srv.register_public("idle");
    let code = srv.code_for(&idle);
    let (busy, tokens) = srv.grant();
    std::thread::sleep(std::time::Duration::from_millis(2000));
    let r = srv.refresh(&busy, tokens["refresh_token"].as_str().unwrap());
    assert_eq!(r.status, 200, "{}", r.text());
    let refresh = json(&r)["refresh_token"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(2000));
    // Registered 4 s ago; the idle one never got a token, the busy one 2 s ago.
    let r = srv.redeem(&idle, &code);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(json(&r)["error"], "invalid_client");
    let r = srv.refresh(&busy, &refresh);
    assert_eq!(r.status, 200, "{}", r.text());
}

// ---- 14. Order of checks on /mcp; RFC 9728 root metadata ----------------------

/// MCP's DNS-rebinding rule is a `403` for a foreign `Origin`; it used to
/// come after the bearer check, so a request without a token got `401`.
#[test]
fn a_foreign_origin_is_403_before_the_bearer_check() {
    let srv = Srv::start(password_app());
    let (_, tokens) = srv.grant();
    let access = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let body = browser::initialize().to_string();
    for auth in [None, Some(access.as_str())] {
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
            ("Origin", "https://evil.example"),
        ];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        let r = srv.send("POST", "/mcp", &headers, body.as_bytes());
        assert_eq!(r.status, 403, "token: {}", auth.is_some());
        assert!(r.header("WWW-Authenticate").is_none());
        assert_eq!(json(&r)["error"]["code"], -32000);
    }
}

// ---- 15. Client ID Metadata Documents: no scanning oracle ----------------------

/// Whatever went wrong fetching a stranger's `client_id` URL (a host that
/// resolves inside our network, a refused connection, a timeout) reaches the
/// server log, not the stranger: the page says only that it failed.
#[test]
fn metadata_fetch_failures_are_generic_to_the_client() {
    use remote_mcp::ext::cimd::CimdError;
    let app = password_app().client_metadata_fetcher(|url| {
        Err(if url.contains("inside") {
            CimdError::Forbidden("internal.example resolves to 10.1.2.3".into())
        } else {
            CimdError::Fetch("connection refused (os error 111)".into())
        })
    });
    let srv = Srv::start(app);
    let mut pages = Vec::new();
    for client in [
        "https://inside.example/c.json",
        "https://closed.example/c.json",
    ] {
        let target = format!(
            "/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
            browser::enc(client),
            browser::enc(browser::REDIRECT),
            browser::CHALLENGE
        );
        let page = srv.get(&target);
        assert_eq!(page.status, 400, "{}", page.text());
        let text = page.text();
        for detail in ["10.1.2.3", "resolves", "refused", "os error"] {
            assert!(!text.contains(detail), "{detail} shown: {text}");
        }
        assert!(
            text.contains("could not be fetched or is not valid"),
            "{text}"
        );
        pages.push(text);
    }
    assert_eq!(pages[0], pages[1], "the two failures look alike");
}
