//! The whole flow of docs/FLOW.md, played by a client you can read.
//!
//! ```text
//! cargo run --example walkthrough                 # one line per arrow
//! cargo run --example walkthrough -- --wire       # every request and answer in full
//! MCP_TRACE=1 cargo run --example walkthrough     # and the server narrates on stderr
//! ```
//!
//! It starts the quickstart's kind of server in this process (password
//! provider, `127.0.0.1`, a free port, no configuration, no network beyond
//! loopback), then plays claude.ai: discovery → registration → authorize
//! (the browser's part: the login form, the password) → token → tool calls →
//! refresh → revocation. Each arrow is printed with its FLOW.md number, the
//! request line, the status and the JSON fields that matter. Secrets are
//! shortened before they are printed (`eyJ…Qx`), with the same function the
//! server's trace uses.
//!
//! The HTTP client is twenty lines of `std::net` below ([`send`]): one
//! request per connection, `Connection: close`, no redirects followed —
//! which is exactly how an OAuth client must treat every 302 here.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use remote_mcp::arrow::Arrow;
use remote_mcp::crypto::secret::Secret;
use remote_mcp::ext::trace::shorten;
use remote_mcp::oauth::encoding::{Params, encode_pairs};
use remote_mcp::oauth::pkce;
use remote_mcp::{App, Config, McpServer, StaticPasswordProvider, Tool};
use serde_json::{Value, json};

/// The password the consent page asks for (the quickstart's `ADMIN_PASSWORD`).
const PASSWORD: &str = "correct horse battery staple";
/// Where the "browser" is sent back: a loopback redirect URI, as the SDK
/// clients register (RFC 8252 §7.3). Nothing listens there; we read the 302.
const REDIRECT_URI: &str = "http://localhost:33418/callback";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wire = std::env::args().any(|a| a == "--wire");

    // ── Setup: the server, in this process ─────────────────────────────────
    let mcp = McpServer::new("walkthrough").tool(
        Tool::new("whoami", "Who is calling, as the tool sees it.").handler(|call| {
            Ok(match call.caller() {
                Some(c) => format!("{} via client {}", c.sub, shorten(&c.client_id)),
                None => "nobody".to_string(),
            }
            .into())
        }),
    );
    let server = App::new(mcp)
        .config(Config::local(0)) // 127.0.0.1, a free port, PUBLIC_URL http://localhost:PORT
        .provider(StaticPasswordProvider::new(PASSWORD))
        .start()?;
    let mut c = Client {
        addr: server.addr(),
        host: format!("localhost:{}", server.addr().port()),
        secrets: vec![PASSWORD.to_string()],
        wire,
    };
    println!("Server: {}/mcp\n", server.public_url());

    // ── Discovery ──────────────────────────────────────────────────────────
    heading("Discovery");
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "walkthrough", "version": "1"}}});
    let r = c.post_json(Arrow::McpWithoutToken, "/mcp", &init, None)?;
    let challenge = r.header("WWW-Authenticate").unwrap_or("").to_string();
    c.answer(Arrow::Challenge, &r, &[]);
    println!("      WWW-Authenticate: {challenge}");
    // The challenge names the protected resource metadata: follow it.
    let metadata_url =
        between(&challenge, "resource_metadata=\"", "\"").ok_or("no resource_metadata")?;
    let r = c.get(Arrow::ResourceMetadataRequest, path_of(&metadata_url))?;
    let resource_doc = r.json();
    c.answer(
        Arrow::ResourceMetadata,
        &r,
        &["resource", "authorization_servers"],
    );
    let issuer = resource_doc["authorization_servers"][0]
        .as_str()
        .ok_or("no AS")?;
    // RFC 8414 §3: the metadata lives at the issuer + /.well-known/oauth-authorization-server.
    let r = c.get(
        Arrow::ServerMetadataRequest,
        &format!("{}/.well-known/oauth-authorization-server", path_of(issuer)),
    )?;
    let as_doc = r.json();
    c.answer(
        Arrow::ServerMetadata,
        &r,
        &[
            "issuer",
            "code_challenge_methods_supported",
            "registration_endpoint",
        ],
    );
    let resource = resource_doc["resource"]
        .as_str()
        .ok_or("no resource")?
        .to_string();
    let endpoint = |name: &str| -> Result<String, String> {
        let url = as_doc[name].as_str().ok_or(format!("no {name}"))?;
        Ok(path_of(url).to_string())
    };

    // ── Registration (Dynamic Client Registration, RFC 7591) ─────────────
    heading("Registration");
    let registration = json!({"client_name": "Walkthrough", "redirect_uris": [REDIRECT_URI],
                              "token_endpoint_auth_method": "none"});
    let r = c.post_json(
        Arrow::Register,
        &endpoint("registration_endpoint")?,
        &registration,
        None,
    )?;
    let client_id = r.json()["client_id"]
        .as_str()
        .ok_or("no client_id")?
        .to_string();
    c.secrets.push(client_id.clone()); // long and signed: shortened for reading
    c.answer(
        Arrow::Registration,
        &r,
        &["client_id", "token_endpoint_auth_method"],
    );
    println!("      (arrows [9]–[11]: a client whose client_id is a URL skips this; see FLOW.md)");

    // ── PKCE challenge ─────────────────────────────────────────────────────
    heading("PKCE challenge (the browser's part)");
    // The client invents a verifier and keeps it; only its SHA-256 leaves.
    let verifier = Secret::generate();
    let challenge = pkce::s256(verifier.expose());
    c.secrets.push(verifier.expose().to_string());
    let state = Secret::generate();
    c.secrets.push(state.expose().to_string());
    let authorize = format!(
        "{}?{}",
        endpoint("authorization_endpoint")?,
        encode_pairs([
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("state", state.expose()),
            ("resource", resource.as_str()),
            ("scope", "mcp"),
        ])
    );
    let r = c.get(Arrow::Authorize, &authorize)?;
    let form = hidden_fields(&r.text());
    for (name, value) in &form {
        if name == "csrf" {
            c.secrets.push(value.clone());
        }
    }
    // The cookie that binds the form's CSRF token to this browser: a browser
    // sends it back with the form, and so do we.
    let cookie = r
        .header("Set-Cookie")
        .and_then(|v| v.split(';').next())
        .ok_or("the form page sets no cookie")?
        .to_string();
    if let Some((_, value)) = cookie.split_once('=') {
        c.secrets.push(value.to_string());
    }
    c.answer(Arrow::ConsentForm, &r, &[]);
    println!(
        "      login/consent form, {} hidden fields (the request, and a CSRF token), and a cookie",
        form.len()
    );
    // The user types the password and presses "Allow".
    let mut fields = form.clone();
    fields.push(("password".into(), PASSWORD.into()));
    fields.push(("action".into(), "allow".into()));
    let body = encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    // As a browser posts it: with the cookie, from our own page's origin.
    let origin = format!("http://{}", c.host);
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Origin", origin.as_str()),
        ("Cookie", cookie.as_str()),
    ];
    let r = c.request(
        Arrow::Allow,
        "POST",
        "/authorize",
        &headers,
        body.as_bytes(),
    )?;
    let location = r.header("Location").unwrap_or("").to_string();
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    let back = Params::parse(query).map_err(|e| e.to_string())?;
    let code = back
        .get("code")
        .ok_or("no code in the redirect")?
        .to_string();
    c.secrets.push(code.clone());
    c.answer(Arrow::CodeRedirect, &r, &[]);
    println!(
        "      Location: {REDIRECT_URI}?code={}&state={}&iss={}",
        shorten(&code),
        if back.get("state") == Some(state.expose()) {
            "(ours: unchanged)"
        } else {
            "(NOT OURS)"
        },
        back.get("iss").unwrap_or("(none)"),
    );
    println!("      (arrows [16]–[24]: an upstream IdP instead of a password; [25]: single user)");

    // ── PKCE verify ────────────────────────────────────────────────────────
    heading("PKCE verify");
    let token_path = endpoint("token_endpoint")?;
    let body = encode_pairs([
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier.expose()),
        ("client_id", client_id.as_str()),
        ("resource", resource.as_str()),
    ]);
    let r = c.post_form(Arrow::TokenRequest, &token_path, &body)?;
    let tokens = r.json();
    let access = tokens["access_token"]
        .as_str()
        .ok_or("no access_token")?
        .to_string();
    let refresh = tokens["refresh_token"]
        .as_str()
        .ok_or("no refresh_token")?
        .to_string();
    c.secrets.push(access.clone());
    c.secrets.push(refresh.clone());
    c.answer(
        Arrow::Tokens,
        &r,
        &[
            "access_token",
            "refresh_token",
            "token_type",
            "expires_in",
            "scope",
        ],
    );

    // ── Tool calls ─────────────────────────────────────────────────────────
    heading("Tool calls");
    let r = c.post_json(Arrow::ToolCall, "/mcp", &init, Some(&access))?;
    c.answer(
        Arrow::ToolAnswer,
        &r,
        &["result.protocolVersion", "result.serverInfo.name"],
    );
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let r = c.post_json(Arrow::ToolCall, "/mcp", &list, Some(&access))?;
    c.answer(Arrow::ToolAnswer, &r, &["result.tools.0.name"]);
    let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                      "params": {"name": "whoami", "arguments": {}}});
    let r = c.post_json(Arrow::ToolCall, "/mcp", &call, Some(&access))?;
    c.answer(Arrow::ToolAnswer, &r, &["result.content.0.text"]);

    // ── Refresh (rotation) and revocation ──────────────────────────────────
    heading("Refresh and revocation");
    let body = encode_pairs([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", client_id.as_str()),
    ]);
    let r = c.post_form(Arrow::RefreshRequest, &token_path, &body)?;
    let rotated = r.json();
    let new_refresh = rotated["refresh_token"]
        .as_str()
        .ok_or("no refresh_token")?
        .to_string();
    c.secrets
        .push(rotated["access_token"].as_str().unwrap_or("").to_string());
    c.secrets.push(new_refresh.clone());
    c.answer(Arrow::RotatedTokens, &r, &["access_token", "refresh_token"]);
    let body = encode_pairs([
        ("token", new_refresh.as_str()),
        ("client_id", client_id.as_str()),
    ]);
    let r = c.post_form(Arrow::Revoke, &endpoint("revocation_endpoint")?, &body)?;
    c.answer(Arrow::Revoked, &r, &[]);

    // Off the flow, on purpose: the revoked grant is over.
    heading("Afterwards (off the flow)");
    let body = encode_pairs([
        ("grant_type", "refresh_token"),
        ("refresh_token", new_refresh.as_str()),
        ("client_id", client_id.as_str()),
    ]);
    let r = c.post_form(Arrow::RefreshRequest, &token_path, &body)?;
    c.answer("✗", &r, &["error"]);

    server.shutdown()?;
    Ok(())
}

/// The client's side of the conversation: where the server is, and which
/// strings are secrets to shorten before printing.
struct Client {
    addr: SocketAddr,
    host: String,
    secrets: Vec<String>,
    wire: bool,
}

/// One answer, as read off the socket.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    raw_head: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl Client {
    fn get(&self, arrow: Arrow, target: &str) -> std::io::Result<Answer> {
        self.request(arrow, "GET", target, &[], b"")
    }

    fn post_form(&self, arrow: Arrow, path: &str, form: &str) -> std::io::Result<Answer> {
        let headers = [("Content-Type", "application/x-www-form-urlencoded")];
        self.request(arrow, "POST", path, &headers, form.as_bytes())
    }

    fn post_json(
        &self,
        arrow: Arrow,
        path: &str,
        body: &Value,
        bearer: Option<&str>,
    ) -> std::io::Result<Answer> {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if path == "/mcp" {
            // MCP Streamable HTTP: the client accepts both answer forms.
            headers.push(("Accept", "application/json, text/event-stream"));
        }
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        self.request(arrow, "POST", path, &headers, body.to_string().as_bytes())
    }

    /// Sends one request, prints its arrow, reads the answer.
    fn request(
        &self,
        arrow: Arrow,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Answer> {
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("Connection: close\r\n\r\n");
        let path = target.split('?').next().unwrap_or(target);
        println!("{:>6} C→S {method} {path}", arrow.to_string());
        if self.wire {
            let body = String::from_utf8_lossy(body);
            println!("{}", indent(&self.redact(&format!("{head}{body}"))));
        }
        send(self.addr, head.as_bytes(), body)
    }

    /// Prints the answer arrow: status, then the named JSON fields (dotted
    /// paths; secrets shortened).
    fn answer(&self, arrow: impl std::fmt::Display, r: &Answer, fields: &[&str]) {
        let reason = r
            .raw_head
            .lines()
            .next()
            .unwrap_or("")
            .splitn(3, ' ')
            .nth(2)
            .unwrap_or("");
        println!("{:>6} S→C {} {reason}", arrow.to_string(), r.status);
        let json = r.json();
        for field in fields {
            let mut v = &json;
            for part in field.split('.') {
                v = match part.parse::<usize>() {
                    Ok(i) => &v[i],
                    Err(_) => &v[part],
                };
            }
            if !v.is_null() {
                println!("      {field}: {}", self.redact(&v.to_string()));
            }
        }
        if self.wire {
            let text = self.redact(&format!("{}{}", r.raw_head, r.text()));
            // Long pages (the login form) are cut: the head is the lesson.
            let text = match text.char_indices().nth(1500) {
                Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
                None => text,
            };
            println!("{}", indent(&text));
        }
    }

    /// Replaces every secret this client has seen by its shortened form,
    /// in plain and in percent-encoded form.
    fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.secrets.iter().filter(|s| !s.is_empty()) {
            out = out.replace(secret.as_str(), &shorten(secret));
            let encoded = remote_mcp::oauth::encoding::percent_encode(secret);
            out = out.replace(&encoded, &shorten(secret));
            let form = encoded.replace("%20", "+");
            out = out.replace(&form, &shorten(secret));
        }
        out
    }
}

/// The whole HTTP/1.1 client: write the request, read until the server
/// closes, split head from body, undo chunked framing if the server streamed.
fn send(addr: SocketAddr, head: &[u8], body: &[u8]) -> std::io::Result<Answer> {
    let mut socket = TcpStream::connect(addr)?;
    socket.set_read_timeout(Some(Duration::from_secs(10)))?;
    socket.write_all(head)?;
    socket.write_all(body)?;
    let mut bytes = Vec::new();
    socket.read_to_end(&mut bytes)?;
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no end of head"))?;
    let raw_head = String::from_utf8_lossy(&bytes[..split + 4]).into_owned();
    let mut lines = raw_head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let mut body = bytes[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("Transfer-Encoding") && v == "chunked");
    if chunked {
        body = unchunk(&body);
    }
    Ok(Answer {
        status,
        headers,
        body,
        raw_head,
    })
}

/// `5\r\nhello\r\n0\r\n\r\n` → `hello` (RFC 9112 §7.1).
fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&data[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}

/// The `name`/`value` of every hidden input of the login form (what a
/// browser posts back), with our HTML escaping undone.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&amp;", "&")
    };
    html.split("<input ")
        .skip(1)
        .filter_map(|tag| tag.split('>').next())
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| {
            let name = between(tag, "name=\"", "\"")?;
            let value = between(tag, "value=\"", "\"")?;
            Some((unescape(&name), unescape(&value)))
        })
        .collect()
}

/// The text between `start` and the next `end`.
fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(text[from..to].to_string())
}

/// `/x/y` for `http://localhost:8080/x/y`: the server advertises its public
/// URL; we talk to the loopback address it is bound to.
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.find('/').map(|i| &rest[i..]).unwrap_or("")
}

fn heading(title: &str) {
    println!("\n── {title} ──");
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("        │ {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
