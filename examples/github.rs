//! Per-user upstream OAuth: each claude.ai user signs in
//! with **their own GitHub account**, and every tool runs as that user, with
//! that user's GitHub token — never a shared one, and never handed to the
//! client.
//!
//! ```text
//! GITHUB_CLIENT_ID=Ov23li… GITHUB_CLIENT_SECRET=… GITHUB_ALLOWED_USERS=octocat,hubot \
//!   cargo run --example github                       # http://127.0.0.1:8080/mcp
//! ```
//!
//! | variable | required | meaning |
//! |---|---|---|
//! | `GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET` | yes | a GitHub OAuth App (GitHub → Settings → Developer settings → OAuth Apps), callback `{PUBLIC_URL}/auth/github/callback` |
//! | `GITHUB_ALLOWED_USERS` | yes | GitHub logins allowed to sign in, comma-separated (`id:123` for a numeric id); empty admits nobody |
//! | `GITHUB_SCOPES` | no | scopes asked of GitHub (default none: public data; `repo` adds private repositories, with write access) |
//! | `GITHUB_OAUTH_URL` | no | default `https://github.com` |
//! | `GITHUB_API_URL` | no | default `https://api.github.com` |
//! | `PUBLIC_URL`, `MCP_SIGNING_KEY`, … | | as for every server (see the README) |
//!
//! | tool | GitHub call (as the caller) |
//! |---|---|
//! | `whoami` | `GET /user` |
//! | `list_my_repos` | `GET /user/repos?sort=updated&per_page=…`, following `Link: rel="next"` (at most 5 pages) |
//! | `get_starred` | `GET /user/starred?per_page=…`, likewise |
//!
//! The sign-in itself — our consent screen, the redirect to GitHub with
//! `state` and PKCE, the callback, the allowlist, the session cookie — is
//! the library's [`UpstreamProvider`]; this file supplies GitHub's URLs,
//! how to ask GitHub who signed in (`GET /user`: the numeric `id` becomes
//! the user's subject), and the tools.
//!
//! GitHub's failures become tool errors that say what to do: `401` (the
//! token was revoked: sign in again), `403`/`429` with
//! `x-ratelimit-remaining: 0` (the user's hourly budget is spent: when it
//! resets), `retry-after` (secondary limit), 5xx and timeouts.
//!
//! Tests: `tests/github_flow.rs` (Rust, raw HTTP) and
//! `tests/interop/github_py.py` (the official Python SDK), both against a
//! local stand-in for GitHub.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use remote_mcp::crypto::secret::Secret;
use remote_mcp::ext::seal::{SealKey, Sealed};
use remote_mcp::ext::upstream::{Allowlist, UpstreamIdp, UpstreamProvider, UpstreamUser};
use remote_mcp::oauth::store::{Store, now};
use remote_mcp::outbound::{Outbound, OutboundError, Reply, link_next};
use remote_mcp::{App, Config, McpServer, Tool, ToolCall, ToolError, ToolResult};
use serde_json::{Value, json};

/// At most this many pages of 100 are read for one list (500 items).
const MAX_PAGES: usize = 5;
/// The most items a list tool returns.
const MAX_ITEMS: i64 = 500;

fn main() {
    if let Err(e) = run() {
        eprintln!("github example: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let config = Config::from_env()?;
    let github = GitHubConfig::from_lookup(|name| std::env::var(name).ok(), &config.public_url)?;
    remote_mcp::log::event(
        "INFO",
        &format!(
            "GitHub OAuth App callback URL (register it at GitHub): {}/auth/github/callback",
            config.public_url
        ),
    );
    if github.allowed.is_empty() {
        remote_mcp::log::event(
            "ERROR",
            "GITHUB_ALLOWED_USERS is empty: NOBODY can sign in. List the GitHub logins to admit, \
             comma-separated, e.g. GITHUB_ALLOWED_USERS=octocat,hubot",
        );
    }
    // One store for the authorization server and the upstream sign-in: spent
    // codes, pending sign-ins, and each user's GitHub token (sealed). Redis
    // when REDIS_URL is set (build with --features redis), else memory.
    let store: Arc<dyn Store> = remote_mcp::open_store(&config)?;
    let api = GitHubApi::new(&github.api_url);
    // Users' GitHub tokens are sealed before they reach it, under a key
    // derived from MCP_SIGNING_KEY (the same on every instance).
    let secrets = Sealed::new(store.clone(), SealKey::from_config(&config));
    let provider = provider(&github, api.clone(), secrets);
    App::new(build(api, provider.clone()))
        .config(config)
        .store(store)
        .provider(provider)
        .run()
}

// ── Configuration ──────────────────────────────────────────────────────────

/// The example's own settings (the server's are in [`Config`]).
#[derive(Debug, Clone)]
pub struct GitHubConfig {
    /// The OAuth App's client id.
    pub client_id: String,
    /// The OAuth App's client secret.
    pub client_secret: Secret,
    /// Who may sign in.
    pub allowed: Allowlist,
    /// Scopes asked of GitHub.
    pub scopes: Vec<String>,
    /// `https://github.com` (authorize and token endpoints).
    pub oauth_url: String,
    /// `https://api.github.com`.
    pub api_url: String,
}

impl GitHubConfig {
    /// Reads the variables in the module docs through `get`; a missing one
    /// stops start-up with a message that names it and says where to get it.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        public_url: &str,
    ) -> Result<GitHubConfig, String> {
        let where_from = format!(
            "Create a GitHub OAuth App (GitHub → Settings → Developer settings → OAuth Apps → \
             New OAuth App) with the authorization callback URL {public_url}/auth/github/callback, \
             then copy its Client ID into GITHUB_CLIENT_ID and generate a client secret for \
             GITHUB_CLIENT_SECRET."
        );
        let required = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name} is not set. {where_from}"))
        };
        let client_id = required("GITHUB_CLIENT_ID")?;
        let client_secret = Secret::new(required("GITHUB_CLIENT_SECRET")?);
        let allowed = get("GITHUB_ALLOWED_USERS").ok_or_else(|| {
            "GITHUB_ALLOWED_USERS is not set: list the GitHub logins allowed to sign in, \
             comma-separated (e.g. GITHUB_ALLOWED_USERS=octocat,hubot; `id:583231` for a \
             numeric user id). An empty value admits nobody."
                .to_string()
        })?;
        let url = |name: &str, default: &str| -> Result<String, String> {
            match get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
            {
                None => Ok(default.to_string()),
                Some(v) if v.starts_with("https://") || v.starts_with("http://") => {
                    Ok(v.trim_end_matches('/').to_string())
                }
                Some(v) => Err(format!(
                    "{name}: {v:?} is not an http(s) URL; expected e.g. {default}"
                )),
            }
        };
        Ok(GitHubConfig {
            client_id,
            client_secret,
            allowed: Allowlist::parse(&allowed),
            scopes: get("GITHUB_SCOPES")
                .unwrap_or_default()
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            oauth_url: url("GITHUB_OAUTH_URL", "https://github.com")?,
            api_url: url("GITHUB_API_URL", "https://api.github.com")?,
        })
    }
}

/// The sign-in: GitHub's endpoints, our OAuth App, and `GET /user` to learn
/// who signed in (the numeric id is the subject; logins can change hands).
pub fn provider(config: &GitHubConfig, api: GitHubApi, store: Sealed) -> UpstreamProvider {
    let idp = UpstreamIdp {
        name: "github".into(),
        display_name: "GitHub".into(),
        authorize_url: format!("{}/login/oauth/authorize", config.oauth_url),
        token_url: format!("{}/login/oauth/access_token", config.oauth_url),
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        scopes: config.scopes.clone(),
        identify: Box::new(move |token| {
            let user = api.user(token).map_err(|e| e.to_string())?;
            Ok(UpstreamUser {
                id: user.id.to_string(),
                login: user.login,
            })
        }),
    };
    UpstreamProvider::new(idp, config.allowed.clone(), store)
}

// ── The tools ──────────────────────────────────────────────────────────────

/// The MCP server: three tools, each run with the caller's own GitHub token.
pub fn build(api: GitHubApi, github: UpstreamProvider) -> McpServer {
    let (a1, a2, a3) = (api.clone(), api.clone(), api);
    let (g1, g2, g3) = (github.clone(), github.clone(), github);
    McpServer::new("github")
        .title("GitHub (as you)")
        .instructions(
            "Your own GitHub account: who you are, your repositories, your stars. \
             Every call runs with your GitHub sign-in, and sees only what you can see.",
        )
        .tool(
            Tool::new("whoami", "The GitHub account you signed in with.")
                .read_only()
                .open_world(true)
                .handler(move |call| whoami(&a1, &g1, call)),
        )
        .tool(
            Tool::new(
                "list_my_repos",
                "Your GitHub repositories (owned, collaborator and organization), most recently \
                 updated first.",
            )
            .optional_param("limit", "integer", "How many, 1-500 (default 30)")
            .read_only()
            .open_world(true)
            .handler(move |call| list_my_repos(&a2, &g2, call)),
        )
        .tool(
            Tool::new(
                "get_starred",
                "The repositories you starred on GitHub, latest first.",
            )
            .optional_param("limit", "integer", "How many, 1-500 (default 30)")
            .read_only()
            .open_world(true)
            .handler(move |call| get_starred(&a3, &g3, call)),
        )
}

/// The caller's GitHub token, and the call made with it. A `401` means the
/// token is dead: forget it, so the next call says "sign in again" at once.
fn as_caller<T>(
    github: &UpstreamProvider,
    call: &ToolCall<'_>,
    f: impl FnOnce(&Secret) -> Result<T, GitHubError>,
) -> Result<T, ToolError> {
    let token = github.access_token(call.caller())?;
    match f(&token) {
        Err(GitHubError::BadCredentials) => {
            github.forget(call.caller());
            Err(GitHubError::BadCredentials.into())
        }
        other => Ok(other?),
    }
}

fn whoami(
    api: &GitHubApi,
    github: &UpstreamProvider,
    call: &ToolCall<'_>,
) -> Result<ToolResult, ToolError> {
    let user = as_caller(github, call, |token| api.user(token))?;
    // The token on record must be the caller's own: a cheap check that the
    // per-user store is keyed right.
    if call.caller().map(|c| c.sub.as_str()) != Some(user.id.to_string().as_str()) {
        return Err(
            "The GitHub token on record belongs to another account; reconnect the connector."
                .into(),
        );
    }
    let mut text = format!("You are @{} on GitHub", user.login);
    if let Some(name) = &user.name {
        text.push_str(&format!(" ({name})"));
    }
    text.push_str(&format!(
        ", user id {}. Public repositories: {}. Followers: {}. {}",
        user.id, user.public_repos, user.followers, user.html_url
    ));
    Ok(ToolResult::text(text).with_structured(
        json!({"id": user.id, "login": user.login, "name": user.name, "html_url": user.html_url,
               "public_repos": user.public_repos, "followers": user.followers}),
    ))
}

fn list_my_repos(
    api: &GitHubApi,
    github: &UpstreamProvider,
    call: &ToolCall<'_>,
) -> Result<ToolResult, ToolError> {
    let limit = limit(call)?;
    let list = as_caller(github, call, |token| {
        api.list(token, "/user/repos", &[("sort", "updated")], limit)
    })?;
    Ok(repo_list(
        &list,
        "You have no repositories this sign-in can see.",
        "most recently updated repositories",
    ))
}

fn get_starred(
    api: &GitHubApi,
    github: &UpstreamProvider,
    call: &ToolCall<'_>,
) -> Result<ToolResult, ToolError> {
    let limit = limit(call)?;
    let list = as_caller(github, call, |token| {
        api.list(token, "/user/starred", &[], limit)
    })?;
    Ok(repo_list(
        &list,
        "You have not starred any repository.",
        "latest starred repositories",
    ))
}

/// The answer of `list_my_repos` and `get_starred`: one line per repository
/// for the model, the same repositories as `structuredContent`.
fn repo_list(list: &Page, none: &str, what: &str) -> ToolResult {
    let repos: Vec<Value> = list.items.iter().map(repo_json).collect();
    let mut text = match repos.len() {
        0 => none.to_string(),
        n => format!("Your {n} {what}:\n"),
    };
    for r in &repos {
        text.push_str(&format!("\n{}", repo_line(r)));
    }
    if list.more {
        text.push_str(&format!(
            "\n\n(More exist; showing the first {}.)",
            repos.len()
        ));
    }
    ToolResult::text(text).with_structured(json!({"repositories": repos, "more": list.more}))
}

fn limit(call: &ToolCall<'_>) -> Result<usize, ToolError> {
    match call.opt_i64("limit")? {
        None => Ok(30),
        Some(n) if (1..=MAX_ITEMS).contains(&n) => Ok(n as usize),
        Some(n) => Err(format!("`limit` must be between 1 and {MAX_ITEMS}; got {n}.").into()),
    }
}

/// The fields of a repository worth showing.
fn repo_json(r: &Value) -> Value {
    json!({
        "full_name": r["full_name"], "private": r["private"], "description": r["description"],
        "stars": r["stargazers_count"], "language": r["language"], "html_url": r["html_url"],
        "updated_at": r["updated_at"],
    })
}

/// `owner/name (private) ★12 [Rust] — description`
fn repo_line(r: &Value) -> String {
    let mut line = format!("• {}", r["full_name"].as_str().unwrap_or("?"));
    if r["private"] == true {
        line.push_str(" (private)");
    }
    if let Some(stars) = r["stars"].as_u64() {
        line.push_str(&format!(" ★{stars}"));
    }
    if let Some(lang) = r["language"].as_str() {
        line.push_str(&format!(" [{lang}]"));
    }
    if let Some(d) = r["description"].as_str().filter(|d| !d.is_empty()) {
        line.push_str(&format!(" — {d}"));
    }
    line
}

// ── The GitHub REST API client ─────────────────────────────────────────────

/// GitHub's REST API at a base URL, with the headers GitHub requires.
#[derive(Debug, Clone)]
pub struct GitHubApi {
    base: String,
    http: Outbound,
}

/// `GET /user`, the fields we use.
#[derive(Debug, Clone, PartialEq)]
pub struct GitHubUser {
    /// The stable numeric id.
    pub id: u64,
    /// The login (can be renamed).
    pub login: String,
    /// The display name, if set.
    pub name: Option<String>,
    /// `https://github.com/{login}`.
    pub html_url: String,
    /// Count of public repositories.
    pub public_repos: u64,
    /// Count of followers.
    pub followers: u64,
}

/// Items of a paginated list, and whether more were left unread.
#[derive(Debug, Clone)]
pub struct Page {
    /// The items read, at most the limit asked for.
    pub items: Vec<Value>,
    /// Whether GitHub had more.
    pub more: bool,
}

impl GitHubApi {
    /// A client for the API at `base` (e.g. `https://api.github.com`), 10 s per call.
    pub fn new(base: &str) -> GitHubApi {
        GitHubApi {
            base: base.trim_end_matches('/').to_string(),
            http: Outbound::new(concat!(
                "remote-mcp-github-example/",
                env!("CARGO_PKG_VERSION")
            )),
        }
    }

    /// Replaces the deadline of each call (builder style).
    pub fn timeout(mut self, timeout: Duration) -> GitHubApi {
        self.http = self.http.timeout(timeout);
        self
    }

    /// `GET /user`.
    pub fn user(&self, token: &Secret) -> Result<GitHubUser, GitHubError> {
        let url = format!("{}/user", self.base);
        let body = self.get_json(&url, &[], token)?;
        let shape = || GitHubError::Shape {
            path: "/user".into(),
            expected: "a user with a numeric id and a login",
        };
        Ok(GitHubUser {
            id: body["id"].as_u64().ok_or_else(shape)?,
            login: body["login"].as_str().ok_or_else(shape)?.to_string(),
            name: body["name"].as_str().map(str::to_string),
            html_url: body["html_url"].as_str().unwrap_or_default().to_string(),
            public_repos: body["public_repos"].as_u64().unwrap_or(0),
            followers: body["followers"].as_u64().unwrap_or(0),
        })
    }

    /// Up to `limit` items of a list endpoint, following `Link: rel="next"`
    /// (at most [`MAX_PAGES`] pages, and only to URLs under our API base:
    /// the user's token is never sent elsewhere).
    pub fn list(
        &self,
        token: &Secret,
        path: &str,
        query: &[(&str, &str)],
        limit: usize,
    ) -> Result<Page, GitHubError> {
        let per_page = limit.clamp(1, 100).to_string();
        let mut first: Vec<(&str, &str)> = query.to_vec();
        first.push(("per_page", per_page.as_str()));
        let mut url = format!("{}{path}", self.base);
        let mut query = first;
        let mut items = Vec::new();
        for page in 1..=MAX_PAGES {
            let reply = self.get(&url, &query, token)?;
            let body = json_of(&reply, &self.path_of(&url))?;
            let list = body.as_array().ok_or_else(|| GitHubError::Shape {
                path: self.path_of(&url),
                expected: "a list",
            })?;
            items.extend(list.iter().cloned());
            let next = reply.header("link").and_then(link_next);
            if items.len() >= limit {
                let more = items.len() > limit || next.is_some();
                items.truncate(limit);
                return Ok(Page { items, more });
            }
            match next {
                None => return Ok(Page { items, more: false }),
                Some(next) if page < MAX_PAGES && next.starts_with(&format!("{}/", self.base)) => {
                    url = next.to_string();
                    // The next URL carries every parameter (GitHub: "use the URLs verbatim").
                    query = Vec::new();
                }
                Some(_) => return Ok(Page { items, more: true }),
            }
        }
        Ok(Page { items, more: true })
    }

    fn get_json(
        &self,
        url: &str,
        query: &[(&str, &str)],
        token: &Secret,
    ) -> Result<Value, GitHubError> {
        let reply = self.get(url, query, token)?;
        json_of(&reply, &self.path_of(url))
    }

    /// One call with GitHub's headers; statuses other than 200 become errors.
    fn get(&self, url: &str, query: &[(&str, &str)], token: &Secret) -> Result<Reply, GitHubError> {
        let path = self.path_of(url);
        let auth = format!("Bearer {}", token.expose());
        let reply = self
            .http
            .get(
                url,
                query,
                &[
                    ("Accept", "application/vnd.github+json"),
                    ("X-GitHub-Api-Version", "2022-11-28"),
                    ("Authorization", &auth),
                ],
            )
            .map_err(|error| GitHubError::Call {
                path: path.clone(),
                error,
            })?;
        match reply.status {
            200 => Ok(reply),
            status => Err(GitHubError::from_reply(&path, status, &reply)),
        }
    }

    /// The path of a URL under our base, for messages.
    fn path_of(&self, url: &str) -> String {
        let path = url.strip_prefix(&self.base).unwrap_or(url);
        path.split('?').next().unwrap_or(path).to_string()
    }
}

fn json_of(reply: &Reply, path: &str) -> Result<Value, GitHubError> {
    reply.json().map_err(|error| GitHubError::Call {
        path: path.to_string(),
        error,
    })
}

/// Why a GitHub call failed. Each becomes an `isError` tool result whose
/// text is the `Display` below: what happened and what the user can do.
#[derive(Debug, Clone, PartialEq)]
pub enum GitHubError {
    /// `401 Bad credentials`: the token was revoked or expired.
    BadCredentials,
    /// `403`/`429` with `x-ratelimit-remaining: 0`: the user's hourly budget is spent.
    RateLimited {
        /// `x-ratelimit-reset`, Unix seconds.
        reset: Option<u64>,
    },
    /// `403`/`429` with `retry-after`: GitHub's secondary rate limit.
    SlowDown {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// Any other status.
    Status {
        /// The path asked for.
        path: String,
        /// The status.
        status: u16,
        /// GitHub's `message`, if any.
        message: Option<String>,
    },
    /// No answer (timeout, connection), or a body that is not JSON.
    Call {
        /// The path asked for.
        path: String,
        /// What went wrong.
        error: OutboundError,
    },
    /// JSON of an unexpected shape.
    Shape {
        /// The path asked for.
        path: String,
        /// What was expected.
        expected: &'static str,
    },
}

impl GitHubError {
    fn from_reply(path: &str, status: u16, reply: &Reply) -> GitHubError {
        let message = reply
            .json()
            .ok()
            .and_then(|b| b["message"].as_str().map(str::to_string));
        let remaining = reply.header("x-ratelimit-remaining").map(str::trim);
        match status {
            401 => GitHubError::BadCredentials,
            403 | 429 if remaining == Some("0") => GitHubError::RateLimited {
                reset: reply
                    .header("x-ratelimit-reset")
                    .and_then(|r| r.trim().parse().ok()),
            },
            403 | 429 if reply.header("retry-after").is_some() => GitHubError::SlowDown {
                retry_after: reply
                    .header("retry-after")
                    .and_then(|r| r.trim().parse().ok())
                    .unwrap_or(60),
            },
            _ => GitHubError::Status {
                path: path.to_string(),
                status,
                message,
            },
        }
    }
}

impl fmt::Display for GitHubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitHubError::BadCredentials => f.write_str(
                "GitHub no longer accepts your sign-in (401 Bad credentials): the token was \
                 revoked or has expired. Disconnect and reconnect the connector to sign in again.",
            ),
            GitHubError::RateLimited { reset: Some(reset) } => {
                let wait = reset.saturating_sub(now()).div_ceil(60);
                write!(
                    f,
                    "Your GitHub API rate limit is used up (it is shared by every app acting for \
                     you). It resets at {} UTC, in about {wait} minute(s).",
                    clock(*reset)
                )
            }
            GitHubError::RateLimited { reset: None } => f.write_str(
                "Your GitHub API rate limit is used up (it is shared by every app acting for \
                 you). Try again in an hour.",
            ),
            GitHubError::SlowDown { retry_after } => write!(
                f,
                "GitHub asks this server to slow down (secondary rate limit). Try again in \
                 {retry_after} s."
            ),
            GitHubError::Status {
                path,
                status,
                message,
            } if *status >= 500 => write!(
                f,
                "GitHub's API failed (GET {path} answered HTTP {status}{}). Try again in a minute.",
                message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ),
            GitHubError::Status {
                path,
                status,
                message,
            } => write!(
                f,
                "GitHub refused GET {path} with HTTP {status}{}.",
                message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ),
            GitHubError::Call {
                path,
                error: OutboundError::Timeout(d),
            } => write!(
                f,
                "GitHub's API did not answer GET {path} within {} s. Try again later.",
                d.as_secs_f64()
            ),
            GitHubError::Call { path, error } => {
                write!(f, "GitHub's API could not be used (GET {path}: {error}).")
            }
            GitHubError::Shape { path, expected } => write!(
                f,
                "GitHub's API answered GET {path} with JSON of an unexpected shape (expected {expected})."
            ),
        }
    }
}

impl From<GitHubError> for ToolError {
    fn from(e: GitHubError) -> ToolError {
        ToolError::msg(e)
    }
}

/// `HH:MM` (UTC) of a Unix time.
fn clock(unix: u64) -> String {
    let day = unix % 86_400;
    format!("{:02}:{:02}", day / 3600, (day % 3600) / 60)
}
