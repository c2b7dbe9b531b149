//! Test support: the quickstart example as a real process (the binary
//! `cargo test` builds in `target/…/examples/`), on a port it picks itself,
//! and the OAuth client steps against it over raw sockets.
//!
//! Include next to the raw client: `#[path = "support/raw.rs"] mod raw;` and
//! `#[path = "support/process.rs"] mod process;`.
#![allow(dead_code)]

use std::fs::File;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use remote_mcp::oauth::encoding::{Params, encode_pairs};
use serde_json::{Value, json};

use super::raw::{Answer, Conn};

/// RFC 7636 Appendix B verifier and its S256 challenge.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const REDIRECT: &str = "http://localhost:33418/callback";

/// The example binary `name`, as `cargo test` built it (with the same
/// features as this test).
pub fn example_binary(name: &str) -> PathBuf {
    // This test runs from target/<profile>/deps/; examples are in target/<profile>/examples/.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: `cargo test` (without --test) builds the examples; or run `cargo build --example {name}` first",
        path.display()
    );
    path
}

/// A running server process and where its log goes.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
    pub status: Option<ExitStatus>,
}

impl ServerProcess {
    /// Starts the quickstart example with `PORT=0`, `HOST=127.0.0.1` and
    /// `env`, and waits for its "listening on" line (which names the port).
    pub fn quickstart(env: &[(&str, &str)], log: PathBuf) -> ServerProcess {
        let mut cmd = Command::new(example_binary("quickstart"));
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
        cmd.env("PORT", "0").env("HOST", "127.0.0.1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut process = ServerProcess {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
            status: None,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = process.log_text();
            if let Some(rest) = text.split("listening on http://").nth(1) {
                let addr = rest
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .next()
                    .unwrap();
                process.addr = addr.parse().unwrap();
                return process;
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                panic!("the server exited ({status}) before listening:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the process has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        if self.status.is_some() {
            return false;
        }
        match self.child.try_wait().unwrap() {
            Some(status) => {
                self.status = Some(status);
                false
            }
            None => true,
        }
    }

    /// Sends SIGTERM, as Cloud Run does, with `kill -TERM PID`.
    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits up to `limit` for the process to exit; its status, or `None`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if !self.is_running() {
                return self.status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGTERM, and asserts a clean exit (status 0) within 10 s.
    pub fn stop(&mut self) {
        self.sigterm();
        let status = self.wait_exit(Duration::from_secs(10));
        assert!(
            status.is_some_and(|s| s.success()),
            "exit status {status:?}:\n{}",
            self.log_text()
        );
    }

    /// One request on its own connection (`Connection: close`).
    pub fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let mut conn = Conn::open(self.addr);
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n",
            self.addr.port()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        conn.send(bytes);
        conn.read_answer(method == "HEAD")
    }

    /// `POST path` with a form body.
    pub fn post_form(&self, path: &str, form: &str) -> Answer {
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
    }

    /// DCR of a public client; its `client_id`.
    pub fn register(&self) -> String {
        let body = json!({"client_name": "test", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"});
        let r = self.send(
            "POST",
            "/register",
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        json_of(&r)["client_id"].as_str().unwrap().to_string()
    }

    /// `GET /authorize` for `client_id`; the answer (a 302 for the
    /// quickstart's single-user provider).
    pub fn authorize(&self, client_id: &str, resource: &str) -> Answer {
        let target = format!(
            "/authorize?{}",
            encode_pairs([
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", REDIRECT),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("state", "xyz"),
                ("resource", resource),
                ("scope", "mcp"),
            ])
        );
        self.send("GET", &target, &[], b"")
    }

    /// The code from a successful authorization.
    pub fn code(&self, client_id: &str, resource: &str) -> String {
        let r = self.authorize(client_id, resource);
        assert_eq!(r.status, 302, "{}", r.text());
        query_of(r.header("location").unwrap())
            .get("code")
            .unwrap()
            .to_string()
    }

    /// `POST /token` for a code.
    pub fn redeem(&self, client_id: &str, code: &str) -> Answer {
        self.post_form(
            "/token",
            &encode_pairs([
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
                ("client_id", client_id),
            ]),
        )
    }

    /// `POST /token` for a refresh token.
    pub fn refresh(&self, client_id: &str, refresh_token: &str) -> Answer {
        self.post_form(
            "/token",
            &encode_pairs([
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", client_id),
            ]),
        )
    }

    /// `POST /mcp` `tools/call my_tool` with this token.
    pub fn call_tool(&self, token: &str) -> Answer {
        let auth = format!("Bearer {token}");
        self.send(
            "POST",
            "/mcp",
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json, text/event-stream"),
                ("Authorization", &auth),
            ],
            tool_call().to_string().as_bytes(),
        )
    }

    /// Whether `/mcp` ran the tool for this token.
    pub fn accepts(&self, token: &str) -> bool {
        let r = self.call_tool(token);
        match r.status {
            200 => {
                assert_eq!(
                    json_of(&r)["result"]["content"][0]["text"],
                    "Result for: ping",
                    "{}",
                    r.text()
                );
                true
            }
            401 => false,
            other => panic!("unexpected {other}: {}", r.text()),
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // The log stays behind only when a test failed, to be read.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// A log file path in the temp directory for server `name` of this test run.
pub fn log_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("mcp-test-{name}-{}.log", std::process::id()))
}

/// The JSON-RPC request every tool call here sends.
pub fn tool_call() -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
           "params": {"name": "my_tool", "arguments": {"query": "ping"}}})
}

/// The body as JSON.
pub fn json_of(answer: &Answer) -> Value {
    serde_json::from_slice(&answer.body).unwrap_or_else(|_| panic!("not JSON: {}", answer.text()))
}

/// The query parameters of a URL.
pub fn query_of(url: &str) -> Params {
    Params::parse(url.split_once('?').map(|(_, q)| q).unwrap_or("")).unwrap()
}
