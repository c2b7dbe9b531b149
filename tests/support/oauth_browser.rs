//! Test support for the OAuth tests: start an [`App`] on `127.0.0.1:0`, send
//! one request per connection over a raw socket (no HTTP client library
//! between the test and the wire; redirects are never followed), and play the
//! browser at `/authorize` (read the form's hidden fields, fill the password,
//! POST it, take the 302).
//!
//! Include it next to the HTTP engineer's raw client:
//! `#[path = "support/raw.rs"] mod raw;` and
//! `#[path = "support/oauth_browser.rs"] mod browser;`.
#![allow(dead_code)]

use std::net::SocketAddr;

use remote_mcp::oauth::encoding::{Params, encode_pairs, percent_encode};
use remote_mcp::{App, Config, McpServer, RunningServer, StaticPasswordProvider, Tool};
use serde_json::Value;

use super::raw::{Answer, Conn};

/// RFC 7636 Appendix B: this verifier must produce this S256 challenge.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// BASE64URL(SHA256(VERIFIER)).
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// The admin password of [`password_app`].
pub const PASSWORD: &str = "correct horse battery staple";
/// A loopback redirect URI, as the SDK clients register.
pub const REDIRECT: &str = "http://localhost:33418/callback";

/// The test service: `whoami` answers with the caller's identity as the
/// tools see it (`call.caller()`): `"SUB via CLIENT_ID with SCOPES"`.
pub fn test_mcp(name: &str) -> McpServer {
    McpServer::new(name).tool(Tool::new("whoami", "Who is calling.").handler(|call| {
        Ok(match call.caller() {
            Some(c) => format!("{} via {} with {}", c.sub, c.client_id, c.scopes.join(" ")),
            None => "nobody".to_string(),
        }
        .into())
    }))
}

/// [`test_mcp`] with a password provider, on `127.0.0.1:0`.
pub fn password_app() -> App {
    App::new(test_mcp("test-service"))
        .config(Config::local(0))
        .provider(StaticPasswordProvider::new(PASSWORD))
}

/// A started server and its address.
pub struct Srv {
    pub running: RunningServer,
    pub addr: SocketAddr,
}

impl Srv {
    /// Starts `app`.
    pub fn start(app: App) -> Srv {
        let running = app.start().unwrap();
        let addr = running.addr();
        Srv { running, addr }
    }

    /// The public URL (issuer): `http://localhost:PORT` for `Config::local(0)`.
    pub fn public_url(&self) -> String {
        self.running.public_url().to_string()
    }

    /// `{public}/mcp`: the resource, and the audience of every token.
    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.public_url())
    }

    /// Sends one request (`Connection: close`) and reads the answer.
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

    /// `GET target`.
    pub fn get(&self, target: &str) -> Answer {
        self.send("GET", target, &[], b"")
    }

    /// `POST path` with a form body.
    pub fn post_form(&self, path: &str, form: &str, headers: &[(&str, &str)]) -> Answer {
        let mut all = vec![("Content-Type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        self.send("POST", path, &all, form.as_bytes())
    }

    /// `POST path` with a JSON body.
    pub fn post_json(&self, path: &str, json: &Value) -> Answer {
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            json.to_string().as_bytes(),
        )
    }

    /// `POST /mcp` with a JSON-RPC body and, if given, a bearer token.
    pub fn mcp(&self, token: Option<&str>, body: &Value) -> Answer {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
        ];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        self.send("POST", "/mcp", &headers, body.to_string().as_bytes())
    }

    /// `tools/call whoami` with this token.
    pub fn whoami(&self, token: &str) -> Answer {
        self.mcp(
            Some(token),
            &serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                "params": {"name": "whoami", "arguments": {}}}),
        )
    }

    /// Whether `/mcp` accepts `token`: the tool ran and saw a caller.
    pub fn accepts(&self, token: &str) -> bool {
        let r = self.whoami(token);
        if r.status != 200 {
            return false;
        }
        let text = json(&r)["result"]["content"][0]["text"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(
            text.contains(" via "),
            "the tool must see the caller: {text}"
        );
        true
    }

    /// DCR of a public client (`none`) with [`REDIRECT`]; returns the client_id.
    pub fn register_public(&self, name: &str) -> String {
        let r = self.post_json(
            "/register",
            &serde_json::json!({"client_name": name, "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        json(&r)["client_id"].as_str().unwrap().to_string()
    }

    /// `/authorize?…` for `client_id` with the RFC 7636 challenge, state `xyz`
    /// and our resource.
    pub fn authorize_target(&self, client_id: &str) -> String {
        let resource = self.mcp_url();
        format!(
            "/authorize?{}",
            encode_pairs([
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", REDIRECT),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("state", "xyz"),
                ("resource", resource.as_str()),
                ("scope", "mcp"),
            ])
        )
    }

    /// Plays the browser: GET the authorize target (a form), POST it back with
    /// `password`, and return the POST's answer.
    pub fn login(&self, authorize_target: &str, password: &str) -> Answer {
        let form_page = self.get(authorize_target);
        assert_eq!(form_page.status, 200, "{}", form_page.text());
        let mut fields = hidden_fields(&form_page.text());
        fields.push(("password".into(), password.into()));
        fields.push(("action".into(), "allow".into()));
        let body = encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let cookie = consent_cookie(&form_page);
        let origin = self.public_url();
        self.post_form(
            "/authorize",
            &body,
            &[("Cookie", cookie.as_str()), ("Origin", origin.as_str())],
        )
    }

    /// Logs in and returns the code from the 302.
    pub fn code_for(&self, client_id: &str) -> String {
        let r = self.login(&self.authorize_target(client_id), PASSWORD);
        assert_eq!(r.status, 302, "{}", r.text());
        redirect_params(&r).get("code").unwrap().to_string()
    }

    /// Redeems `code` for a public client; returns the token response.
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
            &[],
        )
    }

    /// Register, log in, redeem: `(client_id, token response JSON)`.
    pub fn grant(&self) -> (String, Value) {
        let client_id = self.register_public("Test client");
        let code = self.code_for(&client_id);
        let r = self.redeem(&client_id, &code);
        assert_eq!(r.status, 200, "{}", r.text());
        (client_id, json(&r))
    }

    /// `grant_type=refresh_token` for a public client.
    pub fn refresh(&self, client_id: &str, refresh_token: &str) -> Answer {
        self.post_form(
            "/token",
            &encode_pairs([
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", client_id),
            ]),
            &[],
        )
    }
}

/// The body as JSON.
pub fn json(a: &Answer) -> Value {
    serde_json::from_slice(&a.body).unwrap_or_else(|_| panic!("not JSON: {}", a.text()))
}

/// The query parameters of a 302's `Location`.
pub fn redirect_params(a: &Answer) -> Params {
    let location = a
        .header("Location")
        .unwrap_or_else(|| panic!("no Location: {}", a.text()));
    Params::parse(location.split_once('?').map(|(_, q)| q).unwrap_or("")).unwrap()
}

/// The `name=value` of the consent cookie the form page sets, as a browser
/// sends it back in `Cookie`.
/// (`__Host-mcp_consent` when the public URL is https).
pub fn consent_cookie(form_page: &Answer) -> String {
    set_cookie_pair(form_page, "mcp_consent")
        .or_else(|| set_cookie_pair(form_page, "__Host-mcp_consent"))
        .unwrap_or_else(|| panic!("the form page sets no mcp_consent cookie"))
}

/// The `name=value` part of the `Set-Cookie` header for cookie `name`.
pub fn set_cookie_pair(a: &Answer, name: &str) -> Option<String> {
    a.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next())
        .find(|pair| pair.split_once('=').is_some_and(|(n, _)| n == name))
        .map(str::to_string)
}

/// The `name`/`value` of every `<input type="hidden">` on a page, unescaped.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for input in html.split("<input ").skip(1) {
        let tag = input.split('>').next().unwrap();
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |name: &str| {
            let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = start + tag[start..].find('"').unwrap();
            html_unescape(&tag[start..end])
        };
        fields.push((attr("name"), attr("value")));
    }
    fields
}

/// Reverses our HTML escaping.
pub fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// An `initialize` request.
pub fn initialize() -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "oauth-test", "version": "1"}}})
}

/// Percent-encodes one value (re-exported for tests building forms by hand).
pub fn enc(s: &str) -> String {
    percent_encode(s)
}
