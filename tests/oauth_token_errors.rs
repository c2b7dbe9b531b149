//! RFC 6749 §5.2 as a table: every error the token endpoint can answer, one
//! row each — (case, form body, extra header, expected status, expected
//! `error`) — walked by one loop. Each row gets a fresh authorization code and
//! client, so the rows do not depend on each other.
//!
//! > RFC 6749 §5.2: "The authorization server responds with an HTTP 400 (Bad
//! > Request) status code (unless specified otherwise) … invalid_client …
//! > The authorization server MAY return an HTTP 401 (Unauthorized) status code
//! > to indicate which HTTP authentication schemes are supported."

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use browser::{REDIRECT, Srv, VERIFIER, json, password_app};

/// What a row may refer to; `{code}`, `{client}`, `{other}` (a second
/// client), `{refresh}` and `{access}` are replaced in the body.
struct Fixture {
    code: String,
    client: String,
    other: String,
    refresh: String,
    access: String,
}

/// (case, form body, extra header, expected status, expected `error`)
type Row = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
    u16,
    &'static str,
);

#[test]
fn every_rfc6749_section_5_2_error() {
    let srv = Srv::start(password_app());
    #[rustfmt::skip]
    let rows: &[Row] = &[
        // ── invalid_request: missing, repeated or malformed parameters ──
        ("no grant_type",            "code={code}&client_id={client}&code_verifier={verifier}", None, 400, "invalid_request"),
        ("no code",                  "grant_type=authorization_code&client_id={client}&code_verifier={verifier}&redirect_uri={redirect}", None, 400, "invalid_request"),
        ("no code_verifier (PKCE)",  "grant_type=authorization_code&code={code}&client_id={client}&redirect_uri={redirect}", None, 400, "invalid_request"),
        ("verifier too short",       "grant_type=authorization_code&code={code}&client_id={client}&redirect_uri={redirect}&code_verifier=abc", None, 400, "invalid_request"),
        ("repeated parameter",       "grant_type=authorization_code&grant_type=authorization_code&code={code}&client_id={client}&code_verifier={verifier}", None, 400, "invalid_request"),
        ("no refresh_token",         "grant_type=refresh_token&client_id={client}", None, 400, "invalid_request"),
        ("JSON instead of a form",   "{\"grant_type\":\"authorization_code\"}", Some(("Content-Type", "application/json")), 400, "invalid_request"),
        // ── invalid_client: 401 (claude.ai then registers again) ──
        ("no client_id",             "grant_type=authorization_code&code={code}&redirect_uri={redirect}&code_verifier={verifier}", None, 401, "invalid_client"),
        ("unknown client_id",        "grant_type=authorization_code&code={code}&client_id=mcp_client.forged.sig&redirect_uri={redirect}&code_verifier={verifier}", None, 401, "invalid_client"),
        ("secret for a public client","grant_type=authorization_code&code={code}&client_id={client}&client_secret=x&redirect_uri={redirect}&code_verifier={verifier}", None, 401, "invalid_client"),
        ("malformed Basic header",   "grant_type=authorization_code&code={code}&redirect_uri={redirect}&code_verifier={verifier}", Some(("Authorization", "Basic !!!")), 401, "invalid_client"),
        // ── invalid_grant: the code or refresh token is not good for this request ──
        ("wrong verifier (RFC 7636 §4.6)", "grant_type=authorization_code&code={code}&client_id={client}&redirect_uri={redirect}&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK", None, 400, "invalid_grant"),
        ("altered code",             "grant_type=authorization_code&code={code}x&client_id={client}&redirect_uri={redirect}&code_verifier={verifier}", None, 400, "invalid_grant"),
        ("another client's code",    "grant_type=authorization_code&code={code}&client_id={other}&redirect_uri={redirect}&code_verifier={verifier}", None, 400, "invalid_grant"),
        ("other redirect_uri",       "grant_type=authorization_code&code={code}&client_id={client}&redirect_uri=http%3A%2F%2Flocalhost%3A1%2Fx&code_verifier={verifier}", None, 400, "invalid_grant"),
        ("redirect_uri left out",    "grant_type=authorization_code&code={code}&client_id={client}&code_verifier={verifier}", None, 400, "invalid_grant"),
        ("refresh token as code",    "grant_type=authorization_code&code={refresh}&client_id={client}&redirect_uri={redirect}&code_verifier={verifier}", None, 400, "invalid_grant"),
        ("access token as refresh",  "grant_type=refresh_token&refresh_token={access}&client_id={client}", None, 400, "invalid_grant"),
        ("another client's refresh", "grant_type=refresh_token&refresh_token={refresh}&client_id={other}", None, 400, "invalid_grant"),
        // ── unsupported_grant_type ──
        ("password grant",           "grant_type=password&username=a&password=b&client_id={client}", None, 400, "unsupported_grant_type"),
        ("client_credentials",       "grant_type=client_credentials&client_id={client}", None, 400, "unsupported_grant_type"),
        // ── invalid_scope: a refresh may only narrow ──
        ("refresh widens scope",     "grant_type=refresh_token&refresh_token={refresh}&client_id={client}&scope=mcp+admin", None, 400, "invalid_scope"),
        // ── invalid_target (RFC 8707) ──
        ("foreign resource",         "grant_type=authorization_code&code={code}&client_id={client}&redirect_uri={redirect}&code_verifier={verifier}&resource=https%3A%2F%2Fevil.example%2Fmcp", None, 400, "invalid_target"),
        ("foreign resource (refresh)","grant_type=refresh_token&refresh_token={refresh}&client_id={client}&resource=https%3A%2F%2Fevil.example%2Fmcp", None, 400, "invalid_target"),
    ];
    for (case, body, header, status, error) in rows {
        let f = fixture(&srv);
        let body = body
            .replace("{code}", &f.code)
            .replace("{client}", &f.client)
            .replace("{other}", &f.other)
            .replace("{refresh}", &f.refresh)
            .replace("{access}", &f.access)
            .replace("{verifier}", VERIFIER)
            .replace("{redirect}", &browser::enc(REDIRECT));
        let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
        if let Some(h) = header {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(h.0));
            headers.push(*h);
        }
        let r = srv.send("POST", "/token", &headers, body.as_bytes());
        assert_eq!(r.status, *status, "{case}: {}", r.text());
        let answer = json(&r);
        assert_eq!(answer["error"], *error, "{case}");
        assert!(answer["error_description"].is_string(), "{case}");
        assert_eq!(r.header("Cache-Control"), Some("no-store"), "{case}");
        assert_eq!(r.header("Pragma"), Some("no-cache"), "{case}");
        if header.is_some_and(|(n, _)| n == "Authorization") {
            assert_eq!(
                r.header("WWW-Authenticate"),
                Some("Basic realm=\"token\""),
                "{case}: RFC 6749 §5.2"
            );
        }
    }
}

/// A fresh client with a fresh code, a second client, and a token pair from
/// another grant of the first client.
fn fixture(srv: &Srv) -> Fixture {
    let (client, tokens) = srv.grant();
    let other = srv.register_public("Other");
    Fixture {
        code: srv.code_for(&client),
        client,
        other,
        refresh: tokens["refresh_token"].as_str().unwrap().to_string(),
        access: tokens["access_token"].as_str().unwrap().to_string(),
    }
}

/// RFC 6749 §4.1.2: "The client MUST NOT use the authorization code more than
/// once. If an authorization code is used more than once, the authorization
/// server MUST deny the request and SHOULD revoke (when possible) all tokens
/// previously issued based on that authorization code."
#[test]
fn a_code_works_once_and_its_replay_revokes_what_it_issued() {
    let srv = Srv::start(password_app());
    let client = srv.register_public("c");
    let code = srv.code_for(&client);
    let first = srv.redeem(&client, &code);
    assert_eq!(first.status, 200);
    let access = json(&first)["access_token"].as_str().unwrap().to_string();
    assert!(srv.accepts(&access));
    let replay = srv.redeem(&client, &code);
    assert_eq!(replay.status, 400);
    assert_eq!(json(&replay)["error"], "invalid_grant");
    assert_eq!(srv.mcp(Some(&access), &browser::initialize()).status, 401);
}

/// A client that may not refresh gets `unauthorized_client` (and no refresh
/// token in the first place): a metadata document without `refresh_token`.
#[test]
fn a_client_without_the_refresh_grant_is_unauthorized_client() {
    let doc = r#"{"client_id":"https://app.example/c.json","redirect_uris":["http://localhost:33418/callback"]}"#;
    let srv = Srv::start(password_app().client_metadata_fetcher(move |_| {
        Ok(remote_mcp::ext::cimd::Fetched {
            body: doc.as_bytes().to_vec(),
            max_age: None,
        })
    }));
    let client = "https://app.example/c.json";
    let code = srv.code_for(client);
    let tokens = json(&srv.redeem(client, &code));
    assert!(tokens.get("refresh_token").is_none());
    let r = srv.refresh(client, "mcp_rt.x.y");
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["error"], "unauthorized_client");
}
