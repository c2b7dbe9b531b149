//! **[7–27](crate::_documentation::flow) mcp-doctor, the registration section and the sign-in —
//! registration, authorization, the token.** The client's half of arrows
//! `[7]`–`[27]`, as claude.ai takes them after discovery.
//!
//! ```text
//!   5  [7]–[8]   POST /register as claude.ai (super::register)
//!      [9]–[12]  GET /authorize with claude.ai's CIMD client id, when CIMD is advertised
//!      [12]      GET /authorize?…S256…&resource → a page, an IdP, or a code
//!      [26]      POST /token with a bogus code → 400 {"error":"invalid_grant"}
//!   6  [13]–[15] --password: the form (super::form) → 302 ?code&state&iss (super::callback)
//!      [25]      single user: 302 ?code at once
//!      [26]–[27] POST /token → access_token, refresh_token
//! ```
//!
//! The doctor registers with DCR when the server offers it (the one way it
//! can check end to end: it cannot host a metadata document the server could
//! fetch), with `client_secret_post` as claude.ai did in 2026, and checks
//! claude.ai's CIMD client id at `/authorize` besides.
//!
//! # Spec
//! * RFC 7636 §4 (S256); RFC 8707
//!   (`resource`); RFC 6749 §4.1.2 (`code`, `state`), §5.1–§5.2 (token
//!   answers and `invalid_grant`); RFC 9207 (`iss` on the redirect).
//!
//! # Where this sits
//! Called by [`super::run::run`] after [`super::discovery`]; the redirect
//! back with the code is read by [`super::callback`]; hands what it found
//! ([`Found`]) to [`super::mcp`].

use super::report::Section;
use serde_json::Value;

use super::callback::{CLAUDE_CALLBACK, back_at_claude, redirect_error};
use super::context::{Client, Doctor, Found};
use super::form::strip_tags;
use super::probe::{Got, Url, excerpt};
use crate::oauth::encoding::{encode_pairs, with_query};
use crate::oauth::pkce;

/// claude.ai's Client ID Metadata Document URL.
pub const CLAUDE_CIMD: &str = "https://claude.ai/oauth/mcp-oauth-client-metadata";

/// `Section::Registration`, and the sign-in of `Section::SignIn`.
pub fn run(d: &mut Doctor, meta: &Value, scopes: &[String], found: &mut Found) {
    found.token_endpoint = meta["token_endpoint"].as_str().map(str::to_string);
    found.revocation_endpoint = meta["revocation_endpoint"].as_str().map(str::to_string);
    let methods: Vec<String> = meta["token_endpoint_auth_methods_supported"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_else(|| vec!["client_secret_basic".into()]);
    let method = ["client_secret_post", "none", "client_secret_basic"]
        .into_iter()
        .find(|m| methods.iter().any(|x| x == m))
        .unwrap_or("none")
        .to_string();
    let client = match meta["registration_endpoint"].as_str() {
        Some(reg) => super::register::register(d, reg, &method),
        None if meta["client_id_metadata_document_supported"] == true => Some(Client {
            id: CLAUDE_CIMD.to_string(),
            secret: None,
            method: "none".to_string(),
        }),
        None => {
            d.skip(
                Section::Registration,
                "registration",
                "no registration_endpoint and no CIMD: nothing the doctor can register with",
            );
            None
        }
    };
    let (Some(client), Some(authz), Some(token_url)) = (
        client,
        meta["authorization_endpoint"].as_str(),
        meta["token_endpoint"].as_str(),
    ) else {
        if d.options.token.is_some() {
            found.token.clone_from(&d.options.token)
        }
        return;
    };
    found.client = Some(client.clone());
    if meta["client_id_metadata_document_supported"] == true && client.id != CLAUDE_CIMD {
        let target = authorize_url(
            authz,
            CLAUDE_CIMD,
            &pkce::s256("doctor-cimd-verifier-0123456789abcdefghijklmnop"),
            "cimd",
            &d.options.url,
            scopes,
        );
        match d.probe.call(
            "GET /authorize (claude.ai CIMD)",
            "GET",
            &target,
            &[("Accept", "text/html")],
            b"",
        ) {
            Ok(g) if redirect_error(&g).is_some() => {
                let (error, description) = redirect_error(&g).unwrap_or_default();
                let resource = error == "invalid_target";
                d.fail(
                    Section::Registration,
                    "/authorize takes claude.ai's CIMD client id",
                    &format!("{} → error={error} {description}", g.status),
                    if resource {
                        "the authorization server refuses resource=<the URL>: it must \
                        accept the URL users paste (RFC 8707)"
                    } else {
                        "claude.ai uses its metadata document URL as client_id when \
                        you advertise CIMD: fetch it (or pin it), or stop \
                        advertising client_id_metadata_document_supported"
                    },
                    resource.then_some("set PUBLIC_URL to the origin users reach"),
                    Some(g.ms),
                )
            }
            Ok(g) if g.status < 400 => d.pass(
                Section::Registration,
                "/authorize takes claude.ai's CIMD client id",
                &format!("{}", g.status),
                Some(g.ms),
            ),
            Ok(g) => d.fail(
                Section::Registration,
                "/authorize takes claude.ai's CIMD client id",
                &format!("{} {}", g.status, excerpt(&g.text(), 80)),
                "claude.ai uses its metadata document URL as client_id when \
                    you advertise CIMD: fetch it (or pin it), or stop \
                    advertising client_id_metadata_document_supported",
                None,
                Some(g.ms),
            ),
            Err(e) => d.fail(
                Section::Registration,
                "/authorize takes claude.ai's CIMD client id",
                &e,
                "answer /authorize for CIMD clients",
                None,
                None,
            ),
        }
    }
    let verifier = crate::crypto::secret::Secret::generate();
    let verifier = d.probe.secret(d.probe.reveal(&verifier));
    let challenge = pkce::s256(d.probe.reveal(&verifier));
    let target = authorize_url(
        authz,
        &client.id,
        &challenge,
        "doctor-state",
        &d.options.url,
        scopes,
    );
    let code = authorize(d, &target, meta);
    let bogus = [
        ("grant_type", "authorization_code"),
        ("code", "mcp-doctor-bogus-code"),
        ("redirect_uri", CLAUDE_CALLBACK),
        (
            "code_verifier",
            "mcp-doctor-bogus-verifier-0123456789abcdefghijk",
        ),
    ];
    match token_request(d, "POST /token (bogus code)", token_url, &client, &bogus) {
        Err(e) => d.fail(
            Section::Registration,
            "/token refuses a bogus code with invalid_grant",
            &e,
            "the token endpoint must answer (RFC 6749 §5.2)",
            None,
            None,
        ),
        Ok(g) => {
            let error = g
                .json()
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string));
            match (g.status, error.as_deref()) {
                (400, Some("invalid_grant")) => d.pass(
                    Section::Registration,
                    "/token refuses a bogus code with invalid_grant",
                    "400 invalid_grant",
                    Some(g.ms),
                ),
                (400 | 401, Some(e)) => d.warn(
                    Section::Registration,
                    "/token refuses a bogus code with invalid_grant",
                    &format!("{} {e}", g.status),
                    "RFC 6749 §5.2: an unknown code is invalid_grant",
                    None,
                    Some(g.ms),
                ),
                (s, _) if s >= 500 => d.fail(
                    Section::Registration,
                    "/token refuses a bogus code with invalid_grant",
                    &format!(
                        "{s} {}",
                        if g.is_html() {
                            format!("HTML{}", g.title())
                        } else {
                            excerpt(&g.text(), 80)
                        }
                    ),
                    "a 5xx on /token is what claude.ai reports as \"Authorization \
                        with the MCP server failed\": answer 400 \
                        {\"error\":\"invalid_grant\"}",
                    None,
                    Some(g.ms),
                ),
                (s, _) if (200..300).contains(&s) => d.fail(
                    Section::Registration,
                    "/token refuses a bogus code with invalid_grant",
                    &format!("{s}: a made-up code was accepted"),
                    "codes must be checked: single use, bound to client, redirect \
                    URI and PKCE",
                    None,
                    Some(g.ms),
                ),
                (s, _) => d.fail(
                    Section::Registration,
                    "/token refuses a bogus code with invalid_grant",
                    &format!(
                        "{s} {}",
                        match g.json() {
                            Ok(_) => excerpt(&g.text(), 80),
                            Err(e) => e,
                        }
                    ),
                    "errors from /token are JSON: 400 \
                        {\"error\":\"invalid_grant\"} (RFC 6749 §5.2)",
                    None,
                    Some(g.ms),
                ),
            }
        }
    }
    if let Some(t) = &d.options.token {
        found.token = Some(t.clone());
        d.skip(Section::SignIn, "sign-in", "using --token");
        return;
    }
    let Some(code) = code else { return };
    let code = d.probe.secret(&code);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", d.probe.reveal(&code)),
        ("redirect_uri", CLAUDE_CALLBACK),
        ("code_verifier", d.probe.reveal(&verifier)),
        ("resource", d.options.url.as_str()),
    ];
    let form: Vec<(String, String)> = form
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    match token_request(d, "POST /token (code)", token_url, &client, &pairs) {
        Err(e) => d.fail(
            Section::SignIn,
            "the code becomes a token",
            &e,
            "the token endpoint must answer",
            None,
            None,
        ),
        Ok(g) => match g.json() {
            Ok(v) if g.status == 200 && v["access_token"].is_string() => {
                found.token = Some(d.probe.secret(v["access_token"].as_str().unwrap_or("")));
                found.refresh = v["refresh_token"].as_str().map(|r| d.probe.secret(r));
                let mut notes = vec![format!(
                    "token_type {}",
                    v["token_type"].as_str().unwrap_or("?")
                )];
                if let Some(e) = v["expires_in"].as_u64() {
                    notes.push(format!("expires_in {e} s"))
                }
                d.pass(
                    Section::SignIn,
                    "the code becomes a token",
                    &notes.join(", "),
                    Some(g.ms),
                );
                if found.refresh.is_none() {
                    d.warn(
                        Section::SignIn,
                        "a refresh token",
                        "none in the token answer",
                        "claude.ai refreshes; issue a refresh token even without \
                        offline_access",
                        None,
                        None,
                    );
                }
                if !g.header("cache-control").unwrap_or("").contains("no-store") {
                    d.warn(
                        Section::SignIn,
                        "Cache-Control: no-store on /token",
                        g.header("cache-control").unwrap_or("absent"),
                        "RFC 6749 §5.1: token answers carry Cache-Control: no-store",
                        None,
                        None,
                    );
                }
            }
            Ok(v) => d.fail(
                Section::SignIn,
                "the code becomes a token",
                &format!("{} {}", g.status, excerpt(&v.to_string(), 100)),
                "a code from /authorize must be redeemable with its PKCE \
                    verifier, redirect_uri and resource",
                if v["error"] == "invalid_target" {
                    Some(
                        "the resource must be PUBLIC_URL/mcp: set PUBLIC_URL to the \
                    origin users reach",
                    )
                } else {
                    None
                },
                Some(g.ms),
            ),
            Err(e) => d.fail(
                Section::SignIn,
                "the code becomes a token",
                &format!("{}: {e}", g.status),
                "/token answers JSON (RFC 6749 §5.1)",
                None,
                Some(g.ms),
            ),
        },
    }
}

/// `/authorize?…` as claude.ai builds it.
fn authorize_url(
    authz: &str,
    client_id: &str,
    challenge: &str,
    state: &str,
    resource: &str,
    scopes: &[String],
) -> String {
    let scope = scopes.join(" ");
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CLAUDE_CALLBACK),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("state", state),
        ("resource", resource),
    ];
    if !scope.is_empty() {
        pairs.push(("scope", scope.as_str()))
    }
    with_query(authz, pairs)
}

/// POSTs `form` to a token or revocation endpoint with the client's
/// authentication (`client_id`, and its secret as its method says).
pub fn token_request(
    d: &mut Doctor,
    label: &str,
    url: &str,
    client: &Client,
    form: &[(&str, &str)],
) -> Result<Got, String> {
    let mut pairs: Vec<(&str, &str)> = form.to_vec();
    pairs.push(("client_id", &client.id));
    let secret = client
        .secret
        .as_ref()
        .map(|s| d.probe.reveal(s).to_string());
    let mut headers = vec![
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
    ];
    let basic;
    match (client.method.as_str(), &secret) {
        ("client_secret_basic", Some(s)) => {
            use base64::Engine;
            let enc = |v: &str| crate::oauth::encoding::percent_encode(v);
            basic = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!(
                    "{}:{}",
                    enc(&client.id),
                    enc(s)
                ))
            );
            headers.push(("Authorization", basic.as_str()));
        }
        (_, Some(s)) => pairs.push(("client_secret", s)),
        _ => {}
    }
    d.probe
        .call(label, "POST", url, &headers, encode_pairs(pairs).as_bytes())
}

/// `[12]` and, with `--password`, `[13]`–`[15]`: the code, if one came back.
fn authorize(d: &mut Doctor, target: &str, meta: &Value) -> Option<String> {
    let got = match d.probe.call(
        "GET /authorize",
        "GET",
        target,
        &[("Accept", "text/html")],
        b"",
    ) {
        Err(e) => {
            d.fail(
                Section::Registration,
                "/authorize answers",
                &e,
                "the authorization endpoint must answer",
                None,
                None,
            );
            return None;
        }
        Ok(g) => g,
    };
    d.probe.keep_cookies(&got);
    match got.status {
        200 if got.is_html() => {
            d.pass(
                Section::Registration,
                "/authorize answers",
                "200, a sign-in page",
                Some(got.ms),
            );
            let Some(password) = d.options.password.clone() else {
                if d.options.token.is_none() {
                    d.skip(
                        Section::SignIn,
                        "sign-in",
                        "a sign-in page needs a person: rerun with --password PW (a \
                        password form) or --token T",
                    );
                }
                return None;
            };
            super::form::submit(d, target, &got, &password, meta)
        }
        302 | 303 if redirect_error(&got).is_some() => {
            let (error, description) = redirect_error(&got).unwrap_or_default();
            let resource = error == "invalid_target";
            d.fail(
                Section::Registration,
                "/authorize answers",
                &format!("{} → error={error} {description}", got.status),
                refused_fix(resource),
                refused_setting(resource),
                Some(got.ms),
            );
            None
        }
        302 | 303 => {
            let location = got.header("location").unwrap_or("").to_string();
            if location.starts_with(CLAUDE_CALLBACK) {
                d.pass(
                    Section::Registration,
                    "/authorize answers",
                    &format!("{}, a code straight away (no sign-in)", got.status),
                    Some(got.ms),
                );
                back_at_claude(d, &location, meta, got.ms)
            } else if let (Some(next), Some(password)) = (
                super::form::same_host(target, &location),
                d.options.password.clone(),
            ) {
                // A sign-in page of the server's own, one redirect away.
                d.pass(
                    Section::Registration,
                    "/authorize answers",
                    &format!(
                        "{}, to a sign-in page at {}",
                        got.status,
                        excerpt(&next, 60)
                    ),
                    Some(got.ms),
                );
                match super::form::browse(d, "GET the sign-in page", &next) {
                    Ok(page) if page.status == 200 && page.is_html() => {
                        super::form::submit(d, &next, &page, &password, meta)
                    }
                    Ok(page) => {
                        d.fail(
                            Section::SignIn,
                            "the sign-in form",
                            &format!("{} at {}", page.status, excerpt(&next, 60)),
                            "the sign-in page /authorize redirects to must answer 200 \
                            with a form",
                            None,
                            Some(page.ms),
                        );
                        None
                    }
                    Err(e) => {
                        d.fail(
                            Section::SignIn,
                            "the sign-in form",
                            &e,
                            "the sign-in page must answer",
                            None,
                            None,
                        );
                        None
                    }
                }
            } else {
                let host = Url::parse(&location)
                    .map(|u| u.host)
                    .unwrap_or_else(|| "this server".into());
                d.pass(
                    Section::Registration,
                    "/authorize answers",
                    &format!("{}, to a sign-in at {host}", got.status),
                    Some(got.ms),
                );
                if d.options.token.is_none() {
                    d.skip(
                        Section::SignIn,
                        "sign-in",
                        "an identity provider's sign-in needs a person: rerun with --token T",
                    );
                }
                None
            }
        }
        s => {
            let body = got.json().ok();
            let invalid_target = body
                .as_ref()
                .is_some_and(|v| v["error"] == "invalid_target");
            d.fail(
                Section::Registration,
                "/authorize answers",
                &format!(
                    "{s} {}",
                    if got.is_html() {
                        format!(
                            "HTML{}: {}",
                            got.title(),
                            excerpt(&strip_tags(&got.text()), 100)
                        )
                    } else {
                        excerpt(&got.text(), 100)
                    }
                ),
                refused_fix(invalid_target),
                refused_setting(invalid_target),
                Some(got.ms),
            );
            None
        }
    }
}

/// What to change when `/authorize` refuses claude.ai's request: a refused
/// `resource` (`invalid_target`) has its own rule, anything else the general one.
fn refused_fix(invalid_target: bool) -> &'static str {
    if invalid_target {
        "the authorization server refuses resource=<the URL>: it must \
        accept the URL users paste as the resource (RFC 8707)"
    } else {
        "claude.ai's request (PKCE S256, resource, its callback) must \
        get a sign-in page, a redirect to an IdP, or a code"
    }
}

/// This crate's setting for [`refused_fix`], when one applies.
fn refused_setting(invalid_target: bool) -> Option<&'static str> {
    invalid_target.then_some("set PUBLIC_URL to the origin users reach")
}
