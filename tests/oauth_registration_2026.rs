//! Registration as MCP 2026-07-28 has it (`basic/authorization/client-registration`):
//! the client's `application_type` decides which redirect URIs it may register
//! (SEP-837, OpenID Connect Registration 1.0 §2), and `iss` is on every
//! authorization response, errors included (RFC 9207, SEP-2468). DCR is
//! deprecated in that revision but still served, for every 2025 client.

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use browser::{REDIRECT, Srv, html_unescape, json, password_app};
use remote_mcp::oauth::encoding::{Params, percent_encode};
use serde_json::json;

#[test]
fn application_type_web_needs_https_off_loopback_and_native_may_use_loopback() {
    let srv = Srv::start(password_app());
    let register = |application_type: serde_json::Value, redirect: &str| {
        srv.post_json(
            "/register",
            &json!({"redirect_uris": [redirect], "token_endpoint_auth_method": "none",
                    "application_type": application_type}),
        )
    };
    // A remote browser application: https on a real host. Echoed back.
    let r = register(json!("web"), "https://app.example/callback");
    assert_eq!(r.status, 201);
    assert_eq!(json(&r)["application_type"], "web");
    // A web application may not use a loopback redirect, not even over https.
    for redirect in [
        REDIRECT,
        "https://localhost:8443/cb",
        "https://127.0.0.1/cb",
    ] {
        let r = register(json!("web"), redirect);
        assert_eq!(r.status, 400, "{redirect}");
        assert_eq!(json(&r)["error"], "invalid_redirect_uri", "{redirect}");
        let why = json(&r)["error_description"].as_str().unwrap().to_string();
        assert!(why.contains("native"), "{why}");
    }
    // A native application (what the Python SDK 2.3.0 sends by default) may.
    for redirect in [REDIRECT, "https://app.example/callback"] {
        let r = register(json!("native"), redirect);
        assert_eq!(r.status, 201, "{redirect}");
        assert_eq!(json(&r)["application_type"], "native");
    }
    // Anything else is refused.
    for bad in [json!("desktop"), json!(1)] {
        let r = register(bad.clone(), REDIRECT);
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(json(&r)["error"], "invalid_client_metadata");
    }
    // Without it (claude.ai, 2025 clients): the general rule, nothing echoed.
    let r = srv.post_json(
        "/register",
        &json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    );
    assert_eq!(r.status, 201);
    assert!(json(&r).get("application_type").is_none());
    // http on a public host stays refused for everyone.
    let r = register(json!("native"), "http://app.example/callback");
    assert_eq!(r.status, 400);
}

#[test]
fn iss_is_on_error_redirects_too() {
    let srv = Srv::start(password_app());
    let client_id = srv.register_public("iss-test");
    // A valid client and redirect, but an unsupported response_type: the error
    // goes back to the client (RFC 6749 §4.1.2.1), with iss — for a
    // self-registered client through the link on our page (RFC 9700 §4.11.2:
    // no silent redirect before the user has acted).
    let target = format!(
        "/authorize?response_type=token&client_id={client_id}&redirect_uri={}&state=s1",
        percent_encode(REDIRECT)
    );
    let r = srv.get(&target);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.header("Location").is_none());
    let html = r.text();
    let start = html.find("href=\"").unwrap() + 6;
    let href = html_unescape(&html[start..start + html[start..].find('"').unwrap()]);
    let params = Params::parse(href.split_once('?').unwrap().1).unwrap();
    assert_eq!(params.get("error"), Some("unsupported_response_type"));
    assert_eq!(params.get("state"), Some("s1"));
    assert_eq!(params.get("iss"), Some(srv.public_url().as_str()));
}
