//! **[5–6](crate::_documentation::flow) mcp-doctor, the server metadata section — the
//! authorization server's metadata.** `C → S GET
//! /.well-known/oauth-authorization-server`, in the order the MCP spec gives
//! clients, and every field claude.ai relies on.
//!
//! ```text
//!   issuer https://as            → /.well-known/oauth-authorization-server,
//!                                   then /.well-known/openid-configuration
//!   issuer https://as/t1         → /.well-known/oauth-authorization-server/t1,
//!                                   /.well-known/openid-configuration/t1,
//!                                   /t1/.well-known/openid-configuration
//!   then: issuer identical to the URL it came from, endpoints https, S256,
//!         response type code, grants authorization_code + refresh_token,
//!         DCR (none + client_secret_post) or CIMD (+ none)
//! ```
//!
//! # Spec
//! * RFC 8414 §2 (fields and defaults), §3 (path-inserted well-known URI),
//!   §3.3 (`issuer` identical to the URL the document was derived from).
//! * MCP 2025-11-25 *Authorization Server Metadata Discovery* (the order),
//!   *Authorization Code Protection* (S256), *Communication Security*.
//!
//! # Where this sits
//! Called by [`super::discovery::run`] with `authorization_servers[0]`; the
//! document goes on to [`super::signin`]. [`get_document`], the GET of any
//! metadata document, serves the resource metadata section too.

use super::report::Section;
use serde_json::Value;

use super::context::Doctor;
use super::probe::Url;
use super::urls::{elsewhere, plain_http, public_url_fix, url_difference};

/// `Section::ServerMetadata`, `[5]`–`[6]`: The metadata document, if one was found.
pub fn authorization_server(d: &mut Doctor, issuer: &str) -> Option<Value> {
    let u = Url::parse(issuer)?;
    let (o, p) = (u.origin(), u.path().trim_end_matches('/').to_string());
    let candidates = if p.is_empty() {
        vec![
            format!("{o}/.well-known/oauth-authorization-server"),
            format!("{o}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{o}/.well-known/oauth-authorization-server{p}"),
            format!("{o}/.well-known/openid-configuration{p}"),
            format!("{o}{p}/.well-known/openid-configuration"),
        ]
    };
    let mut tried = Vec::new();
    let mut meta = None;
    for (i, c) in candidates.iter().enumerate() {
        match get_document(d, "GET AS metadata", c) {
            (Ok(v), ms) => {
                if i == 0 {
                    d.pass(
                        Section::ServerMetadata,
                        "metadata found (RFC 8414 form)",
                        c,
                        ms,
                    )
                } else {
                    d.warn(
                        Section::ServerMetadata,
                        "metadata found (RFC 8414 form)",
                        &format!("only at {c} ({})", tried.join("; ")),
                        "MCP 2025-06-18 clients read only the RFC 8414 form: serve \
                            /.well-known/oauth-authorization-server too",
                        None,
                        ms,
                    )
                }
                meta = Some(v);
                break;
            }
            (Err(e), _) => tried.push(format!("{c}: {e}")),
        }
    }
    let Some(meta) = meta else {
        let ours = elsewhere(issuer, &d.url);
        d.fail(
            Section::ServerMetadata,
            "metadata found",
            &tried.join("; "),
            "serve RFC 8414 metadata at \
            /.well-known/oauth-authorization-server (+ the issuer's \
            path), without authentication",
            ours.as_deref(),
            None,
        );
        return None;
    };
    match meta["issuer"].as_str() {
        None => d.fail(
            Section::ServerMetadata,
            "issuer equals its URL",
            "no \"issuer\"",
            "RFC 8414 §2: issuer is required",
            Some(&public_url_fix(&d.url)),
            None,
        ),
        Some(i) if i == issuer => d.pass(Section::ServerMetadata, "issuer equals its URL", i, None),
        Some(i) => {
            let scheme = url_difference(i, issuer) == Some("scheme");
            d.fail(
                Section::ServerMetadata,
                "issuer equals its URL",
                &format!("{i}, fetched for {issuer}"),
                if scheme {
                    "the server sits behind an HTTPS front end and advertises \
                    http://: configure its public https:// URL (RFC 8414 §3.3)"
                } else {
                    "RFC 8414 §3.3: issuer must be identical to the URL the \
                    metadata was derived from (authorization_servers[0]), byte \
                    for byte"
                },
                Some(&public_url_fix(&d.url)),
                None,
            );
        }
    }
    let mut insecure = Vec::new();
    for field in [
        "authorization_endpoint",
        "token_endpoint",
        "registration_endpoint",
        "revocation_endpoint",
    ] {
        if let Some(e) = meta[field].as_str() {
            if Url::parse(e).is_none_or(|x| plain_http(&x, &d.url)) {
                insecure.push(format!("{field} {e}"));
            }
        } else if field == "authorization_endpoint" || field == "token_endpoint" {
            insecure.push(format!("no {field}"));
        }
    }
    if insecure.is_empty() {
        d.pass(
            Section::ServerMetadata,
            "endpoints over HTTPS",
            "authorization, token (and registration, revocation)",
            None,
        );
    } else {
        d.fail(
            Section::ServerMetadata,
            "endpoints over HTTPS",
            &insecure.join(", "),
            "every authorization server endpoint must be an https:// URL \
            (MCP Authorization, communication security)",
            Some(&public_url_fix(&d.url)),
            None,
        );
    }
    let list = |f: &str| -> Vec<String> {
        meta[f]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let pkce = list("code_challenge_methods_supported");
    if pkce.iter().any(|m| m == "S256") {
        d.pass(Section::ServerMetadata, "PKCE S256", &pkce.join(", "), None);
    } else {
        d.fail(
            Section::ServerMetadata,
            "PKCE S256",
            &format!("code_challenge_methods_supported: {:?}", pkce),
            "MCP clients refuse to go on without \"S256\" in \
                code_challenge_methods_supported (MCP 2025-11-25, \
                Authorization Code Protection)",
            None,
            None,
        );
    }
    let responses = list("response_types_supported");
    if responses.iter().any(|r| r == "code") {
        d.pass(Section::ServerMetadata, "response type code", "code", None)
    } else {
        d.fail(
            Section::ServerMetadata,
            "response type code",
            &format!("{responses:?}"),
            "RFC 8414 §2: list \"code\" in response_types_supported",
            None,
            None,
        )
    }
    let grants = list("grant_types_supported");
    if grants.is_empty() {
        d.warn(
            Section::ServerMetadata,
            "grants authorization_code + refresh_token",
            "grant_types_supported absent (RFC 8414 default: authorization_code, implicit)",
            "list [\"authorization_code\", \"refresh_token\"]: claude.ai relies on refresh tokens",
            None,
            None,
        );
    } else if grants.iter().any(|g| g == "authorization_code")
        && grants.iter().any(|g| g == "refresh_token")
    {
        d.pass(
            Section::ServerMetadata,
            "grants authorization_code + refresh_token",
            &grants.join(", "),
            None,
        );
    } else {
        d.warn(
            Section::ServerMetadata,
            "grants authorization_code + refresh_token",
            &grants.join(", "),
            "support and list authorization_code and refresh_token (OAuth \
            2.1; claude.ai refreshes)",
            None,
            None,
        );
    }
    let mut methods = list("token_endpoint_auth_methods_supported");
    if methods.is_empty() {
        methods.push("client_secret_basic".into()); // RFC 8414 §2 default
    }
    let dcr = meta["registration_endpoint"].as_str().is_some();
    let cimd = meta["client_id_metadata_document_supported"] == true
        && methods.iter().any(|m| m == "none");
    let has = |m: &str| methods.iter().any(|x| x == m);
    let evidence = format!(
        "registration_endpoint {}, CIMD {}, auth methods {}",
        if dcr { "yes" } else { "no" },
        if cimd { "yes" } else { "no" },
        methods.join(" ")
    );
    if cimd || (dcr && has("none") && has("client_secret_post")) {
        d.pass(
            Section::ServerMetadata,
            "a registration claude.ai can use",
            &evidence,
            None,
        );
    } else if dcr {
        d.warn(
            Section::ServerMetadata,
            "a registration claude.ai can use",
            &evidence,
            "claude.ai has registered with client_secret_post (and Claude \
                Desktop with none): accept and list both, or advertise \
                client_id_metadata_document_supported",
            None,
            None,
        );
    } else {
        d.warn(
            Section::ServerMetadata,
            "a registration claude.ai can use",
            &evidence,
            "no DCR and no CIMD: users must paste a client id and secret \
                in claude.ai's Advanced settings; offer DCR or CIMD for the \
                normal flow",
            None,
            None,
        );
    }
    Some(meta)
}

/// GETs a metadata document: the JSON object, or why not (a FAIL's evidence).
pub fn get_document(
    d: &mut Doctor,
    label: &str,
    url: &str,
) -> (Result<Value, String>, Option<u64>) {
    match d
        .probe
        .call(label, "GET", url, &[("Accept", "application/json")], b"")
    {
        Err(e) => (Err(e), None),
        Ok(got) if got.status != 200 => {
            let loc = got
                .header("location")
                .map(|l| format!(" → {l}"))
                .unwrap_or_default();
            (
                Err(format!(
                    "{}{loc}{}",
                    got.status,
                    if got.is_html() {
                        format!(", an HTML page{}", got.title())
                    } else {
                        String::new()
                    }
                )),
                Some(got.ms),
            )
        }
        Ok(got) => (
            got.json().and_then(|v| {
                if v.is_object() {
                    Ok(v)
                } else {
                    Err("not a JSON object".into())
                }
            }),
            Some(got.ms),
        ),
    }
}
