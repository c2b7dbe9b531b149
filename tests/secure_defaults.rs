//! Secure by default (issue 13): what a security review of the server found,
//! each finding with the test that proves it closed. Servers run on
//! 127.0.0.1 over real sockets; docs/SECURITY.md names every test here.

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use browser::{PASSWORD, Srv, test_mcp};
use mcp_server::{App, Config, SingleUserProvider, StaticPasswordProvider};

/// The configuration `App::run()` would read, from these variables only.
fn config_from(vars: &[(&str, &str)]) -> Config {
    let mut config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    config.port = 0;
    config
}

// ---- 1. Open only on purpose -------------------------------------------------

/// The README's service is `App::new(mcp).run()`, with no provider in code:
/// `ADMIN_PASSWORD` alone must put the password form in front of `/authorize`.
#[test]
fn admin_password_alone_protects_the_30_line_service() {
    let config = config_from(&[
        ("ADMIN_PASSWORD", PASSWORD),
        ("PUBLIC_URL", "http://localhost:0"),
    ]);
    let srv = Srv::start(App::new(test_mcp("readme")).config(config));
    let client = srv.register_public("stranger");
    let target = srv.authorize_target(&client);
    let page = srv.get(&target);
    assert_eq!(page.status, 200, "a form, not a code: {}", page.text());
    assert!(page.header("Location").is_none());
    assert!(page.text().contains("type=\"password\""), "{}", page.text());
    assert_eq!(srv.login(&target, "a wrong guess").status, 200);
    assert_eq!(srv.login(&target, PASSWORD).status, 302);
}

/// Nobody signs in with `SingleUserProvider`: on a public URL that is a
/// server for anyone, which starts only when the operator says so.
#[test]
fn an_open_server_on_a_public_url_starts_only_when_allowed() {
    let public = || config_from(&[("PUBLIC_URL", "https://mcp.example")]);
    let refused = App::new(test_mcp("open")).config(public()).start();
    let message = refused.err().expect("refused").to_string();
    for says in [
        "ADMIN_PASSWORD",
        "MCP_ALLOW_ANYONE=1",
        "App::allow_anyone()",
    ] {
        assert!(message.contains(says), "{message}");
    }
    let explicit = App::new(test_mcp("open"))
        .config(public())
        .provider(SingleUserProvider::new())
        .start();
    assert!(
        explicit.is_err(),
        "an explicit SingleUserProvider is just as open"
    );

    // Said in code, or in the environment: it starts.
    App::new(test_mcp("open"))
        .config(public())
        .allow_anyone()
        .start()
        .unwrap()
        .shutdown()
        .unwrap();
    let allowed = config_from(&[
        ("PUBLIC_URL", "https://mcp.example"),
        ("MCP_ALLOW_ANYONE", "1"),
    ]);
    App::new(test_mcp("open"))
        .config(allowed)
        .start()
        .unwrap()
        .shutdown()
        .unwrap();
    // A password, or a loopback URL, needs no permission.
    App::new(test_mcp("closed"))
        .config(public())
        .provider(StaticPasswordProvider::new(PASSWORD))
        .start()
        .unwrap()
        .shutdown()
        .unwrap();
    App::new(test_mcp("local"))
        .config(config_from(&[]))
        .start()
        .unwrap()
        .shutdown()
        .unwrap();
}
