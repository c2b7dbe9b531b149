//! **[12–15, 26–27, 30–33](crate::_documentation::flow) Every OAuth step — the
//! small encodings OAuth is made of.** Form bodies and query strings
//! (`application/x-www-form-urlencoded`), percent-encoding for the redirect
//! back to the client, and HTML escaping for every page we render.
//!
//! # Spec
//! * WHATWG URL, *application/x-www-form-urlencoded parsing* (`+` is a space).
//! * RFC 3986 §2.3: the unreserved characters that are never percent-encoded.
//! * RFC 6749 §3.1 / §3.2: "Request and response parameters MUST NOT be
//!   included more than once" — [`Params::parse`] reports duplicates.
//!
//! # Where this sits
//! Used by [`super::authorize`], [`super::token`], [`super::revoke`] and
//! [`super::login_form`].
//!
//! # Not implemented
//! * Non-UTF-8 form encodings (`_charset_`): every client we serve sends UTF-8.

/// Decoded `name=value` pairs of a query string or form body, in order.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

/// A query string or form body that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamsError {
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    Malformed,
    /// The named parameter appears more than once (RFC 6749 §3.1).
    Repeated(String),
}

impl std::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamsError::Malformed => {
                f.write_str("malformed percent-encoding or non-UTF-8 parameters")
            }
            ParamsError::Repeated(name) => write!(f, "parameter {name:?} is repeated"),
        }
    }
}

impl Params {
    /// Decodes `a=1&b=two+words`. Empty values count as absent: RFC 6749 §3.1
    /// says "Parameters sent without a value MUST be treated as if they were
    /// omitted from the request."
    pub fn parse(encoded: &str) -> Result<Params, ParamsError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for piece in encoded.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let name = percent_decode(name)?;
            let value = percent_decode(value)?;
            if value.is_empty() {
                continue;
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(ParamsError::Repeated(name));
            }
            pairs.push((name, value));
        }
        Ok(Params { pairs })
    }

    /// Decodes a request body as a form.
    pub fn parse_body(body: &[u8]) -> Result<Params, ParamsError> {
        let text = std::str::from_utf8(body).map_err(|_| ParamsError::Malformed)?;
        Params::parse(text.trim())
    }

    /// The value of `name`, if present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every pair, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Adds the pairs of `other` whose names are not present yet (the trace
    /// shows a request's query and form fields together).
    pub fn merge(&mut self, other: &Params) {
        for (n, v) in other.iter() {
            if self.get(n).is_none() {
                self.pairs.push((n.to_string(), v.to_string()));
            }
        }
    }
}

/// Decodes one `application/x-www-form-urlencoded` value: `+` is a space,
/// `%XX` a byte; the result must be UTF-8.
pub(crate) fn percent_decode(s: &str) -> Result<String, ParamsError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(ParamsError::Malformed)?;
                let hex = std::str::from_utf8(hex).map_err(|_| ParamsError::Malformed)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| ParamsError::Malformed)?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ParamsError::Malformed)
}

/// Percent-encodes everything but the RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `a=1&b=2` from pairs, each name and value percent-encoded.
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `url` with `pairs` appended to its query: `?a=1` or, when `url` already has
/// a query (a registered redirect URI may), `&a=1` (RFC 6749 §3.1.2: the
/// client's query component must be kept).
pub fn with_query<'a>(url: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", encode_pairs(pairs))
}

/// Escapes `& < > " '` so that any value can sit in HTML text or in a quoted
/// attribute. Every value we put on a page goes through here.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A host name as a browser puts it on the wire and in its address bar for
/// a look-alike: every label with a character outside ASCII becomes `xn--` +
/// its Punycode (RFC 3492; IDNA 2008, RFC 5891 §4.4), after Unicode
/// lower-casing. `сlaude.ai` with a Cyrillic `с` is `xn--laude-0ye.ai`, never
/// `claude.ai`. Unicode normalisation (NFC) is not applied: a name that needs
/// it is shown in its `xn--` form of the code points as written.
pub fn ascii_host(host: &str) -> String {
    host.split('.')
        .map(|label| {
            if label.is_ascii() {
                label.to_ascii_lowercase()
            } else {
                let lower: String = label.chars().flat_map(char::to_lowercase).collect();
                match punycode(&lower) {
                    Some(encoded) => format!("xn--{encoded}"),
                    None => "xn--invalid".to_string(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// RFC 3492 §6.3, the Punycode encoder (`None` on overflow, which only absurd
/// labels reach).
fn punycode(input: &str) -> Option<String> {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn adapt(delta: u32, points: u32, first: bool) -> u32 {
        let mut delta = if first { delta / DAMP } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - T_MIN) * T_MAX) / 2 {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
    }
    fn digit(d: u32) -> char {
        // 0..25 → a..z, 26..35 → 0..9
        char::from(if d < 26 {
            b'a' + d as u8
        } else {
            b'0' + (d - 26) as u8
        })
    }
    let points: Vec<u32> = input.chars().map(u32::from).collect();
    let mut output: String = input.chars().filter(char::is_ascii).collect();
    let basic = output.len() as u32;
    if basic > 0 {
        output.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (128u32, 0u32, 72u32, basic);
    while (handled as usize) < points.len() {
        let m = points.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in &points {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    output.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                output.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_query_keeps_a_query_the_url_already_has() {
        assert_eq!(
            with_query("https://c.example/cb", [("code", "a b")]),
            "https://c.example/cb?code=a%20b"
        );
        assert_eq!(
            with_query("https://c.example/cb?x=1", [("code", "c"), ("state", "s")]),
            "https://c.example/cb?x=1&code=c&state=s"
        );
    }

    #[test]
    fn decodes_plus_and_percent() {
        let p = Params::parse("a=two+words&b=%2Fx%3D1&c=").unwrap();
        assert_eq!(p.get("a"), Some("two words"));
        assert_eq!(p.get("b"), Some("/x=1"));
        assert_eq!(p.get("c"), None);
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert_eq!(
            Params::parse("code=1&code=2").unwrap_err(),
            ParamsError::Repeated("code".into())
        );
        assert_eq!(Params::parse("a=%G1").unwrap_err(), ParamsError::Malformed);
    }

    #[test]
    fn percent_encode_round_trips() {
        let s = "https://x.example/cb?a=1&b=é ~";
        assert_eq!(
            Params::parse(&format!("v={}", percent_encode(s)))
                .unwrap()
                .get("v"),
            Some(s)
        );
    }

    /// The expected values are what Python's `"…".encode("punycode")` and
    /// browsers' address bars give.
    #[test]
    fn look_alike_hosts_are_shown_in_their_ascii_form() {
        assert_eq!(ascii_host("сlaude.ai"), "xn--laude-0ye.ai"); // Cyrillic с
        assert_eq!(ascii_host("bücher.example"), "xn--bcher-kva.example");
        assert_eq!(ascii_host("MÜNCHEN.de"), "xn--mnchen-3ya.de");
        assert_eq!(ascii_host("пример.рф"), "xn--e1afmkfd.xn--p1ai");
        assert_eq!(ascii_host("Claude.AI"), "claude.ai");
    }

    #[test]
    fn html_escape_neutralises_markup() {
        assert_eq!(
            html_escape(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;"
        );
    }
}
