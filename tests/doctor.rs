//! `mcp-doctor` as a person runs it: the binary, against real servers on
//! 127.0.0.1 — our examples as processes (quickstart with a password,
//! quickstart single-user, everything), our server misconfigured (a wrong
//! `PUBLIC_URL`; an `http://` one behind an HTTPS front end, simulated with
//! `--via`), and a stand-in server written here with each common mistake,
//! which the doctor must name. Plus what must never happen: a panic on a
//! network failure, a secret printed in full, a wrong exit code.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/standin.rs"]
mod standin;

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use standin::Mistake;

const PASSWORD: &str = "doctor-test-password-0123456789";

/// Runs `mcp-doctor ARGS`; its exit code and stdout.
fn doctor(args: &[&str]) -> (i32, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_mcp-doctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("MCP_DOCTOR_PASSWORD")
        .output()
        .unwrap();
    let out = String::from_utf8(stdout).unwrap();
    assert!(
        !String::from_utf8_lossy(&stderr).contains("panicked"),
        "the doctor panicked: {}",
        String::from_utf8_lossy(&stderr)
    );
    (status.code().unwrap_or(-1), out)
}

/// Runs the doctor with `--json`: exit code and report.
fn report(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let (code, out) = doctor(&all);
    let value: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    assert_eq!(
        value["ok"],
        code == 0,
        "exit code and report disagree: {code} {value:#}"
    );
    (code, value)
}

/// The checks with `status`, as "title: evidence | fix | remote_mcp".
fn with_status(report: &Value, status: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| {
            format!(
                "{}: {} | {} | {}",
                c["title"].as_str().unwrap_or(""),
                c["evidence"].as_str().unwrap_or(""),
                c["fix"].as_str().unwrap_or(""),
                c["remote_mcp"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// The one FAIL whose title starts with `title`; panics listing all if none.
fn failure(report: &Value, title: &str) -> String {
    let fails = with_status(report, "fail");
    fails
        .iter()
        .find(|f| f.starts_with(title))
        .cloned()
        .unwrap_or_else(|| panic!("no FAIL {title:?}; the FAILs: {fails:#?}"))
}

/// An example as a real process on 127.0.0.1, killed on drop.
struct Example {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Example {
    fn start(name: &str, env: &[(&str, &str)]) -> Example {
        let exe = std::env::current_exe().unwrap();
        let bin = exe
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("examples")
            .join(name);
        assert!(
            bin.exists(),
            "{} is missing: `cargo test` builds the examples",
            bin.display()
        );
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::SeqCst);
        let log =
            std::env::temp_dir().join(format!("mcp-doctor-{name}-{}-{n}.log", std::process::id()));
        let mut cmd = Command::new(bin);
        for var in [
            "ADMIN_PASSWORD",
            "PUBLIC_URL",
            "REDIS_URL",
            "MCP_SIGNING_KEY",
            "K_SERVICE",
            "MCP_ALLOW_ANYONE",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("PORT", "0")
            .env("HOST", "127.0.0.1")
            .envs(env.iter().copied());
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut example = Example {
            child,
            port: 0,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&example.log).unwrap_or_default();
            if let Some(rest) = text.split("listening on http://").nth(1) {
                let addr = rest
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .next()
                    .unwrap();
                example.port = addr.rsplit(':').next().unwrap().parse().unwrap();
                return example;
            }
            assert!(
                example.child.try_wait().unwrap().is_none(),
                "{name} exited:\n{text}"
            );
            assert!(Instant::now() < deadline, "{name} did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `http://localhost:PORT/mcp`: the URL of a server without PUBLIC_URL.
    fn url(&self) -> String {
        format!("http://localhost:{}/mcp", self.port)
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

#[test]
fn quickstart_with_a_password_passes_end_to_end() {
    let server = Example::start("quickstart", &[("ADMIN_PASSWORD", PASSWORD)]);
    let (code, r) = report(&[
        &server.url(),
        "--password",
        PASSWORD,
        "--call",
        "my_tool={\"query\":\"ping\"}",
    ]);
    assert_eq!(code, 0, "{:#?}", with_status(&r, "fail"));
    // The whole flow ran: the form was posted, a token came back, MCP worked.
    let passed = with_status(&r, "pass").join("\n");
    for step in [
        "the sign-in form",
        "the code becomes a token",
        "initialize",
        "tools/list",
        "tool definitions",
        "tools/call my_tool",
        "GET on the endpoint",
        "refresh and rotation",
        "the refreshed token works",
        "revocation",
    ] {
        assert!(passed.contains(step), "no PASS for {step}:\n{passed}");
    }
    // Only loopback-related SKIPs (and none of the flow).
    for skip in with_status(&r, "skip") {
        assert!(skip.contains("loopback"), "unexpected SKIP: {skip}");
    }
    // The password may come from the environment instead of the command line.
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-doctor"))
        .args([server.url().as_str(), "--json"])
        .env("MCP_DOCTOR_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["ok"], true, "{r:#}");
    assert!(
        with_status(&r, "pass")
            .iter()
            .any(|p| p.starts_with("the sign-in form")),
        "{r:#}"
    );
    // The password never appears; the report is readable without --json too.
    let (code, text) = doctor(&[&server.url(), "--password", PASSWORD]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(
        !text.contains("\x1b["),
        "no colour when stdout is not a terminal"
    );
    assert!(text.contains("nothing claude.ai would refuse"), "{text}");
}

#[test]
fn quickstart_with_a_wrong_password_fails_on_the_form() {
    let server = Example::start("quickstart", &[("ADMIN_PASSWORD", PASSWORD)]);
    let (code, r) = report(&[&server.url(), "--password", "not-the-password-at-all"]);
    assert_eq!(code, 1);
    let f = failure(&r, "the sign-in form");
    assert!(f.contains("ADMIN_PASSWORD"), "{f}");
    // Without --password the form is a SKIP, not a failure.
    let (code, r) = report(&[&server.url()]);
    assert_eq!(code, 0, "{:#?}", with_status(&r, "fail"));
    assert!(
        with_status(&r, "skip")
            .iter()
            .any(|s| s.contains("--password")),
        "{r:#}"
    );
}

#[test]
fn single_user_quickstart_and_everything_have_no_failure() {
    let single = Example::start("quickstart", &[]);
    let (code, r) = report(&[&single.url()]);
    assert_eq!(code, 0, "{:#?}", with_status(&r, "fail"));
    assert!(
        with_status(&r, "pass")
            .iter()
            .any(|p| p.contains("a code straight away")),
        "{r:#}"
    );
    assert!(
        with_status(&r, "pass")
            .iter()
            .any(|p| p.starts_with("refresh and rotation")),
        "{r:#}"
    );

    let everything = Example::start("everything", &[]);
    let (code, r) = report(&[&everything.url()]);
    assert_eq!(code, 0, "{:#?}", with_status(&r, "fail"));
    // An open server: said so, and the OAuth steps are skipped, not failed.
    assert!(
        with_status(&r, "warn")
            .iter()
            .any(|w| w.contains("answers without a token")),
        "{r:#}"
    );
    assert!(
        with_status(&r, "pass")
            .iter()
            .any(|p| p.starts_with("tool definitions") || p.starts_with("tools/list")),
        "{r:#}"
    );
}

#[test]
fn a_wrong_public_url_is_named() {
    // The server believes it is at port 1; users reach it at its real port.
    let server = Example::start(
        "quickstart",
        &[
            ("ADMIN_PASSWORD", PASSWORD),
            ("PUBLIC_URL", "http://localhost:1"),
        ],
    );
    let (code, r) = report(&[&server.url(), "--password", PASSWORD]);
    assert_eq!(code, 1);
    let f = failure(&r, "resource equals the URL");
    assert!(f.contains("http://localhost:1/mcp"), "{f}");
    assert!(
        f.contains(&format!("PUBLIC_URL=http://localhost:{}", server.port)),
        "{f}"
    );
}

#[test]
fn an_http_public_url_behind_an_https_front_end_is_named() {
    // Cloud Run's front end: clients use https://localhost/mcp, the container
    // sees plain HTTP. --via sends the doctor's requests to the container.
    let server = Example::start(
        "quickstart",
        &[
            ("ADMIN_PASSWORD", PASSWORD),
            ("PUBLIC_URL", "http://localhost"),
        ],
    );
    let (code, r) = report(&[
        "https://localhost/mcp",
        "--via",
        &server.origin(),
        "--password",
        PASSWORD,
    ]);
    assert_eq!(code, 1);
    let f = failure(&r, "resource equals the URL");
    assert!(
        f.contains("HTTPS front end") && f.contains("PUBLIC_URL=https://localhost"),
        "{f}"
    );
    // The README's excerpt is what a person sees.
    let (_, text) = doctor(&[
        "https://localhost/mcp",
        "--via",
        &server.origin(),
        "--password",
        PASSWORD,
    ]);
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("## Check a server with mcp-doctor").unwrap()..];
    let excerpt = section
        .split("```text\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    assert!(excerpt.lines().count() >= 3, "{excerpt}");
    for line in excerpt.lines() {
        assert!(
            text.contains(line),
            "the README shows {line:?}, the doctor printed:\n{text}"
        );
    }
    let f = failure(&r, "authorization_servers");
    assert!(
        f.contains("http://localhost is http://") && f.contains("PUBLIC_URL=https://localhost"),
        "{f}"
    );

    // Configured right, the same front end passes, sign-in form included
    // (its cookie is Secure then, and the form's Origin is https://localhost).
    let server = Example::start(
        "quickstart",
        &[
            ("ADMIN_PASSWORD", PASSWORD),
            ("PUBLIC_URL", "https://localhost"),
        ],
    );
    let (code, r) = report(&[
        "https://localhost/mcp",
        "--via",
        &server.origin(),
        "--password",
        PASSWORD,
    ]);
    assert_eq!(code, 0, "{:#?}", with_status(&r, "fail"));
    assert!(
        with_status(&r, "pass")
            .iter()
            .any(|p| p.starts_with("refresh and rotation")),
        "{r:#}"
    );
}

/// The doctor against the stand-in with `mistake`: exit 1 and the FAIL named `title`.
fn names(mistake: Mistake, title: &str, expect: &[&str]) {
    let server = standin::start(mistake);
    let url = format!("http://127.0.0.1:{}/mcp", server.addr.port());
    let (code, r) = report(&[&url, "--timeout", "4"]);
    assert_eq!(code, 1, "{mistake:?}: {r:#}");
    let f = failure(&r, title);
    for e in expect {
        assert!(f.contains(e), "{mistake:?}: {e:?} not in {f}");
    }
    server.stop();
}

#[test]
fn the_stand_in_done_right_passes() {
    let server = standin::start(Mistake::None);
    let url = format!("http://127.0.0.1:{}/mcp", server.addr.port());
    let (code, r) = report(&[&url]);
    assert_eq!(code, 0, "{:#?}", with_status(&r, "fail"));
    assert!(
        with_status(&r, "pass")
            .iter()
            .any(|p| p.starts_with("refresh and rotation")),
        "{r:#}"
    );
    server.stop();
}

#[test]
fn a_consent_form_that_needs_its_cookie_and_origin_back_is_played_as_a_browser() {
    let server = standin::start(Mistake::CookieForm);
    let url = format!("http://127.0.0.1:{}/mcp", server.addr.port());
    let (code, r) = report(&[&url, "--password", standin::FORM_PASSWORD]);
    assert_eq!(code, 0, "{:#?}", with_status(&r, "fail"));
    let form = with_status(&r, "pass")
        .into_iter()
        .find(|p| p.starts_with("the sign-in form"))
        .unwrap();
    assert!(form.contains("cookies consent"), "{form}");
    // A wrong password: the form is refused, and the doctor says so.
    let (code, r) = report(&[&url, "--password", "wrong"]);
    assert_eq!(code, 1);
    assert!(
        failure(&r, "the sign-in form").contains("fields false"),
        "{r:#}"
    );
    server.stop();
}

#[test]
fn a_login_page_one_redirect_away_is_signed_in_and_followed_back() {
    let server = standin::start(Mistake::LoginRedirect);
    let url = format!("http://127.0.0.1:{}/mcp", server.addr.port());
    let (code, r) = report(&[&url, "--password", standin::FORM_PASSWORD]);
    assert_eq!(code, 0, "{:#?}", with_status(&r, "fail"));
    let passed = with_status(&r, "pass").join("\n");
    assert!(passed.contains("to a sign-in page at"), "{passed}");
    assert!(passed.contains("the sign-in form"), "{passed}");
    assert!(passed.contains("back at claude.ai with a code"), "{passed}");
    let (code, r) = report(&[&url, "--password", "wrong"]);
    assert_eq!(code, 1);
    assert!(
        failure(&r, "the sign-in form").contains("Wrong password"),
        "{r:#}"
    );
    server.stop();
}

#[test]
fn each_common_mistake_is_named_with_its_fix() {
    names(
        Mistake::WrongResource,
        "resource equals the URL",
        &["/api/mcp", "RFC 9728 §3.3"],
    );
    names(
        Mistake::IssuerMismatch,
        "issuer equals its URL",
        &["https://auth.example.com", "RFC 8414 §3.3"],
    );
    names(Mistake::NoS256, "PKCE S256", &["plain", "S256"]);
    names(
        Mistake::NoResourceMetadata,
        "resource_metadata in the challenge",
        &["realm", "RFC 9728 §5.1"],
    );
    names(
        Mistake::Token500,
        "/token refuses a bogus code",
        &["500", "HTML", "Authorization with the MCP server failed"],
    );
    names(
        Mistake::HtmlErrors,
        "metadata found",
        &["HTML page", "My App"],
    );
    names(
        Mistake::RedirectSlash,
        "no redirect on the endpoint",
        &["307", "/mcp/"],
    );
    names(
        Mistake::HangingGet,
        "GET on the endpoint within 2 s",
        &["405"],
    );
    names(Mistake::Strict406, "no 406 on claude.ai's Accept", &["*/*"]);
    names(
        Mistake::BlockClaudeUser,
        "Claude-User answered like others",
        &["403", "WAF"],
    );
    names(
        Mistake::SessionRequired,
        "tools/list without the session id",
        &["400", "stateless"],
    );
    names(Mistake::BadTools, "tool huge", &["16 KiB"]);
    names(Mistake::BadTools, "tool either", &["anyOf"]);
}

#[test]
fn a_token_the_server_echoes_is_never_printed_in_full() {
    let secret = "mcp_at.this-token-must-never-be-printed-0123456789";
    let server = standin::start(Mistake::EchoToken);
    let url = format!("http://127.0.0.1:{}/mcp", server.addr.port());
    let (code, text) = doctor(&[&url, "--token", secret]);
    assert_eq!(code, 1, "the stand-in refuses this token: {text}");
    assert!(!text.contains(secret), "{text}");
    assert!(
        text.contains("mcp_at…89"),
        "the shortened form shows which token: {text}"
    );
    server.stop();
}

#[test]
fn network_failures_are_failures_not_panics() {
    // Nothing listens: a port that was free a moment ago.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, r) = report(&[&format!("http://127.0.0.1:{port}/mcp")]);
    assert_eq!(code, 1);
    assert!(
        failure(&r, "the server answers").contains("connect"),
        "{r:#}"
    );

    // Something that is not HTTP, and something that never answers.
    for garbage in [true, false] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf);
                if garbage {
                    let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02");
                } else {
                    std::thread::sleep(Duration::from_secs(5));
                }
            }
        });
        let started = Instant::now();
        let (code, r) = report(&[
            &format!("http://127.0.0.1:{}/mcp", addr.port()),
            "--timeout",
            "1",
        ]);
        assert_eq!(code, 1, "{r:#}");
        failure(&r, "the server answers");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the deadline holds"
        );
    }
}

#[test]
fn a_certificate_no_public_ca_signed_is_a_tls_failure() {
    // A self-signed certificate, served by `openssl s_server` (tests/run.sh
    // installs openssl if it is missing).
    let dir = std::env::temp_dir().join(format!("mcp-doctor-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed for this test (tests/run.sh installs it)");
    assert!(made.success());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-www",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
        ])
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "openssl s_server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, r) = report(&[&format!("https://localhost:{port}/mcp")]);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 1);
    let f = failure(&r, "the server answers");
    assert!(f.contains("TLS failed") && f.contains("public CA"), "{f}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["not a url"],
        &["ftp://x/mcp"],
        &["http://localhost/mcp", "--bogus"],
        &["http://localhost/mcp", "--password"],
        &["http://localhost/mcp", "--password", "a", "--token", "b"],
    ] {
        let (code, _) = doctor(args);
        assert_eq!(code, 2, "{args:?}");
    }
    let (code, out) = doctor(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("usage: mcp-doctor URL"), "{out}");
}
