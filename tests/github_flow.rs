//! The upstream-IdP branch of the flow, end to end over real sockets: the
//! GitHub example (`examples/github.rs` on `UpstreamProvider`) against a local
//! stand-in for GitHub (`support/github.rs`), with this test playing the MCP
//! client and the user's browser. Every redirect is followed by hand, so each
//! arrow is asserted: status, `Location`, cookies.
//! (MCP 2025-11-25 Security Best Practices: Confused Deputy, Token Passthrough;
//! RFC 6749 §4.1, §10.12; RFC 7636; RFC 6265bis.)

#[path = "support/oauth_browser.rs"]
mod browser;
#[allow(dead_code)] // its `main` is not called here
#[path = "../examples/github.rs"]
mod example;
#[path = "support/github.rs"]
mod github;
#[path = "support/raw.rs"]
mod raw;

use std::sync::Arc;

use browser::{REDIRECT, Srv, consent_cookie, hidden_fields, json, redirect_params};
use raw::{Answer, Conn};
use remote_mcp::ext::seal::{SealKey, Sealed};
use remote_mcp::oauth::encoding::{Params, encode_pairs};
use remote_mcp::oauth::pkce;
use remote_mcp::oauth::store::{MemoryStore, Store};
use remote_mcp::{App, Config};
use serde_json::{Value, json};

/// The example server, configured for the stand-in, with this allowlist.
fn start(gh: &github::GitHub, allowed: &str) -> Srv {
    let env = |name: &str| match name {
        "GITHUB_CLIENT_ID" => Some(github::CLIENT_ID.to_string()),
        "GITHUB_CLIENT_SECRET" => Some(github::CLIENT_SECRET.to_string()),
        "GITHUB_ALLOWED_USERS" => Some(allowed.to_string()),
        "GITHUB_OAUTH_URL" | "GITHUB_API_URL" => Some(gh.url.clone()),
        _ => None,
    };
    let config = example::GitHubConfig::from_lookup(env, "http://localhost").unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let api = example::GitHubApi::new(&config.api_url);
    let provider = example::provider(
        &config,
        api.clone(),
        Sealed::new(store.clone(), SealKey::random()),
    );
    let srv = Srv::start(
        App::new(example::build(api, provider.clone()))
            .config(Config::local(0))
            .store(store)
            .provider(provider),
    );
    gh.register_callback(&format!("{}/auth/github/callback", srv.public_url()));
    srv
}

/// `GET url` (absolute, on 127.0.0.1) with these headers.
fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, target) = rest.split_at(rest.find('/').unwrap());
    let addr = authority.replace("localhost", "127.0.0.1").parse().unwrap();
    let mut head = format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut conn = Conn::open(addr);
    conn.send(head);
    conn.answer()
}

/// Every `Set-Cookie` of an answer, as `name → whole header value`.
fn set_cookies(a: &Answer) -> Vec<(String, String)> {
    a.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Set-Cookie"))
        .map(|(_, v)| (v.split('=').next().unwrap().to_string(), v.clone()))
        .collect()
}

/// `name=value` of the cookie `name` set by an answer.
fn cookie(a: &Answer, name: &str) -> String {
    let (_, header) = set_cookies(a)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no Set-Cookie {name}: {:?}", a.headers));
    header.split(';').next().unwrap().to_string()
}

fn location(a: &Answer) -> &str {
    a.header("Location")
        .unwrap_or_else(|| panic!("no Location ({}): {}", a.status, a.text()))
}

/// Where the browser is after each arrow of one sign-in.
struct SignIn {
    client_id: String,
    /// The answer to `POST /authorize` (consent): 302 to GitHub.
    to_github: Answer,
    /// `mcp_signin=…` as set with it.
    signin_cookie: String,
    /// GitHub's answer: 302 to our callback.
    from_github: Answer,
}

/// Arrows 1–4: the consent screen, Allow, GitHub (as `login`), back to our
/// callback URL (not yet followed).
fn to_callback(srv: &Srv, gh: &github::GitHub, login: &str) -> SignIn {
    let client_id = srv.register_public("Test client");
    let upstream_before = gh.requests().len();
    // ── C → S  GET /authorize: our consent screen, before anything upstream ──
    let page = srv.get(&srv.authorize_target(&client_id));
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("<strong>Test client</strong> <span class=\"badge\">self-registered: its name is not verified</span>"),
        "{html}"
    );
    assert!(
        html.contains("Next you sign in with <strong>GitHub</strong>; then your browser returns to <strong>localhost:33418</strong>"),
        "{html}"
    );
    assert!(html.contains(">Continue with GitHub</button>"), "{html}");
    // The form's answer redirects to GitHub: the page's form-action allows it.
    let csp = page.header("Content-Security-Policy").unwrap();
    assert!(
        csp.contains(&format!(
            "form-action 'self' http://localhost:33418 {}",
            gh.url
        )),
        "{csp}"
    );
    assert!(
        !html.contains("type=\"password\""),
        "no password: the IdP does the sign-in"
    );
    assert_eq!(page.header("X-Frame-Options"), Some("DENY"));
    assert_eq!(
        gh.requests().len(),
        upstream_before,
        "nothing went upstream before consent"
    );
    // ── C → S  POST /authorize (Allow) → S → C 302 to GitHub ──
    let mut fields = hidden_fields(&html);
    fields.push(("action".into(), "allow".into()));
    let consent = consent_cookie(&page);
    let to_github = srv.post_form(
        "/authorize",
        &encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        &[("Cookie", consent.as_str())],
    );
    assert_eq!(to_github.status, 302, "{}", to_github.text());
    let signin_cookie = cookie(&to_github, "mcp_signin");
    // ── C → I  GET /login/oauth/authorize (signed in at GitHub as `login`) ──
    let from_github = get(
        location(&to_github),
        &[("Cookie", &format!("user_session={login}"))],
    );
    assert_eq!(from_github.status, 302, "{}", from_github.text());
    SignIn {
        client_id,
        to_github,
        signin_cookie,
        from_github,
    }
}

/// The callback path+query GitHub sent the browser to.
fn callback_target(s: &SignIn, srv: &Srv) -> String {
    location(&s.from_github)
        .strip_prefix(&srv.public_url())
        .unwrap()
        .to_string()
}

/// The whole sign-in as `login`; returns `(client_id, token response)`.
fn sign_in(srv: &Srv, gh: &github::GitHub, login: &str) -> (String, Value) {
    let s = to_callback(srv, gh, login);
    // ── C → S  GET /auth/github/callback (+ sign-in cookie) → 302 /authorize + session ──
    let back = srv.send(
        "GET",
        &callback_target(&s, srv),
        &[("Cookie", &s.signin_cookie)],
        b"",
    );
    assert_eq!(back.status, 302, "{}", back.text());
    let session = cookie(&back, "mcp_session");
    // ── C → S  GET /authorize + session cookie → 302 redirect_uri?code ──
    let done = srv.send("GET", location(&back), &[("Cookie", &session)], b"");
    assert_eq!(done.status, 302, "{}", done.text());
    let params = redirect_params(&done);
    assert!(location(&done).starts_with(&format!("{REDIRECT}?")));
    assert_eq!(params.get("state"), Some("xyz"));
    // ── C → S  POST /token (PKCE verify) ──
    let r = srv.redeem(&s.client_id, params.get("code").unwrap());
    assert_eq!(r.status, 200, "{}", r.text());
    (s.client_id, json(&r))
}

fn call(srv: &Srv, token: &str, tool: &str, args: Value) -> Value {
    let r = srv.mcp(
        Some(token),
        &json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": tool, "arguments": args}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    json(&r)["result"].clone()
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap()
}

#[test]
fn the_whole_github_sign_in_then_tools_run_as_the_caller() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice, bob");
    let s = to_callback(&srv, &gh, "alice");

    // ── The redirect to GitHub: our client id, our callback, state, our own S256 PKCE ──
    let to = location(&s.to_github);
    assert!(
        to.starts_with(&format!("{}/login/oauth/authorize?", gh.url)),
        "{to}"
    );
    let up = Params::parse(to.split_once('?').unwrap().1).unwrap();
    assert_eq!(up.get("client_id"), Some(github::CLIENT_ID));
    let callback = format!("{}/auth/github/callback", srv.public_url());
    assert_eq!(up.get("redirect_uri"), Some(callback.as_str()));
    assert_eq!(up.get("code_challenge_method"), Some("S256"));
    assert_eq!(up.get("code_challenge").unwrap().len(), 43);
    assert_eq!(up.get("state").unwrap().len(), 43, "256 random bits");
    assert_eq!(up.get("scope"), None, "no scope: public data only");
    assert_eq!(s.to_github.header("Cache-Control"), Some("no-store"));
    // The sign-in cookie: HttpOnly, SameSite=Lax, 10 minutes; plain-http
    // localhost, so no Secure and no __Host- prefix (see src/ext/upstream/cookies.rs).
    let (_, signin) = set_cookies(&s.to_github).into_iter().next().unwrap();
    assert!(signin.starts_with("mcp_signin="), "{signin}");
    assert!(
        signin.ends_with("; Path=/; Max-Age=600; HttpOnly; SameSite=Lax"),
        "{signin}"
    );
    // GitHub sends the browser back with its code and our state.
    let back_params = redirect_params(&s.from_github);
    assert_eq!(back_params.get("state"), up.get("state"));

    // ── The callback: code exchange, identity, session cookie, back to /authorize ──
    let back = srv.send(
        "GET",
        &callback_target(&s, &srv),
        &[("Cookie", &s.signin_cookie)],
        b"",
    );
    assert_eq!(back.status, 302, "{}", back.text());
    let resume = location(&back);
    assert!(resume.starts_with("/authorize?"), "{resume}");
    let resume_params = Params::parse(resume.split_once('?').unwrap().1).unwrap();
    assert_eq!(resume_params.get("client_id"), Some(s.client_id.as_str()));
    assert_eq!(
        resume_params.get("code_challenge"),
        Some(browser::CHALLENGE)
    );
    assert_eq!(resume_params.get("state"), Some("xyz"));
    let cookies = set_cookies(&back);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(
        cookies[0].1.starts_with("mcp_session=mcp_session."),
        "signed: {cookies:?}"
    );
    assert!(
        cookies[0]
            .1
            .ends_with("; Path=/; Max-Age=300; HttpOnly; SameSite=Lax")
    );
    assert_eq!(
        cookies[1].1, "mcp_signin=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
        "cleared"
    );

    // What the server sent GitHub's token endpoint: our secret, the code, the
    // callback, and the verifier of the challenge it sent at authorize.
    let exchange = gh
        .requests()
        .into_iter()
        .find(|r| r.path == "/login/oauth/access_token")
        .unwrap();
    assert_eq!(exchange.header("Accept"), Some("application/json"));
    assert_eq!(
        exchange.form.get("client_secret"),
        Some(github::CLIENT_SECRET)
    );
    assert_eq!(exchange.form.get("code"), back_params.get("code"));
    assert_eq!(exchange.form.get("redirect_uri"), Some(callback.as_str()));
    let verifier = exchange.form.get("code_verifier").unwrap();
    assert_eq!(
        Some(pkce::s256(verifier).as_str()),
        up.get("code_challenge")
    );
    // Then GET /user with GitHub's required headers.
    let user_call = gh
        .requests()
        .into_iter()
        .find(|r| r.path == "/user")
        .unwrap();
    assert!(
        user_call
            .header("User-Agent")
            .unwrap()
            .starts_with("remote-mcp-github-example/")
    );
    assert_eq!(
        user_call.header("Accept"),
        Some("application/vnd.github+json")
    );
    assert_eq!(user_call.header("X-GitHub-Api-Version"), Some("2022-11-28"));
    let github_token = user_call
        .header("Authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string();
    assert!(github_token.starts_with("gho_"));

    // ── /authorize with the session cookie: our code, at once ──
    let session = cookie(&back, "mcp_session");
    let done = srv.send("GET", resume, &[("Cookie", &session)], b"");
    assert_eq!(done.status, 302, "{}", done.text());
    let code = redirect_params(&done).get("code").unwrap().to_string();
    let r = srv.redeem(&s.client_id, &code);
    assert_eq!(r.status, 200, "{}", r.text());
    // ── No token passthrough: the client gets our token, never GitHub's ──
    assert!(
        !r.text().contains(&github_token) && !r.text().contains("gho_"),
        "{}",
        r.text()
    );
    let tokens = json(&r);
    let access = tokens["access_token"].as_str().unwrap();
    assert!(access.starts_with("mcp_at."));

    // ── Tool calls run as alice, with alice's GitHub token ──
    let who = call(&srv, access, "whoami", json!({}));
    assert_eq!(who["isError"], false, "{who}");
    assert_eq!(
        text(&who),
        "You are @alice on GitHub (Alice Liddell), user id 1001. Public repositories: 150. \
         Followers: 7. https://github.com/alice"
    );
    let last_user_call = gh
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/user")
        .unwrap();
    assert_eq!(
        last_user_call.header("Authorization"),
        Some(format!("Bearer {github_token}").as_str())
    );
    // GitHub never sees our token.
    assert!(
        gh.requests()
            .iter()
            .all(|r| r.headers.iter().all(|(_, v)| !v.contains("mcp_at.")))
    );
}

#[test]
fn list_my_repos_follows_link_pagination_up_to_the_limit() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let (_, tokens) = sign_in(&srv, &gh, "alice");
    let access = tokens["access_token"].as_str().unwrap();

    // alice has 150 repositories: 120 takes two pages of 100 and says there are more.
    let result = call(&srv, access, "list_my_repos", json!({"limit": 120}));
    assert_eq!(result["isError"], false, "{result}");
    let repos = result["structuredContent"]["repositories"]
        .as_array()
        .unwrap();
    assert_eq!(repos.len(), 120);
    assert_eq!(repos[0]["full_name"], "alice/repo-001");
    assert_eq!(repos[119]["full_name"], "alice/repo-120");
    assert_eq!(result["structuredContent"]["more"], true);
    let pages: Vec<(Option<String>, Option<String>, Option<String>)> = gh
        .requests()
        .into_iter()
        .filter(|r| r.path == "/user/repos")
        .map(|r| {
            let q = |n: &str| r.query.get(n).map(str::to_string);
            (q("per_page"), q("page"), q("sort"))
        })
        .collect();
    assert_eq!(
        pages,
        [
            (Some("100".into()), None, Some("updated".into())),
            (Some("100".into()), Some("2".into()), Some("updated".into()))
        ],
        "the second request is the Link URL, verbatim"
    );
    assert!(text(&result).starts_with("Your 120 most recently updated repositories:\n\n• alice/repo-001 ★1 [Rust] — Repository number 1\n"));
    assert!(
        text(&result).contains("\n• alice/repo-010 (private) ★10 [Rust] — Repository number 10\n")
    );
    assert!(text(&result).ends_with("\n\n(More exist; showing the first 120.)"));

    // All of them: 150 over two pages, nothing more.
    let result = call(&srv, access, "list_my_repos", json!({"limit": 500}));
    assert_eq!(
        result["structuredContent"]["repositories"]
            .as_array()
            .unwrap()
            .len(),
        150
    );
    assert_eq!(result["structuredContent"]["more"], false);

    let result = call(&srv, access, "get_starred", json!({}));
    assert_eq!(
        text(&result),
        "Your 3 latest starred repositories:\n\n• octo-org/starred-1 ★1001\n• octo-org/starred-2 ★1002\n• octo-org/starred-3 ★1003"
    );
    let result = call(&srv, access, "list_my_repos", json!({"limit": 0}));
    assert_eq!(result["isError"], true);
    assert_eq!(text(&result), "`limit` must be between 1 and 500; got 0.");
}

#[test]
fn a_second_user_gets_their_own_data_and_the_first_keeps_theirs() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice,bob");
    let (_, alice) = sign_in(&srv, &gh, "alice");
    let (_, bob) = sign_in(&srv, &gh, "bob");
    let alice = alice["access_token"].as_str().unwrap();
    let bob = bob["access_token"].as_str().unwrap();
    assert!(
        text(&call(&srv, bob, "whoami", json!({})))
            .starts_with("You are @bob on GitHub (Bob Builder), user id 1002.")
    );
    assert_eq!(
        text(&call(&srv, bob, "list_my_repos", json!({}))),
        "Your 2 most recently updated repositories:\n\n• bob/repo-001 ★1 [Rust] — Repository number 1\n• bob/repo-002 ★2 [Rust] — Repository number 2"
    );
    assert_eq!(
        text(&call(&srv, bob, "get_starred", json!({}))),
        "You have not starred any repository."
    );
    assert!(text(&call(&srv, alice, "whoami", json!({}))).starts_with("You are @alice on GitHub"));
    // Each user's calls carried that user's own GitHub token.
    let bearer_of = |login: &str| format!("Bearer {}", gh.live_tokens(login)[0]);
    let user_calls: Vec<String> = gh
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/user"))
        .map(|r| r.header("Authorization").unwrap().to_string())
        .collect();
    assert!(user_calls.contains(&bearer_of("alice")) && user_calls.contains(&bearer_of("bob")));
    assert_ne!(bearer_of("alice"), bearer_of("bob"));
}

#[test]
fn a_user_not_on_the_allowlist_gets_a_page_and_no_session() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let s = to_callback(&srv, &gh, "mallory");
    let r = srv.send(
        "GET",
        &callback_target(&s, &srv),
        &[("Cookie", &s.signin_cookie)],
        b"",
    );
    assert_eq!(r.status, 403);
    let html = r.text();
    assert!(
        html.contains(
            "GitHub user mallory is not allowed to use this server. Ask its operator to add you."
        ),
        "{html}"
    );
    // The way back tells the client: access_denied, with its state.
    assert!(
        html.contains(&format!(
            "<a class=\"button\" href=\"{REDIRECT}?error=access_denied&amp;"
        )),
        "{html}"
    );
    assert!(html.contains("state=xyz"), "{html}");
    let cookies = set_cookies(&r);
    assert!(
        cookies.iter().all(|(n, _)| n != "mcp_session"),
        "no session: {cookies:?}"
    );
    assert_eq!(
        cookies[0].1,
        "mcp_signin=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
    );
    // GitHub's token was not kept: mallory has nothing to call tools with, and
    // without a session /authorize shows the consent screen again.
    let again = srv.get(&srv.authorize_target(&s.client_id));
    assert_eq!(again.status, 200);
}

#[test]
fn an_empty_allowlist_admits_nobody_and_says_so() {
    let gh = github::GitHub::start();
    let srv = start(&gh, " , ");
    let client_id = srv.register_public("Test client");
    let r = srv.get(&srv.authorize_target(&client_id));
    assert_eq!(r.status, 403);
    assert!(r.text().contains(
        "This server admits no one: its operator has not listed any allowed GitHub users."
    ));
    assert!(gh.requests().is_empty());
}

#[test]
fn a_callback_without_the_sign_in_cookie_is_refused() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let s = to_callback(&srv, &gh, "alice");
    // Another browser (the attacker's link opened by a victim) has no sign-in cookie.
    let r = srv.send("GET", &callback_target(&s, &srv), &[], b"");
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains(
            "This GitHub sign-in did not start in this browser (it has no sign-in cookie)."
        ),
        "{}",
        r.text()
    );
    assert!(set_cookies(&r).is_empty());
    assert!(
        gh.requests()
            .iter()
            .all(|r| r.path != "/login/oauth/access_token"),
        "the code was not redeemed"
    );
    // The state was not spent by the refused attempt: the right browser still finishes.
    let ok = srv.send(
        "GET",
        &callback_target(&s, &srv),
        &[("Cookie", &s.signin_cookie)],
        b"",
    );
    assert_eq!(ok.status, 302, "{}", ok.text());
}

#[test]
fn a_forged_state_is_refused() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let s = to_callback(&srv, &gh, "alice");
    let code = redirect_params(&s.from_github)
        .get("code")
        .unwrap()
        .to_string();
    // A state we never issued, with this browser's real sign-in cookie.
    let forged = format!(
        "/auth/github/callback?{}",
        encode_pairs([
            ("code", code.as_str()),
            ("state", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        ])
    );
    let r = srv.send("GET", &forged, &[("Cookie", &s.signin_cookie)], b"");
    assert_eq!(r.status, 400);
    assert!(
        r.text()
            .contains("This GitHub callback does not belong to the sign-in this browser started."),
        "{}",
        r.text()
    );
    // A forged cookie for the real state does not help either.
    let r = srv.send(
        "GET",
        &callback_target(&s, &srv),
        &[("Cookie", "mcp_signin=Zm9yZ2Vk")],
        b"",
    );
    assert_eq!(r.status, 400);
    assert!(
        gh.requests()
            .iter()
            .all(|r| r.path != "/login/oauth/access_token")
    );
}

#[test]
fn a_replayed_callback_is_refused() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let s = to_callback(&srv, &gh, "alice");
    let target = callback_target(&s, &srv);
    let first = srv.send("GET", &target, &[("Cookie", &s.signin_cookie)], b"");
    assert_eq!(first.status, 302);
    // Same URL, same cookie (kept by an attacker despite Max-Age=0): the state is spent.
    let again = srv.send("GET", &target, &[("Cookie", &s.signin_cookie)], b"");
    assert_eq!(again.status, 400);
    assert!(
        again
            .text()
            .contains("This sign-in link has expired or was already used."),
        "{}",
        again.text()
    );
    assert_eq!(
        gh.requests()
            .iter()
            .filter(|r| r.path == "/login/oauth/access_token")
            .count(),
        1
    );
}

#[test]
fn the_session_cookie_completes_only_its_own_request_and_only_once() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let s = to_callback(&srv, &gh, "alice");
    let back = srv.send(
        "GET",
        &callback_target(&s, &srv),
        &[("Cookie", &s.signin_cookie)],
        b"",
    );
    let session = cookie(&back, "mcp_session");
    // Another authorization request (another client) with alice's session: the
    // consent screen, not a code — consent is never carried over to another client.
    let other_client = srv.register_public("Other client");
    let other = srv.send(
        "GET",
        &srv.authorize_target(&other_client),
        &[("Cookie", &session)],
        b"",
    );
    assert_eq!(other.status, 200);
    assert!(other.text().contains("<strong>Other client</strong>"));
    // Its own request: a code. Then once more: the consent screen again.
    let done = srv.send("GET", location(&back), &[("Cookie", &session)], b"");
    assert_eq!(done.status, 302);
    assert!(redirect_params(&done).get("code").is_some());
    let twice = srv.send("GET", location(&back), &[("Cookie", &session)], b"");
    assert_eq!(twice.status, 200, "single use");
    // A tampered session cookie is ignored.
    let tampered = format!("{}x", session);
    let r = srv.send("GET", location(&back), &[("Cookie", &tampered)], b"");
    assert_eq!(r.status, 200);
}

#[test]
fn declining_at_github_sends_access_denied_to_the_client() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let client_id = srv.register_public("Test client");
    let page = srv.get(&srv.authorize_target(&client_id));
    let mut fields = hidden_fields(&page.text());
    fields.push(("action".into(), "allow".into()));
    let consent = consent_cookie(&page);
    let to_github = srv.post_form(
        "/authorize",
        &encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        &[("Cookie", consent.as_str())],
    );
    let signin = cookie(&to_github, "mcp_signin");
    let from_github = get(
        location(&to_github),
        &[("Cookie", "user_session=alice; decision=deny")],
    );
    let target = location(&from_github)
        .strip_prefix(&srv.public_url())
        .unwrap()
        .to_string();
    let r = srv.send("GET", &target, &[("Cookie", &signin)], b"");
    assert_eq!(r.status, 302);
    assert!(location(&r).starts_with(&format!("{REDIRECT}?error=access_denied&")));
    let p = redirect_params(&r);
    assert_eq!(p.get("state"), Some("xyz"));
    assert_eq!(
        p.get("error_description"),
        Some("the GitHub sign-in was not completed (access_denied)")
    );
}

#[test]
fn denying_on_our_consent_screen_never_reaches_github() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let client_id = srv.register_public("Test client");
    let page = srv.get(&srv.authorize_target(&client_id));
    let mut fields = hidden_fields(&page.text());
    fields.push(("action".into(), "deny".into()));
    let consent = consent_cookie(&page);
    let r = srv.post_form(
        "/authorize",
        &encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        &[("Cookie", consent.as_str())],
    );
    assert_eq!(r.status, 302);
    assert_eq!(redirect_params(&r).get("error"), Some("access_denied"));
    assert!(set_cookies(&r).is_empty());
    assert!(gh.requests().is_empty());
}

#[test]
fn a_consent_post_without_its_csrf_token_never_reaches_github() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let client_id = srv.register_public("Test client");
    let page = srv.get(&srv.authorize_target(&client_id));
    let consent = consent_cookie(&page);
    let mut fields: Vec<_> = hidden_fields(&page.text())
        .into_iter()
        .filter(|(n, _)| n != "csrf")
        .collect();
    fields.push(("action".into(), "allow".into()));
    let r = srv.post_form(
        "/authorize",
        &encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        &[("Cookie", consent.as_str())],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.header("Location").is_none());
    assert!(set_cookies(&r).iter().all(|(n, _)| n != "mcp_signin"));
    assert!(gh.requests().is_empty());
}

#[test]
fn github_refusing_the_code_is_a_page_not_a_panic() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let s = to_callback(&srv, &gh, "alice");
    // GitHub's token endpoint answers 200 with an `error` field.
    gh.fail_token_exchange("bad_verification_code");
    let r = srv.send(
        "GET",
        &callback_target(&s, &srv),
        &[("Cookie", &s.signin_cookie)],
        b"",
    );
    assert_eq!(r.status, 502);
    assert!(
        r.text().contains("GitHub did not accept the sign-in (bad_verification_code: The code passed is incorrect or expired.)."),
        "{}",
        r.text()
    );
    assert!(r.text().contains("error=server_error"));
    assert!(set_cookies(&r).iter().all(|(n, _)| n != "mcp_session"));
}

#[test]
fn a_revoked_github_token_is_a_clear_tool_error_then_forgotten() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let (_, tokens) = sign_in(&srv, &gh, "alice");
    let access = tokens["access_token"].as_str().unwrap();
    gh.revoke("alice");
    let r = call(&srv, access, "whoami", json!({}));
    assert_eq!(r["isError"], true);
    assert_eq!(
        text(&r),
        "GitHub no longer accepts your sign-in (401 Bad credentials): the token was revoked or has \
         expired. Disconnect and reconnect the connector to sign in again."
    );
    let calls = gh.requests().len();
    let r = call(&srv, access, "list_my_repos", json!({}));
    assert_eq!(
        text(&r),
        "This server holds no GitHub sign-in for you (it was revoked, or the server restarted). \
         Disconnect and reconnect the connector to sign in with GitHub again."
    );
    assert_eq!(
        gh.requests().len(),
        calls,
        "forgotten: GitHub is not asked again"
    );
}

#[test]
fn a_spent_rate_limit_says_when_it_resets() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "alice");
    let (_, tokens) = sign_in(&srv, &gh, "alice");
    gh.rate_limit("alice");
    let r = call(
        &srv,
        tokens["access_token"].as_str().unwrap(),
        "get_starred",
        json!({}),
    );
    assert_eq!(r["isError"], true);
    let t = text(&r);
    assert!(t.starts_with("Your GitHub API rate limit is used up (it is shared by every app acting for you). It resets at "), "{t}");
    assert!(t.ends_with(" UTC, in about 10 minute(s)."), "{t}");
}

#[test]
fn an_expiring_github_token_is_refreshed_before_use() {
    let gh = github::GitHub::start();
    let srv = start(&gh, "carol");
    let (_, tokens) = sign_in(&srv, &gh, "carol");
    let first = gh.live_tokens("carol");
    assert_eq!(first.len(), 1);
    assert!(first[0].starts_with("ghu_"));
    // carol's token expires within the refresh margin: the tool call refreshes it first.
    let r = call(
        &srv,
        tokens["access_token"].as_str().unwrap(),
        "whoami",
        json!({}),
    );
    assert_eq!(r["isError"], false, "{r}");
    let refresh = gh
        .requests()
        .into_iter()
        .find(|r| r.form.get("grant_type") == Some("refresh_token"))
        .expect("a refresh request");
    assert!(
        refresh
            .form
            .get("refresh_token")
            .unwrap()
            .starts_with("ghr_")
    );
    assert_eq!(
        refresh.form.get("client_secret"),
        Some(github::CLIENT_SECRET)
    );
    let last_user_call = gh
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/user")
        .unwrap();
    let used = last_user_call
        .header("Authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string();
    assert_ne!(used, first[0], "the fresh token was used");
}

#[test]
fn the_example_stops_at_start_up_naming_a_missing_variable() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let e = example::GitHubConfig::from_lookup(env(&[]), "https://mcp.example").unwrap_err();
    assert!(e.starts_with("GITHUB_CLIENT_ID is not set. Create a GitHub OAuth App (GitHub → Settings → Developer settings → OAuth Apps → New OAuth App) with the authorization callback URL https://mcp.example/auth/github/callback"), "{e}");
    let e = example::GitHubConfig::from_lookup(
        env(&[("GITHUB_CLIENT_ID", "x")]),
        "https://mcp.example",
    )
    .unwrap_err();
    assert!(e.starts_with("GITHUB_CLIENT_SECRET is not set."), "{e}");
    let e = example::GitHubConfig::from_lookup(
        env(&[("GITHUB_CLIENT_ID", "x"), ("GITHUB_CLIENT_SECRET", "y")]),
        "https://mcp.example",
    )
    .unwrap_err();
    assert!(
        e.starts_with("GITHUB_ALLOWED_USERS is not set: list the GitHub logins allowed to sign in"),
        "{e}"
    );
    let e = example::GitHubConfig::from_lookup(
        env(&[
            ("GITHUB_CLIENT_ID", "x"),
            ("GITHUB_CLIENT_SECRET", "y"),
            ("GITHUB_ALLOWED_USERS", ""),
            ("GITHUB_API_URL", "api.github.com"),
        ]),
        "https://mcp.example",
    )
    .unwrap_err();
    assert_eq!(
        e,
        "GITHUB_API_URL: \"api.github.com\" is not an http(s) URL; expected e.g. https://api.github.com"
    );
    let ok = example::GitHubConfig::from_lookup(
        env(&[
            ("GITHUB_CLIENT_ID", "x"),
            ("GITHUB_CLIENT_SECRET", "y"),
            ("GITHUB_ALLOWED_USERS", ""),
        ]),
        "https://mcp.example",
    )
    .unwrap();
    assert!(
        ok.allowed.is_empty(),
        "set but empty: starts, admits nobody"
    );
    assert_eq!(
        (ok.oauth_url.as_str(), ok.api_url.as_str()),
        ("https://github.com", "https://api.github.com")
    );
    assert!(
        !format!("{ok:?}").contains("\"y\""),
        "the secret is redacted"
    );
}
