//! The whole sequence diagram of docs/FLOW.md as one exchange, then each
//! discovery and registration arrow on its own. Every arrow is a real HTTP
//! request over a socket to a server on 127.0.0.1:0; statuses, headers and
//! JSON are asserted as they appear on the wire.

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use browser::{
    CHALLENGE, PASSWORD, REDIRECT, Srv, VERIFIER, enc, hidden_fields, initialize, json,
    password_app, redirect_params,
};
use remote_mcp::oauth::encoding::encode_pairs;
use remote_mcp::{App, Config, McpServer, SingleUserProvider};
use serde_json::json;

#[test]
fn the_full_flow_as_claude_ai_runs_it() {
    let srv = Srv::start(password_app());
    let base = srv.public_url();

    // ── 1 ── C → S: POST /mcp without a token → 401 challenge        (RFC 9728 §5.1)
    let r = srv.mcp(None, &initialize());
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some(format!("Bearer resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\"").as_str())
    );

    // ── 2 ── C → S: GET the protected resource metadata             (RFC 9728 §3)
    let r = srv.get("/.well-known/oauth-protected-resource/mcp");
    assert_eq!(r.status, 200);
    let prm = json(&r);
    assert_eq!(prm["resource"], format!("{base}/mcp"));
    assert_eq!(prm["authorization_servers"], json!([base]));

    // ── 3 ── C → S: GET the authorization server metadata           (RFC 8414 §3)
    let r = srv.get("/.well-known/oauth-authorization-server");
    assert_eq!(r.status, 200);
    let asm = json(&r);
    assert_eq!(
        asm["issuer"], prm["authorization_servers"][0],
        "issuer must equal authorization_servers[0] exactly"
    );
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));

    // ── 4 ── C → S: POST /register                                  (RFC 7591 §3)
    let r = srv.post_json(
        "/register",
        &json!({"client_name": "Claude", "redirect_uris": [REDIRECT], "grant_types": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_method": "none"}),
    );
    assert_eq!(r.status, 201);
    let client_id = json(&r)["client_id"].as_str().unwrap().to_string();

    // ── 5 ── C → S: GET /authorize?…&code_challenge&S256 → 200 login/consent form
    let target = srv.authorize_target(&client_id);
    let r = srv.get(&target);
    assert_eq!(r.status, 200);
    let csp = r.header("Content-Security-Policy").unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert!(
        csp.contains("form-action 'self' http://localhost:33418;"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
    assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(r.header("Referrer-Policy"), Some("same-origin"));
    assert!(
        r.header("Set-Cookie").unwrap().starts_with("mcp_consent="),
        "the form is bound to this browser"
    );
    let page = r.text();
    assert!(
        page.contains("<strong>Claude</strong>"),
        "the consent screen names the client"
    );
    assert!(
        page.contains("<strong>localhost:33418</strong>"),
        "and the host the browser will be sent to"
    );
    let fields = hidden_fields(&page);
    assert!(fields.contains(&("code_challenge".to_string(), CHALLENGE.to_string())));
    assert!(fields.iter().any(|(n, _)| n == "csrf"));

    // ── 6 ── C → S: POST /authorize (password + hidden fields) → 302 redirect_uri?code&state&iss
    let r = srv.login(&target, PASSWORD);
    assert_eq!(
        r.status, 302,
        "302 Found, never 307 (claude.ai's callback only takes GET)"
    );
    let location = r.header("Location").unwrap();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    let params = redirect_params(&r);
    assert_eq!(params.get("state"), Some("xyz"));
    assert_eq!(
        params.get("iss"),
        Some(base.as_str()),
        "RFC 9207: iss equals the issuer byte for byte"
    );
    let code = params.get("code").unwrap().to_string();

    // ── 7 ── C → S: POST /token code + code_verifier                (RFC 6749 §4.1.3, RFC 7636 §4.6)
    let r = srv.post_form(
        "/token",
        &encode_pairs([
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", &client_id),
            ("resource", &format!("{base}/mcp")),
        ]),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    assert_eq!(r.header("Pragma"), Some("no-cache"));
    let tokens = json(&r);
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 8 * 3600);
    assert_eq!(tokens["scope"], "mcp");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();

    // ── 8 ── C → S: POST /mcp Authorization: Bearer …              (RFC 6750 §2.1)
    let r = srv.mcp(Some(&access), &initialize());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["result"]["serverInfo"]["name"], "test-service");
    //        and the tool sees who is calling (crate::identity::Identity via call.caller())
    let r = srv.whoami(&access);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        json(&r)["result"]["content"][0]["text"],
        format!("admin via {client_id} with mcp")
    );

    // ── 9 ── C → S: POST /token grant_type=refresh_token → a rotated pair (OAuth 2.1 §4.3.1)
    let r = srv.refresh(&client_id, &refresh);
    assert_eq!(r.status, 200, "{}", r.text());
    let rotated = json(&r);
    let new_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, refresh);
    assert_ne!(rotated["access_token"].as_str().unwrap(), access);
    assert!(srv.accepts(rotated["access_token"].as_str().unwrap()));

    // ── 10 ── C → S: POST /revoke the refresh token → the whole grant ends (RFC 7009)
    let r = srv.post_form(
        "/revoke",
        &encode_pairs([("token", new_refresh), ("client_id", &client_id)]),
        &[],
    );
    assert_eq!(r.status, 200);
    assert_eq!(srv.mcp(Some(&access), &initialize()).status, 401);
    assert_eq!(
        json(&srv.refresh(&client_id, new_refresh))["error"],
        "invalid_grant"
    );
}

#[test]
fn every_method_on_mcp_gets_the_challenge_first() {
    let srv = Srv::start(password_app());
    for method in ["POST", "GET", "DELETE", "PUT"] {
        let r = srv.send(method, "/mcp", &[], b"");
        assert_eq!(r.status, 401, "{method}: auth precedes the 405");
        assert!(
            r.header("WWW-Authenticate")
                .unwrap()
                .starts_with("Bearer resource_metadata=\"")
        );
    }
}

#[test]
fn protected_resource_metadata_is_served_at_both_paths() {
    let srv = Srv::start(password_app());
    let base = srv.public_url();
    // RFC 9728 §3.3: each document names the resource its URL was derived
    // from: the path form /mcp, the root form the origin.
    for (path, resource) in [
        (
            "/.well-known/oauth-protected-resource/mcp",
            format!("{base}/mcp"),
        ),
        ("/.well-known/oauth-protected-resource", base.clone()),
    ] {
        let r = srv.get(path);
        assert_eq!(r.status, 200, "{path}: no redirect");
        assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(
            json(&r),
            json!({
                "resource": resource,
                "authorization_servers": [base],
                "scopes_supported": ["mcp"],
                "bearer_methods_supported": ["header"],
                "resource_name": "test-service",
            })
        );
    }
}

#[test]
fn authorization_server_metadata_is_complete_and_mirrored() {
    let srv = Srv::start(password_app());
    let base = srv.public_url();
    let expected = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "registration_endpoint": format!("{base}/register"),
        "revocation_endpoint": format!("{base}/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "scopes_supported": ["mcp"],
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
    });
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let r = srv.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(json(&r), expected, "{path}");
        assert!(!r.text().contains("null"));
    }
}

#[test]
fn the_issuer_comes_from_public_url_never_from_headers() {
    let mut config = Config::local(0);
    config.public_url = "https://mcp.example".into();
    let srv = Srv::start(App::new(McpServer::new("x")).config(config).allow_anyone());
    let r = srv.send(
        "GET",
        "/.well-known/oauth-authorization-server",
        &[
            ("X-Forwarded-Host", "evil.example"),
            ("X-Forwarded-Proto", "http"),
        ],
        b"",
    );
    assert_eq!(json(&r)["issuer"], "https://mcp.example");
    let r = srv.send(
        "POST",
        "/mcp",
        &[("X-Forwarded-Host", "evil.example")],
        b"{}",
    );
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some(
            "Bearer resource_metadata=\"https://mcp.example/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\""
        )
    );
}

#[test]
fn browsers_get_cors_preflight_on_oauth_paths() {
    let srv = Srv::start(password_app());
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-protected-resource/mcp",
        "/register",
        "/token",
        "/revoke",
    ] {
        let r = srv.send(
            "OPTIONS",
            path,
            &[
                ("Origin", "http://localhost:6274"),
                ("Access-Control-Request-Method", "POST"),
            ],
            b"",
        );
        assert_eq!(r.status, 204, "{path}");
        assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
        assert!(
            r.header("Access-Control-Allow-Headers")
                .unwrap()
                .contains("Authorization")
        );
    }
}

/// RFC 9728 §3.3: the client compares `resource` with the URL it used. Ours
/// is always `{PUBLIC_URL}/mcp`, whatever name the request came in by, so a
/// client that connects through another name sees the mismatch.
#[test]
fn the_resource_metadata_names_public_url_whatever_name_the_client_used() {
    let mut config = Config::local(0);
    config.public_url = "https://mcp.example".into();
    let srv = Srv::start(App::new(McpServer::new("x")).config(config).allow_anyone());
    // Sent to localhost:PORT, and a proxy claims yet another name.
    let r = srv.send(
        "GET",
        "/.well-known/oauth-protected-resource/mcp",
        &[("X-Forwarded-Host", "other.example")],
        b"",
    );
    assert_eq!(r.status, 200);
    let document = json(&r);
    assert_eq!(document["resource"], "https://mcp.example/mcp");
    assert_eq!(
        document["authorization_servers"],
        json!(["https://mcp.example"])
    );
}

/// The discovery documents answer `GET` (and `HEAD`) at the root well-known
/// paths only: nothing can be posted there, and a URL built from the MCP
/// endpoint instead of the issuer finds nothing.
#[test]
fn discovery_documents_answer_get_at_the_root_paths_only() {
    let srv = Srv::start(password_app());
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        assert_eq!(srv.get(path).status, 200, "the control: GET {path}");
        for method in ["POST", "PUT", "DELETE"] {
            let r = srv.send(method, path, &[], b"");
            assert_eq!(r.status, 404, "{method} {path}");
            assert_eq!(json(&r)["error"], "not_found");
        }
    }
    for path in [
        "/mcp/.well-known/oauth-authorization-server",
        "/mcp/.well-known/openid-configuration",
    ] {
        assert_eq!(srv.get(path).status, 404, "{path}");
    }
}

#[test]
fn health_answers_without_a_token() {
    let srv = Srv::start(password_app());
    let r = srv.get("/health");
    assert_eq!(r.status, 200);
    assert_eq!(json(&r), json!({"status": "ok"}));
}

// ── Registration, way 1: DCR ──

#[test]
fn dcr_echoes_the_registration_and_issues_no_secret_for_none() {
    let srv = Srv::start(password_app());
    let r = srv.post_json(
        "/register",
        &json!({"client_name": "Claude", "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"],
                "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                "token_endpoint_auth_method": "none", "software_id": "unknown fields are tolerated", "logo_uri": null}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    let body = json(&r);
    let fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "client_id",
            "client_id_issued_at",
            "client_name",
            "grant_types",
            "redirect_uris",
            "response_types",
            "token_endpoint_auth_method"
        ]
    );
    assert!(
        body["client_id"]
            .as_str()
            .unwrap()
            .starts_with("mcp_client.")
    );
    assert_eq!(
        body["redirect_uris"],
        json!(["https://claude.ai/api/mcp/auth_callback"])
    );
    assert_eq!(
        body["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(body["token_endpoint_auth_method"], "none");
    assert_eq!(body["client_name"], "Claude");
}

#[test]
fn dcr_with_a_secret_method_issues_a_secret_that_works_only_that_way() {
    let srv = Srv::start(password_app());
    for (method, basic) in [("client_secret_post", false), ("client_secret_basic", true)] {
        let r = srv.post_json(
            "/register",
            &json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": method}),
        );
        assert_eq!(r.status, 201);
        let reg = json(&r);
        assert_eq!(reg["token_endpoint_auth_method"], method);
        assert_eq!(reg["client_secret_expires_at"], 0);
        assert!(reg.get("client_name").is_none(), "omitted, not null");
        let id = reg["client_id"].as_str().unwrap();
        let secret = reg["client_secret"].as_str().unwrap();
        let code = srv.code_for(id);
        let form = |with_secret: bool| {
            let mut pairs = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
                ("client_id", id),
            ];
            if with_secret {
                pairs.push(("client_secret", secret));
            }
            encode_pairs(pairs)
        };
        let basic_header = format!(
            "Basic {}",
            base64_std(&format!("{}:{}", browser::enc(id), browser::enc(secret)))
        );
        // The other method than registered → 401 invalid_client.
        let wrong = if basic {
            srv.post_form("/token", &form(true), &[])
        } else {
            srv.post_form("/token", &form(false), &[("Authorization", &basic_header)])
        };
        assert_eq!(wrong.status, 401, "{method}");
        assert_eq!(json(&wrong)["error"], "invalid_client");
        // No secret at all → 401.
        assert_eq!(srv.post_form("/token", &form(false), &[]).status, 401);
        // The registered method → 200.
        let right = if basic {
            srv.post_form("/token", &form(false), &[("Authorization", &basic_header)])
        } else {
            srv.post_form("/token", &form(true), &[])
        };
        assert_eq!(right.status, 200, "{method}: {}", right.text());
    }
}

fn base64_std(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn dcr_refuses_bad_redirect_uris_and_bad_metadata() {
    let srv = Srv::start(password_app());
    let cases = [
        (
            json!({"redirect_uris": ["http://example.com/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["javascript:alert(1)"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://x.example/cb#f"]}),
            "invalid_redirect_uri",
        ),
        (json!({"redirect_uris": []}), "invalid_redirect_uri"),
        (
            json!({"client_name": "no redirect"}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["client_credentials"]}),
            "invalid_client_metadata",
        ),
        (json!(["not", "an", "object"]), "invalid_client_metadata"),
    ];
    for (body, error) in cases {
        let r = srv.post_json("/register", &body);
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(json(&r)["error"], error, "{body}");
    }
}

#[test]
fn dcr_is_rate_limited_per_address() {
    let srv = Srv::start(password_app());
    let body = json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"});
    let statuses: Vec<u16> = (0..61)
        .map(|_| srv.post_json("/register", &body).status)
        .collect();
    assert!(statuses[..60].iter().all(|s| *s == 201));
    let r = srv.post_json("/register", &body);
    assert_eq!(r.status, 429);
    assert_eq!(json(&r)["error"], "temporarily_unavailable");
    assert_eq!(r.header("Retry-After"), Some("60"));
}

// ── Registration, way 2: Client ID Metadata Documents ──

/// The core asks whatever [`ClientDocuments`] source is installed: one of
/// your own (here, a fixed list) replaces the fetching resolver, and its
/// clients go through `/authorize` like any other.
#[test]
fn a_client_documents_source_of_your_own_answers_for_url_client_ids() {
    use remote_mcp::oauth::client::{
        AuthMethod, Client, ClientDocuments, ClientKind, DocumentError,
    };
    struct Known;
    impl ClientDocuments for Known {
        fn resolve(&self, client_id: &str) -> Result<Client, DocumentError> {
            match client_id {
                "https://app.example/client.json" => Ok(Client {
                    id: client_id.to_string(),
                    name: Some("Known App".into()),
                    redirect_uris: vec![REDIRECT.to_string()],
                    auth_method: AuthMethod::None,
                    refresh_allowed: true,
                    kind: ClientKind::MetadataDocument,
                }),
                _ => Err(DocumentError::Refused("not on our list".into())),
            }
        }
    }
    let srv = Srv::start(password_app().client_documents(Known));
    let authorize = |client_id: &str| {
        srv.get(&format!(
            "/authorize?{}",
            encode_pairs([
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", REDIRECT),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
        ))
    };
    let r = authorize("https://app.example/client.json");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Known App"), "{}", r.text());
    let r = authorize("https://other.example/client.json");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not on our list"), "{}", r.text());
}

/// The metadata offers Client ID Metadata Documents exactly when a resolver
/// is installed (the `ext::cimd` one by default); without one, an https
/// `client_id` is an unknown client.
#[test]
fn without_client_documents_the_metadata_says_so_and_url_client_ids_are_unknown() {
    let supported = |srv: &Srv| {
        json(&srv.get("/.well-known/oauth-authorization-server"))
            ["client_id_metadata_document_supported"]
            .clone()
    };
    // A fetcher given after `without_client_documents` installs the resolver
    // again: the last call wins, as with every builder method.
    let again = password_app()
        .without_client_documents()
        .client_metadata_fetcher(|_| Err(remote_mcp::ext::cimd::CimdError::Fetch("x".into())));
    assert_eq!(supported(&Srv::start(again)), true);
    let srv = Srv::start(password_app().without_client_documents());
    assert_eq!(supported(&srv), false);
    let target = format!(
        "/authorize?{}",
        encode_pairs([
            ("response_type", "code"),
            (
                "client_id",
                "https://claude.ai/oauth/mcp-oauth-client-metadata"
            ),
            ("redirect_uri", "https://claude.ai/api/mcp/auth_callback"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
    );
    let r = srv.get(&target);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("unknown client_id"), "{}", r.text());
}

#[test]
fn claude_ai_metadata_document_client_uses_the_pinned_copy_when_the_fetch_fails() {
    // The fetch is replaced so that no test ever leaves the machine; it fails
    // the way claude.ai's URL does for datacenter fetchers (a bot challenge).
    let app = password_app().client_metadata_fetcher(|_| {
        Err(remote_mcp::ext::cimd::CimdError::Fetch("status 403".into()))
    });
    let srv = Srv::start(app);
    let client_id = "https://claude.ai/oauth/mcp-oauth-client-metadata";
    let callback = "https://claude.ai/api/mcp/auth_callback";
    let target = format!(
        "/authorize?{}",
        encode_pairs([
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", callback),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("state", "s1"),
        ])
    );
    let r = srv.get(&target);
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains(
            "<strong>Claude</strong> <span class=\"badge verified\">verified: published by claude.ai</span>"
        )
    );
    // Users are also sent back through claude.com: the pinned copy has both.
    let claude_com = target.replace(
        &enc(callback),
        &enc("https://claude.com/api/mcp/auth_callback"),
    );
    assert_ne!(claude_com, target);
    let r = srv.login(&claude_com, PASSWORD);
    assert_eq!(r.status, 302, "{}", r.text());
    assert!(
        r.header("Location")
            .unwrap()
            .starts_with("https://claude.com/api/mcp/auth_callback?code=")
    );
    let r = srv.login(&target, PASSWORD);
    assert_eq!(r.status, 302);
    let code = redirect_params(&r).get("code").unwrap().to_string();
    assert!(r.header("Location").unwrap().starts_with(callback));
    let r = srv.post_form(
        "/token",
        &encode_pairs([
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", callback),
            ("code_verifier", VERIFIER),
            ("client_id", client_id),
        ]),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(json(&r)["refresh_token"].is_string());
}

#[test]
fn a_fetched_metadata_document_must_list_the_redirect_uri() {
    let doc = r#"{"client_id":"https://app.example/oauth/client.json","client_name":"App","redirect_uris":["https://app.example/cb"],"grant_types":["authorization_code","urn:ietf:params:oauth:grant-type:jwt-bearer"]}"#;
    let app = password_app().client_metadata_fetcher(move |_| {
        Ok(remote_mcp::ext::cimd::Fetched {
            body: doc.as_bytes().to_vec(),
            max_age: None,
        })
    });
    let srv = Srv::start(app);
    let target = |redirect: &str| {
        format!(
            "/authorize?{}",
            encode_pairs([
                ("response_type", "code"),
                ("client_id", "https://app.example/oauth/client.json"),
                ("redirect_uri", redirect),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
        )
    };
    assert_eq!(srv.get(&target("https://app.example/cb")).status, 200);
    let r = srv.get(&target("https://app.example/other"));
    assert_eq!(r.status, 400);
    assert!(r.header("Location").is_none());
    // A client_id URL on a private address is refused before any fetch.
    let r = srv.get("/authorize?response_type=code&client_id=https%3A%2F%2F127.0.0.1%2Fx&code_challenge_method=S256");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not a public address"));
}

/// A `client_id` URL that breaks the draft's rules, or names a loopback or
/// private address, is refused before anything is fetched; a document whose `client_id` is not its URL, or that asks for
/// `private_key_jwt`, is refused after. Either way the client is not known, so
/// its redirect URI cannot be trusted: our page, never a redirect.
#[test]
fn a_bad_client_id_url_or_metadata_document_is_a_page_never_a_redirect() {
    use std::sync::{Arc, Mutex};
    let fetched = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = fetched.clone();
    let app = password_app().client_metadata_fetcher(move |url| {
        seen.lock().unwrap().push(url.to_string());
        let body = match url {
            // A document copied from another client: its client_id is not this URL.
            "https://app.example/copied.json" => {
                r#"{"client_id":"https://app.example/c.json","redirect_uris":["http://localhost:33418/callback"]}"#
            }
            "https://app.example/jwt.json" => {
                r#"{"client_id":"https://app.example/jwt.json","redirect_uris":["http://localhost:33418/callback"],"token_endpoint_auth_method":"private_key_jwt"}"#
            }
            _ => {
                r#"{"client_id":"https://app.example/c.json","redirect_uris":["http://localhost:33418/callback"]}"#
            }
        };
        Ok(remote_mcp::ext::cimd::Fetched {
            body: body.as_bytes().to_vec(),
            max_age: None,
        })
    });
    let srv = Srv::start(app);
    let r = srv.get(&srv.authorize_target("https://app.example/c.json"));
    assert_eq!(r.status, 200, "the control: a good document: {}", r.text());
    let breaks_the_rules = [
        "https://user@app.example/c.json",
        "https://app.example/a/../c.json",
        "https://app.example/c.json#f",
        // Loopback and private literal addresses: never contacted.
        "https://127.0.0.1/c.json",
        "https://10.0.0.8/c.json",
        "https://[::1]/c.json",
    ];
    let bad_documents = [
        "https://app.example/copied.json",
        "https://app.example/jwt.json",
    ];
    for client_id in breaks_the_rules.iter().chain(&bad_documents) {
        let r = srv.get(&srv.authorize_target(client_id));
        assert_eq!(r.status, 400, "{client_id}: {}", r.text());
        assert!(r.header("Location").is_none(), "{client_id}: no redirect");
        assert!(
            r.header("Content-Type").unwrap().starts_with("text/html"),
            "{client_id}"
        );
    }
    let fetched = fetched.lock().unwrap();
    for client_id in breaks_the_rules {
        assert!(
            !fetched.iter().any(|u| u == client_id),
            "{client_id} was fetched"
        );
    }
    for client_id in bad_documents {
        assert!(
            fetched.iter().any(|u| u == client_id),
            "{client_id} was not fetched"
        );
    }
}

/// The consent screen tells the user what only the user can judge: whether
/// the client's name is verified, and where the browser goes next, warning
/// when that is this computer or a name in non-Latin letters.
#[test]
fn the_consent_page_says_whether_the_name_is_verified_and_where_the_browser_goes() {
    let app = password_app().client_metadata_fetcher(|_| {
        Err(remote_mcp::ext::cimd::CimdError::Fetch("status 403".into()))
    });
    let srv = Srv::start(app);
    let this_computer = "a program on <strong>this computer</strong>";
    let non_latin = "letters from outside the Latin alphabet";
    let unverified = "<span class=\"badge\">self-registered: its name is not verified</span>";
    let target = |client_id: &str, redirect: &str| {
        format!(
            "/authorize?{}",
            encode_pairs([
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", redirect),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
        )
    };
    // A self-registered client that returns to this computer.
    let local = srv.register_public("Local app");
    let r = srv.get(&target(&local, REDIRECT));
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains(&format!("<strong>Local app</strong> {unverified}")),
        "{page}"
    );
    assert!(page.contains("<strong>localhost:33418</strong>"), "{page}");
    assert!(page.contains(this_computer), "{page}");
    assert!(!page.contains(non_latin), "{page}");
    // A self-registered "Claude" whose host spells claude.ai with a Cyrillic "с".
    let lookalike = "https://\u{441}laude.ai/cb";
    let r = srv.post_json(
        "/register",
        &json!({"client_name": "Claude", "redirect_uris": [lookalike], "token_endpoint_auth_method": "none"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let client_id = json(&r)["client_id"].as_str().unwrap().to_string();
    let r = srv.get(&target(&client_id, lookalike));
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains(&format!("<strong>Claude</strong> {unverified}")),
        "{page}"
    );
    assert!(page.contains("<strong>xn--laude-0ye.ai</strong>"), "{page}");
    assert!(page.contains(non_latin), "{page}");
    assert!(!page.contains(this_computer), "{page}");
    // claude.ai's own metadata document: verified, and no warning.
    let r = srv.get(&target(
        "https://claude.ai/oauth/mcp-oauth-client-metadata",
        "https://claude.ai/api/mcp/auth_callback",
    ));
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains("<strong>Claude</strong> <span class=\"badge verified\">verified: published by claude.ai</span>"),
        "{page}"
    );
    assert!(
        !page.contains(this_computer) && !page.contains(non_latin),
        "{page}"
    );
}

// ── Registration, way 3: the operator's client ──

#[test]
fn the_operator_client_works_with_client_secret_post_and_basic() {
    let mut config = Config::local(0);
    config.client_id = Some("claude-connector".into());
    config.client_secret = Some(remote_mcp::crypto::secret::Secret::new("operator-secret"));
    let srv = Srv::start(
        App::new(McpServer::new("x"))
            .config(config)
            .provider(SingleUserProvider::new()),
    );
    for (redirect, basic) in [
        ("https://claude.ai/api/mcp/auth_callback", false),
        ("https://claude.com/api/mcp/auth_callback", true),
    ] {
        let r = srv.get(&format!(
            "/authorize?{}",
            encode_pairs([
                ("response_type", "code"),
                ("client_id", "claude-connector"),
                ("redirect_uri", redirect),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
        ));
        assert_eq!(r.status, 302, "single user: the code is issued at once");
        let code = redirect_params(&r).get("code").unwrap().to_string();
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("code_verifier", VERIFIER),
        ];
        let auth = format!("Basic {}", base64_std("claude-connector:operator-secret"));
        let r = if basic {
            srv.post_form("/token", &encode_pairs(pairs), &[("Authorization", &auth)])
        } else {
            pairs.push(("client_id", "claude-connector"));
            pairs.push(("client_secret", "operator-secret"));
            srv.post_form("/token", &encode_pairs(pairs), &[])
        };
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = srv.post_form(
        "/token",
        "grant_type=refresh_token&refresh_token=x&client_id=claude-connector&client_secret=wrong",
        &[],
    );
    assert_eq!(r.status, 401);
}

// ── Providers and modes ──

#[test]
fn single_user_issues_the_code_at_once() {
    let srv = Srv::start(
        App::new(McpServer::new("x"))
            .config(Config::local(0))
            .provider(SingleUserProvider::new()),
    );
    let id = srv.register_public("c");
    let r = srv.get(&srv.authorize_target(&id));
    assert_eq!(r.status, 302);
    let params = redirect_params(&r);
    assert_eq!(params.get("state"), Some("xyz"));
    let tokens = json(&srv.redeem(&id, params.get("code").unwrap()));
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("mcp_at.")
    );
}

#[test]
fn without_auth_refuses_to_start_off_loopback() {
    let mut config = Config::local(0);
    config.host = "0.0.0.0".into();
    let err = App::new(McpServer::new("x"))
        .config(config)
        .without_auth()
        .start()
        .err()
        .unwrap();
    assert!(err.to_string().contains("loopback"), "{err}");
}

#[test]
fn without_auth_serves_mcp_and_no_oauth_endpoint() {
    let srv = Srv::start(
        App::new(McpServer::new("x"))
            .config(Config::local(0))
            .without_auth(),
    );
    let r = srv.mcp(None, &initialize());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["result"]["serverInfo"]["name"], "x");
    assert_eq!(
        srv.get("/.well-known/oauth-authorization-server").status,
        404
    );
    assert_eq!(srv.post_form("/token", "grant_type=x", &[]).status, 404);
}

#[test]
fn a_token_without_the_required_scope_gets_403_insufficient_scope() {
    let srv = Srv::start(password_app().scopes(&["mcp", "read"], &["mcp"]));
    let id = srv.register_public("c");
    let target = srv.authorize_target(&id).replace("scope=mcp", "scope=read");
    let r = srv.login(&target, PASSWORD);
    let code = redirect_params(&r).get("code").unwrap().to_string();
    let tokens = json(&srv.redeem(&id, &code));
    assert_eq!(tokens["scope"], "read");
    let r = srv.mcp(
        Some(tokens["access_token"].as_str().unwrap()),
        &initialize(),
    );
    assert_eq!(r.status, 403);
    assert!(
        r.header("WWW-Authenticate")
            .unwrap()
            .starts_with("Bearer error=\"insufficient_scope\"")
    );
}
