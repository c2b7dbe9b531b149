//! **[13–15](crate::_documentation::flow) mcp-doctor `--password` — playing
//! the browser on a password consent form.** `S → C 200 form; C → S POST
//! /authorize; S → C 302 redirect_uri?code`, as a browser does it: keep the
//! cookies the page set, send back every field of the form with the password
//! filled in and the "allow" button pressed, with `Origin` set to the
//! server's origin.
//!
//! Nothing here knows our own form: any `<form method="post">` with a
//! password field works (hidden fields, a CSRF token, a consent cookie such
//! as `mcp_consent`, a submit button named `action`), on the `/authorize`
//! page itself or on a sign-in page of the same host it redirects to; after
//! the POST, up to three redirects on the same host are followed (a login
//! that sends the browser back to `/authorize`) until the one to the callback.
//!
//! # Spec
//! * HTML *Form submission* (`application/x-www-form-urlencoded`, the pressed
//!   button's name and value); RFC 6265 (cookies sent back by name=value);
//!   RFC 6454 (`Origin`).
//! * MCP 2025-11-25 / claude.ai: the answer to the form is a `302`/`303` to
//!   the client's callback (a `307` would repeat the POST, which claude.ai's
//!   callback refuses).
//!
//! # Where this sits
//! Called by [`super::signin`] after `GET /authorize` answered a page; the
//! code it brings back is read by [`super::callback`]. Its HTML reader
//! [`strip_tags`] also gives signin's error pages their gist.

use super::report::Section;
use serde_json::Value;

use super::callback::{CLAUDE_CALLBACK, back_at_claude};
use super::context::Doctor;
use super::probe::{Got, Url, excerpt};
use crate::crypto::secret::Secret;
use crate::oauth::encoding::encode_pairs;

/// One HTML tag's attributes, unescaped (`name="a"`, `name='a'`, `name=a`, `checked`).
pub fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag.trim_start_matches('<');
    // Skip the tag name.
    rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() || rest.starts_with('>') {
            return out;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
            .unwrap_or(rest.len());
        let name = rest[..end].to_ascii_lowercase();
        rest = rest[end..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, r) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let close = inner.find(q).unwrap_or(inner.len());
                    (&inner[..close], inner.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let close = after
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(after.len());
                    (&after[..close], &after[close..])
                }
            };
            rest = r;
            unescape(v)
        } else {
            String::new()
        };
        if name.is_empty() {
            return out; // malformed: stop rather than loop
        }
        out.push((name, value));
    }
}

/// Reverses HTML character references of the common kinds.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A parsed form: where it goes and the fields a browser would send.
#[derive(Debug, Default, PartialEq)]
pub struct Form {
    /// The `action` attribute, as written (may be empty).
    pub action: String,
    /// The fields in order (name, value); the password field's value empty.
    pub fields: Vec<(String, String)>,
    /// The names of the password fields.
    pub password_fields: Vec<String>,
}

/// The first `<form method="post">` of `html`, with its fields and the
/// consent button ("allow", "approve", …) as if pressed.
pub fn parse_form(html: &str) -> Option<Form> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<form") {
        let start = from + i;
        let tag_end = start + lower[start..].find('>')?;
        let attrs = attributes(&html[start..=tag_end]);
        let get = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let end = lower[tag_end..]
            .find("</form")
            .map_or(html.len(), |e| tag_end + e);
        from = end;
        if !get("method")
            .unwrap_or_default()
            .eq_ignore_ascii_case("post")
        {
            continue;
        }
        let mut form = Form {
            action: get("action").unwrap_or_default(),
            ..Form::default()
        };
        let mut buttons = Vec::new();
        let body = &html[tag_end..end];
        let body_lower = &lower[tag_end..end];
        let mut at = 0;
        while let Some(j) = body_lower[at..].find('<') {
            let s = at + j;
            let e = s + body_lower[s..].find('>').unwrap_or(body_lower.len() - s);
            at = e.max(s + 1);
            let tag = &body_lower[s..e];
            let is_input = tag.starts_with("<input");
            let is_button = tag.starts_with("<button");
            if !is_input && !is_button {
                continue;
            }
            let a = attributes(&body[s..e]);
            let attr = |n: &str| a.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let (Some(name), kind) = (
                attr("name"),
                attr("type")
                    .unwrap_or_else(|| {
                        if is_button {
                            "submit".into()
                        } else {
                            "text".into()
                        }
                    })
                    .to_ascii_lowercase(),
            ) else {
                continue;
            };
            let value = attr("value").unwrap_or_default();
            match kind.as_str() {
                "submit" => buttons.push((name, value)),
                "password" => {
                    form.password_fields.push(name.clone());
                    form.fields.push((name, String::new()));
                }
                "checkbox" | "radio" if attr("checked").is_none() => {}
                "button" | "reset" | "image" | "file" => {}
                _ => form.fields.push((name, value)),
            }
        }
        let consent = [
            "allow",
            "approve",
            "accept",
            "authorize",
            "yes",
            "continue",
            "consent",
            "sign in",
            "login",
        ];
        let pressed = buttons
            .iter()
            .find(|(_, v)| consent.contains(&v.to_ascii_lowercase().as_str()))
            .or_else(|| buttons.first());
        if let Some(b) = pressed {
            form.fields.push(b.clone());
        }
        return Some(form);
    }
    None
}

/// Where a form's `action` leads, from the page at `page_url`.
fn resolve(page_url: &str, action: &str) -> String {
    if action.is_empty() {
        return page_url.to_string();
    }
    if Url::parse(action).is_some() {
        return action.to_string();
    }
    let origin = Url::parse(page_url).map(|u| u.origin()).unwrap_or_default();
    if action.starts_with('/') {
        format!("{origin}{action}")
    } else {
        let base = page_url.split('?').next().unwrap_or("");
        let dir = base.rsplit_once('/').map_or(base, |(d, _)| d);
        format!("{dir}/{action}")
    }
}

/// Where a redirect from `from` leads, if it stays on the same host (a
/// relative `Location` included); `None` for another host.
pub fn same_host(from: &str, location: &str) -> Option<String> {
    if location.is_empty() {
        return None;
    }
    let next = resolve(from, location);
    let host = |u: &str| Url::parse(u).map(|u| u.host);
    (host(&next).is_some() && host(&next) == host(from)).then_some(next)
}

/// `GET url` as a browser: with the cookies kept so far, keeping new ones.
pub fn browse(d: &mut Doctor, label: &str, url: &str) -> Result<Got, String> {
    let cookie = d.probe.cookie_header();
    let mut headers = vec![("Accept", "text/html")];
    if let Some(c) = &cookie {
        headers.push(("Cookie", c.as_str()));
    }
    let got = d.probe.call(label, "GET", url, &headers, b"")?;
    d.probe.keep_cookies(&got);
    Ok(got)
}

/// Fills the form on `page` with `password`, posts it, and follows the
/// answer back to claude.ai's callback: the code, if one came back.
pub fn submit(
    d: &mut Doctor,
    page_url: &str,
    page: &Got,
    password: &Secret,
    meta: &Value,
) -> Option<String> {
    let Some(form) = parse_form(&page.text()) else {
        d.fail(
            Section::SignIn,
            "the sign-in form",
            "the page has no <form method=\"post\">",
            "a password consent page posts a form back to the server",
            None,
            None,
        );
        return None;
    };
    if form.password_fields.is_empty() {
        d.skip(
            Section::SignIn,
            "the sign-in form",
            "the form has no password field: --password does not apply (try --token)",
        );
        return None;
    }
    let fields: Vec<(String, String)> = form
        .fields
        .iter()
        .map(|(n, v)| {
            if form.password_fields.contains(n) {
                (n.clone(), d.probe.reveal(password).to_string())
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect();
    let body = encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let action = resolve(page_url, &form.action);
    let origin = d.url.origin();
    let cookie = d.probe.cookie_header();
    let mut headers = vec![
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "text/html"),
        ("Origin", origin.as_str()),
        ("Referer", page_url),
    ];
    // A browser sends the page's cookies back to the page's host only.
    let to_page_host = Url::parse(&action).map(|u| u.host) == Url::parse(page_url).map(|u| u.host);
    if let Some(c) = cookie.as_ref().filter(|_| to_page_host) {
        headers.push(("Cookie", c.as_str()));
    }
    let kept = d.probe.cookie_names();
    let cookies = if kept.is_empty() {
        "no cookies".to_string()
    } else {
        format!("cookies {}", kept.join(", "))
    };
    let got = match d.probe.call(
        "POST the sign-in form",
        "POST",
        &action,
        &headers,
        body.as_bytes(),
    ) {
        Err(e) => {
            d.fail(
                Section::SignIn,
                "the sign-in form",
                &e,
                "the form's POST must answer",
                None,
                None,
            );
            return None;
        }
        Ok(g) => g,
    };
    // A login form may send the browser back through the server (say, to
    // /authorize again, now signed in) before the redirect to the callback.
    let mut got = got;
    for _ in 0..3 {
        d.probe.keep_cookies(&got);
        let location = got.header("location").unwrap_or("");
        let Some(next) = same_host(&action, location) else {
            break;
        };
        if !matches!(got.status, 302 | 303) || location.starts_with(CLAUDE_CALLBACK) {
            break;
        }
        match browse(d, "GET (after the sign-in form)", &next) {
            Ok(g) => got = g,
            Err(e) => {
                d.fail(
                    Section::SignIn,
                    "the sign-in form",
                    &e,
                    "the redirect after the form must answer",
                    None,
                    None,
                );
                return None;
            }
        }
    }
    let ms = Some(got.ms);
    let location = got.header("location").unwrap_or("").to_string();
    match got.status {
        302 | 303 if location.starts_with(CLAUDE_CALLBACK) => {
            d.pass(
                Section::SignIn,
                "the sign-in form",
                &format!(
                    "{} fields, {cookies}, Origin {origin} → {}",
                    fields.len(),
                    got.status
                ),
                ms,
            );
            back_at_claude(d, &location, meta, got.ms)
        }
        302 | 303 => {
            d.skip(
                Section::SignIn,
                "sign-in",
                &format!(
                    "the form leads on to {} (a further sign-in): use --token",
                    excerpt(&location, 60)
                ),
            );
            None
        }
        307 | 308 => {
            d.fail(
                Section::SignIn,
                "the sign-in form",
                &format!("{} → {}", got.status, excerpt(&location, 60)),
                "a 307/308 makes the browser POST to claude.ai's callback, \
                    which answers \"Method Not Allowed\": redirect with 302 or \
                    303",
                None,
                ms,
            );
            None
        }
        200 => {
            let text = page_message(&got.text());
            d.fail(
                Section::SignIn,
                "the sign-in form",
                &format!("200: the form came back ({})", excerpt(&text, 100)),
                "the password was not accepted: check --password",
                Some("the password is ADMIN_PASSWORD"),
                ms,
            );
            None
        }
        s => {
            d.fail(
                Section::SignIn,
                "the sign-in form",
                &format!(
                    "{s} {} ({cookies})",
                    excerpt(&page_message(&got.text()), 100)
                ),
                "the form's POST was refused: a browser sends back the page's \
                    cookies, its fields and Origin = the server's origin; \
                    nothing else",
                None,
                ms,
            );
            None
        }
    }
}

/// The alert on a page if it has one (`role="alert"`), else its text.
fn page_message(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    if let Some(i) = lower.find("role=\"alert\"") {
        let start = i + lower[i..].find('>').unwrap_or(0) + 1;
        let end = start + lower[start..].find('<').unwrap_or(0);
        return unescape(&html[start..end]);
    }
    strip_tags(html)
}

/// Text without tags (for an HTML error page's gist).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let body = html
        .to_ascii_lowercase()
        .find("<body")
        .map_or(html, |i| &html[i..]);
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ')
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_form_is_read_as_a_browser_would_send_it() {
        let html = r#"<form method="get" action="/x"><input name="q" value="no"></form>
            <form method="POST" action="/authorize"><input type="hidden" name="client_id" value="a&amp;b">
            <input type='hidden' name=csrf value=123.abc><input type="password" name="password" required>
            <input type="checkbox" name="remember"><button type="submit" name="action" value="allow">Allow</button>
            <button type="submit" name="action" value="deny" formnovalidate>Deny</button></form>"#;
        let form = parse_form(html).unwrap();
        assert_eq!(form.action, "/authorize");
        assert_eq!(form.password_fields, vec!["password".to_string()]);
        let names: Vec<(&str, &str)> = form
            .fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("client_id", "a&b"),
                ("csrf", "123.abc"),
                ("password", ""),
                ("action", "allow")
            ]
        );
    }

    #[test]
    fn actions_resolve_against_the_page() {
        assert_eq!(
            resolve("https://h/authorize?x=1", ""),
            "https://h/authorize?x=1"
        );
        assert_eq!(
            resolve("https://h/a/authorize?x=1", "/login"),
            "https://h/login"
        );
        assert_eq!(
            resolve("https://h/a/authorize?x=1", "consent"),
            "https://h/a/consent"
        );
        assert_eq!(resolve("https://h/a", "https://idp/x"), "https://idp/x");
    }

    #[test]
    fn redirects_are_followed_on_the_same_host_only() {
        let from = "https://h/authorize?x=1";
        assert_eq!(
            same_host(from, "/login?r=1").as_deref(),
            Some("https://h/login?r=1")
        );
        assert_eq!(
            same_host(from, "https://h/authorize?y").as_deref(),
            Some("https://h/authorize?y")
        );
        assert_eq!(same_host(from, "https://idp.example/login"), None);
        assert_eq!(same_host(from, ""), None);
    }

    #[test]
    fn no_post_form_is_none() {
        assert_eq!(parse_form("<p>hello</p>"), None);
        assert_eq!(parse_form("<form method=get></form>"), None);
    }
}
