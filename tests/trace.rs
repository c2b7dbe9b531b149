//! `MCP_TRACE=1`: the server narrates a real flow with the numbers of
//! docs/FLOW.md, in order, and never prints a whole secret.
//!
//! The trace goes to the server's stderr, so the test runs the flow in a
//! child process (this same test binary, filtered to
//! [`child_plays_the_flow`], with `MCP_TRACE=1` set) and reads the child's
//! real stderr. The child prints the secrets it saw on stdout so that the
//! parent can check none of them appears whole in the trace.

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use std::process::Command;

use browser::{PASSWORD, Srv, VERIFIER, json, password_app};
use remote_mcp::ext::cimd::Fetched;
use remote_mcp::oauth::encoding::encode_pairs;
use remote_mcp::{App, Config, SingleUserProvider};

/// Set in the child only.
const CHILD: &str = "MCP_TRACE_TEST_CHILD";

/// The arrows the child's flow passes through, in order, as FLOW.md numbers
/// them (`[9+12]` is one request that is both arrows).
const EXPECTED: &[&str] = &[
    "[1]", "[2]", // POST /mcp, no token → 401 challenge
    "[3]", "[4]", // protected resource metadata
    "[5]", "[6]", // authorization server metadata
    "[7]", "[8]", // POST /register → 201
    "[12]", "[13]", // GET /authorize → login/consent form
    "[14]", "[15]", // POST /authorize (password) → 302 code
    "[26]", "[27]", // POST /token (code + verifier) → tokens
    "[28]", "[29]", // POST /mcp with the token → tool result
    "[30]", "[31]", // refresh → rotated pair
    "[32]", "[33]", // revoke
    "[30]", "✗", // the revoked grant cannot refresh: off the flow
    "[9+12]", "[13]", // CIMD client_id: the same authorize request
    "[7]", "[8]", // the single-user server: register…
    "[12]", "[25]", // …and the code comes at once
];

#[test]
fn a_traced_flow_prints_the_flow_md_numbers_in_order() {
    if std::env::var_os(CHILD).is_some() {
        return; // we are the child: only child_plays_the_flow runs
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "child_plays_the_flow",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MCP_TRACE", "1")
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");

    // Every trace line starts with its request arrow; the answer arrow follows " → ".
    let mut arrows = Vec::new();
    for line in stderr
        .lines()
        .filter(|l| l.starts_with('[') && l.contains(" C→S "))
    {
        let request = &line[..line.find(' ').unwrap()];
        let answer = line.rsplit_once(" → ").unwrap().1;
        let answer = &answer[..answer.find(' ').unwrap()];
        if request != "[-]" {
            arrows.push(request.to_string());
            arrows.push(answer.to_string());
        }
    }
    assert_eq!(arrows, EXPECTED, "trace:\n{stderr}");

    // The whole of a secret never appears; its shortened form does.
    let secrets: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_once("SECRET ").map(|(_, s)| s))
        .collect();
    assert!(
        secrets.len() >= 7,
        "the child reports its secrets: {stdout}"
    );
    for secret in secrets.iter().chain([&PASSWORD, &VERIFIER]) {
        assert!(
            !stderr.contains(secret),
            "a whole secret is in the trace: {secret}"
        );
    }
    assert!(stderr.contains(&format!(
        "code={}",
        remote_mcp::ext::trace::shorten(secrets[0])
    )));
    assert!(stderr.contains("password=(given)") && stderr.contains("code_verifier=(43 chars)"));
}

/// The flow the parent reads back: run only as the child.
#[test]
fn child_plays_the_flow() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let srv = Srv::start(password_app());
    let r = srv.mcp(None, &browser::initialize());
    assert_eq!(r.status, 401);
    assert_eq!(
        srv.get("/.well-known/oauth-protected-resource/mcp").status,
        200
    );
    assert_eq!(
        srv.get("/.well-known/oauth-authorization-server").status,
        200
    );
    let client_id = srv.register_public("Traced client");
    let code = srv.code_for(&client_id);
    println!("SECRET {code}");
    let r = srv.redeem(&client_id, &code);
    assert_eq!(r.status, 200);
    let tokens = json(&r);
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    println!("SECRET {access}\nSECRET {refresh}");
    assert!(srv.accepts(access));
    let r = srv.refresh(&client_id, refresh);
    assert_eq!(r.status, 200);
    let rotated = json(&r);
    let refresh = rotated["refresh_token"].as_str().unwrap();
    println!(
        "SECRET {}\nSECRET {refresh}",
        rotated["access_token"].as_str().unwrap()
    );
    let r = srv.post_form(
        "/revoke",
        &encode_pairs([("token", refresh), ("client_id", client_id.as_str())]),
        &[],
    );
    assert_eq!(r.status, 200);
    assert_eq!(srv.refresh(&client_id, refresh).status, 400);
    // A health probe is not an arrow: narrated as [-], skipped above.
    assert_eq!(srv.get("/health").status, 200);

    // A Client ID Metadata Document client: `client_id` is a URL ([9]), and
    // the request is also the authorization request ([12]).
    let url = "https://app.example/oauth/client.json";
    let doc = serde_json::json!({"client_id": url, "client_name": "Doc client",
        "redirect_uris": [browser::REDIRECT], "token_endpoint_auth_method": "none"})
    .to_string();
    let app = password_app().client_metadata_fetcher(move |_| {
        Ok(Fetched {
            body: doc.as_bytes().to_vec(),
            max_age: None,
        })
    });
    let cimd = Srv::start(app);
    let page = cimd.get(&cimd.authorize_target(url));
    assert_eq!(page.status, 200, "{}", page.text());
    let csrf = browser::hidden_fields(&page.text())
        .into_iter()
        .find(|(n, _)| n == "csrf")
        .unwrap()
        .1;
    println!("SECRET {csrf}");

    // The single-user provider: no form, the code comes back at once ([25]).
    let single = Srv::start(
        App::new(browser::test_mcp("single"))
            .config(Config::local(0))
            .provider(SingleUserProvider::new()),
    );
    let client_id = single.register_public("Single");
    let r = single.get(&single.authorize_target(&client_id));
    assert_eq!(r.status, 302);
    let code = browser::redirect_params(&r)
        .get("code")
        .unwrap()
        .to_string();
    println!("SECRET {code}");
}
