//! Test support for `tests/doctor.rs`: a stand-in MCP server with its own
//! little OAuth server, written by hand (not with this crate's OAuth or MCP
//! code; only the HTTP layer carries the bytes), correct by default and
//! wrong in exactly one of the ways people get a remote MCP server wrong.
//!
//! Include next to the raw client: `#[path = "support/raw.rs"] mod raw;` and
//! `#[path = "support/standin.rs"] mod standin;`.
#![allow(dead_code)]

use std::time::Duration;

use remote_mcp::http::{Limits, Request, Response};
use remote_mcp::oauth::encoding::{Params, with_query};
use serde_json::{Value, json};

use super::raw::TestServer;

/// The one thing the stand-in gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    /// Nothing: a server claude.ai could use.
    None,
    /// The protected resource metadata names another URL as `resource`.
    WrongResource,
    /// The AS metadata's `issuer` is not the URL it was fetched for.
    IssuerMismatch,
    /// `code_challenge_methods_supported` lacks `S256`.
    NoS256,
    /// The 401 has a Bearer challenge without `resource_metadata`.
    NoResourceMetadata,
    /// `/token` answers 500 with an HTML page.
    Token500,
    /// The well-known paths answer HTML: a 404 page, and a single-page
    /// app's catch-all (200 text/html) where the AS metadata should be.
    HtmlErrors,
    /// `POST /mcp` redirects to `/mcp/`.
    RedirectSlash,
    /// `GET /mcp` with a token hangs for 5 s.
    HangingGet,
    /// `406` when `Accept` does not name `application/json`.
    Strict406,
    /// `403` for `User-Agent: Claude-User` (a WAF "block AI bots" rule).
    BlockClaudeUser,
    /// Requests after `initialize` need the session id.
    SessionRequired,
    /// Tools claude.ai trips on: a huge schema, top-level anyOf, a bad name.
    BadTools,
    /// The 401 for a bad token echoes the token back.
    EchoToken,
    /// Not a mistake: `/authorize` shows a password consent form that sets a
    /// cookie, and its POST needs that cookie and `Origin` back (as this
    /// crate's form does since the consent cookie).
    CookieForm,
    /// Not a mistake: `/authorize` redirects to the server's own `/login`
    /// page, whose form signs in and sends the browser back to `/authorize`.
    LoginRedirect,
}

/// The password of [`Mistake::CookieForm`].
pub const FORM_PASSWORD: &str = "stand-in password 0123";

/// The access token the stand-in issues first, and the one after refresh.
pub const ACCESS: &str = "standin_access_0123456789abcdef";
pub const ACCESS2: &str = "standin_access_fedcba9876543210";
pub const REFRESH: &str = "standin_refresh_0123456789abcdef";

/// Starts the stand-in on `127.0.0.1:0`; its origin is `http://127.0.0.1:PORT`.
pub fn start(mistake: Mistake) -> TestServer {
    // The port is known only after binding: the handler reads it from Host.
    TestServer::start(Limits::default(), move |request| handle(&request, mistake))
}

fn origin(request: &Request) -> String {
    format!("http://{}", request.header("host").unwrap_or("127.0.0.1"))
}

fn handle(r: &Request, mistake: Mistake) -> Response {
    let o = origin(r);
    let bearer = r
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "));
    match (r.method.as_str(), r.path.as_str()) {
        (_, "/mcp") if mistake == Mistake::RedirectSlash => {
            Response::empty(307).with_header("Location", &format!("{o}/mcp/"))
        }
        (_, "/mcp")
            if mistake == Mistake::BlockClaudeUser
                && r.header("user-agent") == Some("Claude-User") =>
        {
            Response::html(
                403,
                "<html><title>Access denied</title>bots are not allowed</html>",
            )
        }
        (_, "/mcp") if bearer.is_none() => {
            let challenge = if mistake == Mistake::NoResourceMetadata {
                "Bearer realm=\"mcp\"".to_string()
            } else {
                format!("Bearer resource_metadata=\"{o}/.well-known/oauth-protected-resource/mcp\"")
            };
            Response::json(401, &json!({"error": "unauthorized"}))
                .with_header("WWW-Authenticate", &challenge)
        }
        (_, "/mcp") if !matches!(bearer, Some(ACCESS) | Some(ACCESS2)) => {
            let description = if mistake == Mistake::EchoToken {
                format!("token {} is not valid", bearer.unwrap_or(""))
            } else {
                "invalid token".to_string()
            };
            Response::json(
                401,
                &json!({"error": "invalid_token", "error_description": description}),
            )
            .with_header(
                "WWW-Authenticate",
                &format!(
                    "Bearer error=\"invalid_token\", \
                    resource_metadata=\"{o}/.well-known/oauth-protected-resource/mcp\""
                ),
            )
        }
        ("GET", "/mcp") => {
            if mistake == Mistake::HangingGet {
                std::thread::sleep(Duration::from_secs(5));
            }
            Response::empty(405).with_header("Allow", "POST")
        }
        ("POST", "/mcp") => mcp(r, mistake),
        ("GET", "/.well-known/oauth-protected-resource/mcp") if mistake == Mistake::HtmlErrors => {
            Response::html(
                404,
                "<!doctype html><html><head><title>404 Not \
                    Found</title></head><body><h1>Not Found</h1></body></html>",
            )
        }
        (
            "GET",
            "/.well-known/oauth-protected-resource/mcp" | "/.well-known/oauth-protected-resource",
        ) => {
            let resource = if mistake == Mistake::WrongResource {
                format!("{o}/api/mcp")
            } else {
                format!("{o}/mcp")
            };
            Response::json(
                200,
                &json!({"resource": resource, "authorization_servers": [o], "scopes_supported": ["mcp"]}),
            )
        }
        ("GET", "/.well-known/oauth-authorization-server") if mistake == Mistake::HtmlErrors => {
            Response::html(
                200,
                "<!doctype html><html><head><title>My \
                    App</title></head><body><div \
                    id=\"root\"></div></body></html>",
            )
        }
        ("GET", "/.well-known/oauth-authorization-server") => {
            let issuer = if mistake == Mistake::IssuerMismatch {
                "https://auth.example.com".to_string()
            } else {
                o.clone()
            };
            let pkce = if mistake == Mistake::NoS256 {
                json!(["plain"])
            } else {
                json!(["S256"])
            };
            Response::json(
                200,
                &json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{o}/authorize"),
                    "token_endpoint": format!("{o}/token"),
                    "registration_endpoint": format!("{o}/register"),
                    "revocation_endpoint": format!("{o}/revoke"),
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code", "refresh_token"],
                    "code_challenge_methods_supported": pkce,
                    "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
                }),
            )
        }
        ("POST", "/register") => {
            let asked: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            let mut answer = json!({"client_id": "standin-client", "redirect_uris": asked["redirect_uris"],
                "token_endpoint_auth_method": asked["token_endpoint_auth_method"]});
            if asked["token_endpoint_auth_method"] != "none" {
                answer["client_secret"] = json!("standin_client_secret_0123456789");
            }
            Response::json(201, &answer)
        }
        ("GET", "/authorize") if mistake == Mistake::CookieForm => {
            let q = Params::parse(&r.query).unwrap_or_default();
            let hidden: String = q
                .iter()
                .map(|(n, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{n}\" value=\"{}\">",
                        v.replace('&', "&amp;").replace('"', "&quot;")
                    )
                })
                .collect();
            let page = format!(
                "<!doctype html><html><head><title>Sign in</title></head><body>\
                <form method=\"post\" action=\"/authorize\">{hidden}<input type=\"hidden\" name=\"csrf\" value=\"t0k3n\">\
                <input type=\"password\" name=\"password\"><button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\
                <button type=\"submit\" name=\"action\" \
                    value=\"allow\">Allow</button></form></body></html>"
            );
            Response::html(200, page).with_header(
                "Set-Cookie",
                "consent=c00k1e; Path=/authorize; HttpOnly; SameSite=Strict",
            )
        }
        ("POST", "/authorize") if mistake == Mistake::CookieForm => {
            let form = Params::parse_body(&r.body).unwrap_or_default();
            let cookie_ok = r
                .header("cookie")
                .is_some_and(|c| c.split("; ").any(|p| p == "consent=c00k1e"));
            let origin_ok = r.header("origin") == Some(o.as_str());
            let fields_ok = form.get("csrf") == Some("t0k3n")
                && form.get("action") == Some("allow")
                && form.get("password") == Some(FORM_PASSWORD);
            if !(cookie_ok && origin_ok && fields_ok) {
                return Response::html(
                    403,
                    format!(
                        "<html><title>Refused</title><p role=\"alert\">cookie \
                            {cookie_ok}, origin {origin_ok}, fields \
                            {fields_ok}</p></html>"
                    ),
                );
            }
            let location = with_query(
                form.get("redirect_uri").unwrap_or(""),
                [
                    ("code", "standin-code-0123456789abcdef"),
                    ("state", form.get("state").unwrap_or("")),
                ],
            );
            Response::empty(302).with_header("Location", &location)
        }
        ("GET", "/authorize")
            if mistake == Mistake::LoginRedirect && !has_cookie(r, "session=ok") =>
        {
            let back = format!("/authorize?{}", r.query);
            Response::empty(302)
                .with_header("Location", &with_query("/login", [("next", back.as_str())]))
                .with_header("Set-Cookie", "pending=1; Path=/; HttpOnly")
        }
        ("GET", "/login") if mistake == Mistake::LoginRedirect => {
            let q = Params::parse(&r.query).unwrap_or_default();
            let next = q
                .get("next")
                .unwrap_or("")
                .replace('&', "&amp;")
                .replace('"', "&quot;");
            Response::html(
                200,
                format!(
                    "<!doctype html><title>Log in</title><form method=post action=/login>\
                <input type=hidden name=next value=\"{next}\"><input type=password name=pw>\
                <input type=submit value=\"Log in\"></form>"
                ),
            )
        }
        ("POST", "/login") if mistake == Mistake::LoginRedirect => {
            let form = Params::parse_body(&r.body).unwrap_or_default();
            if !has_cookie(r, "pending=1") || form.get("pw") != Some(FORM_PASSWORD) {
                return Response::html(
                    200,
                    "<form method=post action=/login><p role=alert>Wrong password</p></form>",
                );
            }
            Response::empty(303)
                .with_header("Location", form.get("next").unwrap_or("/"))
                .with_header("Set-Cookie", "session=ok; Path=/; HttpOnly")
        }
        ("GET", "/authorize") => {
            let q = Params::parse(&r.query).unwrap_or_default();
            let location = with_query(
                q.get("redirect_uri").unwrap_or(""),
                [
                    ("code", "standin-code-0123456789abcdef"),
                    ("state", q.get("state").unwrap_or("")),
                ],
            );
            Response::empty(302).with_header("Location", &location)
        }
        ("POST", "/token") if mistake == Mistake::Token500 => Response::html(
            500,
            "<html><head><title>500 Internal Server \
                Error</title></head><body>Traceback…</body></html>",
        ),
        ("POST", "/token") => {
            let form = Params::parse_body(&r.body).unwrap_or_default();
            let grant = |access: &str, refresh: &str| {
                Response::json(200, &json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": refresh}))
                    .with_header("Cache-Control", "no-store")
            };
            match (
                form.get("grant_type"),
                form.get("code"),
                form.get("refresh_token"),
            ) {
                (Some("authorization_code"), Some("standin-code-0123456789abcdef"), _) => {
                    grant(ACCESS, REFRESH)
                }
                (Some("refresh_token"), _, Some(REFRESH)) => {
                    grant(ACCESS2, "standin_refresh_rotated_0123456789")
                }
                _ => Response::json(400, &json!({"error": "invalid_grant"})),
            }
        }
        ("POST", "/revoke") => Response::empty(200),
        _ => Response::json(404, &json!({"error": "not_found"})),
    }
}

fn has_cookie(r: &Request, pair: &str) -> bool {
    r.header("cookie")
        .is_some_and(|c| c.split("; ").any(|p| p == pair))
}

fn mcp(r: &Request, mistake: Mistake) -> Response {
    let accept = r.header("accept").unwrap_or("");
    if mistake == Mistake::Strict406 && !accept.contains("application/json") {
        return Response::json(
            406,
            &json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Not Acceptable"}}),
        );
    }
    let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    let id = body["id"].clone();
    let result =
        |result: Value| Response::json(200, &json!({"jsonrpc": "2.0", "id": id, "result": result}));
    match body["method"].as_str().unwrap_or("") {
        "initialize" => result(
            json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
            "serverInfo": {"name": "stand-in", "version": "1"}}),
        )
        .with_header("Mcp-Session-Id", "standin-session"),
        "server/discover" => Response::json(
            400,
            &json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32600, "message": "unsupported"}}),
        ),
        m if m.starts_with("notifications/") => Response::empty(202),
        _ if mistake == Mistake::SessionRequired && r.header("mcp-session-id").is_none() => {
            Response::json(
                400,
                &json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32600, "message": "Bad Request: No valid session ID provided"}}),
            )
        }
        "tools/list" => {
            let mut tools = vec![json!({"name": "echo", "description": "Echo.",
                "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}})];
            if mistake == Mistake::BadTools {
                let huge: serde_json::Map<String, Value> = (0..400)
                    .map(|i| (format!("field_{i:03}"), json!({"type": "string", "description": "a field with a long description"})))
                    .collect();
                tools.push(
                    json!({"name": "huge", "inputSchema": {"type": "object", "properties": huge}}),
                );
                tools.push(json!({"name": "either", "inputSchema": {"anyOf": [{"type": "object"}, {"type": "string"}]}}));
                tools.push(json!({"name": "bad name!", "inputSchema": {"type": "object"}}));
            }
            result(json!({"tools": tools}))
        }
        "tools/call" => result(
            json!({"content": [{"type": "text", "text": body["params"]["arguments"]["text"]}]}),
        ),
        _ => Response::json(
            200,
            &json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}}),
        ),
    }
}
