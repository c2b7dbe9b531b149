//! A local stand-in for GitHub on 127.0.0.1: a real HTTP server (our own
//! `remote_mcp::http::Server`) with GitHub's OAuth web flow and the three REST
//! endpoints the example uses, answering with GitHub's documented shapes:
//!
//! * `GET /login/oauth/authorize` → `302 redirect_uri?code&state` for the user
//!   whose GitHub session the browser holds (cookie `user_session=<login>`;
//!   `decision=deny` declines → `?error=access_denied&state`). It checks the
//!   client id, the redirect URI against the registered callback, and stores
//!   the PKCE S256 challenge with the code.
//! * `POST /login/oauth/access_token` → JSON (with `Accept: application/json`)
//!   or form-encoded; errors are `200` with an `error` field, as GitHub does.
//!   Codes are single-use and checked against client secret, redirect URI and
//!   PKCE verifier. Users marked "expiring" get GitHub-App-style tokens with
//!   `expires_in` and a refresh token.
//! * `GET /user`, `/user/repos`, `/user/starred` with `Authorization: Bearer`,
//!   `Link` pagination (`per_page`, `page`), `401 Bad credentials`, and `403`
//!   with `x-ratelimit-remaining: 0` for rate-limited users. A request without
//!   `User-Agent` gets 403 and a wrong `X-GitHub-Api-Version` 400, like GitHub.
//!
//! Every request is recorded, form bodies included, for the tests to inspect.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use remote_mcp::crypto::secret::random_id;
use remote_mcp::http::{Limits, Request, Response, Server};
use remote_mcp::oauth::encoding::{Params, encode_pairs};
use remote_mcp::oauth::pkce;
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "Ov23liStandInClient";
pub const CLIENT_SECRET: &str = "stand-in-client-secret-0123456789";

/// One GitHub account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub login: String,
    pub name: String,
    pub repos: usize,
    pub starred: usize,
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
    login: String,
    challenge: Option<String>,
    redirect_uri: String,
}

#[derive(Default)]
struct State {
    /// Where the base URL of Link headers points.
    base: String,
    /// The registered callback URL (set once the server under test is bound).
    callback: String,
    users: Vec<User>,
    codes: HashMap<String, Grant>,
    used_codes: HashSet<String>,
    /// token → login
    tokens: HashMap<String, String>,
    /// refresh token → login
    refresh_tokens: HashMap<String, String>,
    expiring: HashSet<String>,
    rate_limited: HashSet<String>,
    /// When set, the token endpoint answers `200 {"error": …}`.
    token_error: Option<String>,
    seen: Vec<Seen>,
}

/// A running stand-in.
#[derive(Clone)]
pub struct GitHub {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl GitHub {
    /// Starts a stand-in with alice (id 1001, 150 repos, 3 stars), bob (id
    /// 1002, 2 repos, 0 stars), mallory (1003) and carol (1004, expiring tokens).
    pub fn start() -> GitHub {
        let limits = Limits {
            shutdown_grace: Duration::from_millis(100),
            ..Limits::default()
        };
        let server = Server::bind("127.0.0.1:0", limits).unwrap();
        let url = format!("http://{}", server.local_addr().unwrap());
        let user = |id, login: &str, name: &str, repos, starred| User {
            id,
            login: login.into(),
            name: name.into(),
            repos,
            starred,
        };
        let state = Arc::new(Mutex::new(State {
            base: url.clone(),
            users: vec![
                user(1001, "alice", "Alice Liddell", 150, 3),
                user(1002, "bob", "Bob Builder", 2, 0),
                user(1003, "mallory", "Mallory", 1, 0),
                user(1004, "carol", "Carol", 1, 1),
            ],
            expiring: ["carol".to_string()].into(),
            ..State::default()
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            server.serve(Arc::new(move |request: Request| handle(&shared, request)))
        });
        GitHub { url, state }
    }

    /// The callback URL registered for the OAuth App.
    pub fn register_callback(&self, url: &str) {
        self.state.lock().unwrap().callback = url.to_string();
    }

    /// Revokes every token of `login` (as the user would in GitHub's settings).
    pub fn revoke(&self, login: &str) {
        let mut s = self.state.lock().unwrap();
        s.tokens.retain(|_, l| l != login);
    }

    /// Makes `login`'s API calls hit the primary rate limit.
    pub fn rate_limit(&self, login: &str) {
        self.state.lock().unwrap().rate_limited.insert(login.into());
    }

    /// Makes the token endpoint answer `200 {"error": error}`.
    pub fn fail_token_exchange(&self, error: &str) {
        self.state.lock().unwrap().token_error = Some(error.into());
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The tokens issued to `login` that still work.
    pub fn live_tokens(&self, login: &str) -> Vec<String> {
        let s = self.state.lock().unwrap();
        s.tokens
            .iter()
            .filter(|(_, l)| *l == login)
            .map(|(t, _)| t.clone())
            .collect()
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
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/login/oauth/authorize") => authorize(&mut s, &request, &query),
        ("POST", "/login/oauth/access_token") => access_token(&mut s, &request, &form),
        ("GET", path @ ("/user" | "/user/repos" | "/user/starred")) => {
            api(&s, &request, path, &query)
        }
        _ => Response::json(
            404,
            &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
        ),
    }
}

fn authorize(s: &mut State, request: &Request, q: &Params) -> Response {
    if q.get("client_id") != Some(CLIENT_ID) {
        return Response::html(404, "<h1>Not found</h1>");
    }
    let redirect_uri = q.get("redirect_uri").unwrap_or(&s.callback).to_string();
    // GitHub: the host and port must match, the path may be a subdirectory.
    if s.callback.is_empty() || !redirect_uri.starts_with(&s.callback) {
        return Response::html(
            200,
            "<h1>The redirect_uri is not associated with this application.</h1>",
        );
    }
    let cookies = request.header("Cookie").unwrap_or("");
    let cookie = |name: &str| {
        cookies
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    };
    let Some(login) = cookie("user_session") else {
        return Response::html(200, "<h1>Sign in to GitHub</h1>");
    };
    let state = q.get("state").unwrap_or("");
    if cookie("decision").as_deref() == Some("deny") {
        let pairs = [
            ("error", "access_denied"),
            (
                "error_description",
                "The user has denied your application access.",
            ),
            ("error_uri", "https://docs.github.com/apps/troubleshooting"),
            ("state", state),
        ];
        return redirect(&format!("{redirect_uri}?{}", encode_pairs(pairs)));
    }
    let challenge = match (q.get("code_challenge"), q.get("code_challenge_method")) {
        (Some(c), Some("S256")) => Some(c.to_string()),
        (None, None) => None,
        _ => return Response::html(400, "<h1>Only S256 is supported</h1>"),
    };
    let code = random_id();
    s.codes.insert(
        code.clone(),
        Grant {
            login,
            challenge,
            redirect_uri: redirect_uri.clone(),
        },
    );
    redirect(&format!(
        "{redirect_uri}?{}",
        encode_pairs([("code", code.as_str()), ("state", state)])
    ))
}

fn redirect(location: &str) -> Response {
    Response::empty(302).with_header("Location", location)
}

fn access_token(s: &mut State, request: &Request, f: &Params) -> Response {
    let wants_json = request
        .header("Accept")
        .is_some_and(|a| a.contains("application/json"));
    // GitHub answers token errors with 200 and an `error` field.
    let error = |code: &str, description: &str| {
        let body = json!({"error": code, "error_description": description,
                          "error_uri": "https://docs.github.com/apps/troubleshooting"});
        Response::json(200, &body)
    };
    if let Some(e) = &s.token_error {
        return error(e, "The code passed is incorrect or expired.");
    }
    if f.get("client_id") != Some(CLIENT_ID) || f.get("client_secret") != Some(CLIENT_SECRET) {
        return error(
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
        );
    }
    let login = if f.get("grant_type") == Some("refresh_token") {
        match f
            .get("refresh_token")
            .and_then(|r| s.refresh_tokens.remove(r))
        {
            Some(login) => login,
            None => {
                return error(
                    "bad_refresh_token",
                    "The refresh token passed is incorrect or expired.",
                );
            }
        }
    } else {
        let Some(code) = f.get("code") else {
            return error(
                "bad_verification_code",
                "The code passed is incorrect or expired.",
            );
        };
        if !s.used_codes.insert(code.to_string()) {
            return error(
                "bad_verification_code",
                "The code passed is incorrect or expired.",
            );
        }
        let Some(grant) = s.codes.remove(code) else {
            return error(
                "bad_verification_code",
                "The code passed is incorrect or expired.",
            );
        };
        if f.get("redirect_uri")
            .is_some_and(|r| r != grant.redirect_uri)
        {
            return error(
                "redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.",
            );
        }
        if let Some(challenge) = &grant.challenge {
            match f.get("code_verifier") {
                Some(v) if pkce::verify(v, challenge) => {}
                _ => {
                    return error(
                        "bad_verification_code",
                        "The code_verifier does not match the code_challenge.",
                    );
                }
            }
        }
        grant.login
    };
    let expiring = s.expiring.contains(&login);
    let token = format!("{}_{}", if expiring { "ghu" } else { "gho" }, random_id());
    s.tokens.insert(token.clone(), login.clone());
    let mut body = json!({"access_token": token, "scope": "", "token_type": "bearer"});
    if expiring {
        // Expires within the server's refresh margin: the first tool call refreshes.
        let refresh = format!("ghr_{}", random_id());
        s.refresh_tokens.insert(refresh.clone(), login);
        body["expires_in"] = json!(30);
        body["refresh_token"] = json!(refresh);
        body["refresh_token_expires_in"] = json!(15_811_200);
    }
    if wants_json {
        Response::json(200, &body)
    } else {
        let pairs: Vec<(String, String)> = body
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map(str::to_string).unwrap_or(v.to_string()),
                )
            })
            .collect();
        Response::bytes(
            200,
            "application/x-www-form-urlencoded",
            encode_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        )
    }
}

fn api(s: &State, request: &Request, path: &str, q: &Params) -> Response {
    if request.header("User-Agent").is_none() {
        return Response::json(
            403,
            &json!({"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."}),
        );
    }
    if let Some(v) = request.header("X-GitHub-Api-Version")
        && v != "2022-11-28"
    {
        return Response::json(
            400,
            &json!({"message": format!("Unsupported 'X-GitHub-Api-Version' header value: {v}")}),
        );
    }
    let token = request
        .header("Authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    let Some(login) = s.tokens.get(token) else {
        return Response::json(
            401,
            &json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
        );
    };
    let user = s.users.iter().find(|u| &u.login == login).unwrap();
    if s.rate_limited.contains(login) {
        let reset = now() + 600;
        return Response::json(
            403,
            &json!({"message": format!("API rate limit exceeded for user ID {}.", user.id),
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}),
        )
        .with_header("x-ratelimit-limit", "5000")
        .with_header("x-ratelimit-remaining", "0")
        .with_header("x-ratelimit-used", "5000")
        .with_header("x-ratelimit-reset", &reset.to_string())
        .with_header("x-ratelimit-resource", "core");
    }
    let per_page: usize = q
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30)
        .min(100);
    let page: usize = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let all: Vec<Value> = match path {
        "/user" => {
            return Response::json(
                200,
                &json!({"login": user.login, "id": user.id, "node_id": format!("U_{}", user.id),
                        "html_url": format!("https://github.com/{}", user.login), "type": "User",
                        "name": user.name, "email": null, "public_repos": user.repos, "followers": 7}),
            )
            .with_header("x-oauth-scopes", "")
        }
        "/user/repos" => (1..=user.repos)
            .map(|i| {
                json!({"id": user.id * 1000 + i as u64, "name": format!("repo-{i:03}"),
                       "full_name": format!("{}/repo-{i:03}", user.login), "private": i % 10 == 0,
                       "description": format!("Repository number {i}"), "stargazers_count": i,
                       "language": "Rust", "html_url": format!("https://github.com/{}/repo-{i:03}", user.login),
                       "updated_at": format!("2026-11-{:02}T00:00:00Z", 28 - (i % 27))})
            })
            .collect(),
        _ => (1..=user.starred)
            .map(|i| {
                json!({"id": 9000 + i as u64, "name": format!("starred-{i}"),
                       "full_name": format!("octo-org/starred-{i}"), "private": false,
                       "description": null, "stargazers_count": 1000 + i, "language": null,
                       "html_url": format!("https://github.com/octo-org/starred-{i}")})
            })
            .collect(),
    };
    let last = all.len().div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut response = Response::json(200, &Value::Array(items));
    if last > 1 {
        // Rebuild the query with the new page, keeping every other parameter.
        let link_to = |p: usize| {
            let mut pairs: Vec<(String, String)> = q
                .iter()
                .filter(|(n, _)| *n != "page")
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            pairs.push(("page".into(), p.to_string()));
            format!(
                "{}{path}?{}",
                s.base,
                encode_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            )
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", link_to(page - 1)));
        }
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
            links.push(format!("<{}>; rel=\"last\"", link_to(last)));
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"first\"", link_to(1)));
        }
        response = response.with_header("Link", &links.join(", "));
    }
    response
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
