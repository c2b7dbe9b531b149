//! A no-auth example: prediction markets from Polymarket's public
//! Gamma API, as three read-only tools.
//!
//! ```text
//! cargo run --example polymarket                  # serves http://127.0.0.1:8080/mcp
//! POLYMARKET_API_URL=http://127.0.0.1:9000 cargo run --example polymarket
//! ```
//!
//! | tool | upstream call |
//! |---|---|
//! | `top_markets` | `GET /markets?active=true&closed=false&order=volume24hr&ascending=false&limit=N` |
//! | `get_market` | `GET /markets/slug/{slug}`, else `GET /events/slug/{slug}` |
//! | `search_markets` | `GET /public-search?q=…&limit_per_type=N` |
//!
//! Polymarket's data is public, so nobody signs in upstream: the server
//! still runs its own OAuth authorization server (claude.ai insists on one
//! for a custom connector), with the single-user provider that issues a code
//! to whoever reaches `/authorize`.
//!
//! # Reading Gamma's markets
//! * `outcomes`, `outcomePrices` (and `clobTokenIds`) are **strings that hold
//!   JSON arrays**: `"[\"Yes\", \"No\"]"` and `"[\"0.65\", \"0.35\"]"`. Some
//!   mirrors and older answers send real arrays, and prices as numbers; both
//!   forms are accepted ([`json_list`], [`number`]). The two lists line up by
//!   index; a price is the outcome's implied probability.
//! * `volume` and `liquidity` are strings; `volumeNum`, `liquidityNum` and
//!   `volume24hr` are numbers. We read the numbers and fall back to the strings.
//! * `order=` takes Gamma's camelCase field names (`volume24hr`); community
//!   reports say snake_case names are refused with `422`.
//!
//! # Errors
//! A timeout, a 5xx, a body that is not JSON or JSON of the wrong shape
//! becomes a tool result with `isError: true` whose text says which call
//! failed and how ([`GammaError`]), so the model can tell the user or retry;
//! the server itself carries on. A slug that names nothing is a failed call
//! too (`isError: true`, so the model knows it got no market), whose text
//! suggests `search_markets`. A `limit` outside 1–50 never reaches Gamma: the
//! range is in the tool's input schema, so the model sees it, and the server
//! checks it before the handler runs.
//!
//! Tests: `tests/polymarket.rs` runs these tools over HTTP against a local
//! stand-in for Gamma (`tests/support/gamma.rs`).

use std::error::Error;
use std::fmt;
use std::time::Duration;

use remote_mcp::outbound::{Outbound, OutboundError};
use remote_mcp::{
    App, McpServer, Param, SingleUserProvider, Tool, ToolCall, ToolError, ToolResult,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Polymarket's public catalogue API.
pub const DEFAULT_API_URL: &str = "https://gamma-api.polymarket.com";
/// Where a market is shown to people.
const SITE: &str = "https://polymarket.com/event";
/// The most results a tool asks for (Gamma's rate limit is generous; an
/// answer claude.ai can read is not).
const MAX_LIMIT: u32 = 50;

fn main() {
    if let Err(e) = run() {
        eprintln!("polymarket example: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let gamma = Gamma::from_env()?;
    remote_mcp::log::event(
        "INFO",
        &format!("Polymarket Gamma API at {}", gamma.base_url),
    );
    // Public data: no sign-in upstream, and one user as far as our own
    // authorization server is concerned (it still runs: claude.ai needs it).
    App::new(build(gamma))
        .provider(SingleUserProvider::new())
        .run()
}

/// The MCP server: three tools over one [`Gamma`] client, the server's
/// state ([`McpServer::with_state`]): each handler is a plain `fn` that gets it.
pub fn build(gamma: Gamma) -> McpServer {
    McpServer::new("polymarket")
        .title("Polymarket")
        .instructions(
            "Live prediction-market odds from Polymarket (public data, read-only). \
             A price is the market's implied probability: 0.65 = 65 %. \
             Use top_markets for what is trading now, search_markets to find a topic, \
             get_market for one market by its slug or polymarket.com URL.",
        )
        .with_state(gamma)
        .tool(
            Tool::new(
                "top_markets",
                "The most traded open Polymarket markets right now (by 24-hour volume), \
                 with each outcome's price (its implied probability).",
            )
            .arg(
                Param::integer("limit", "How many markets")
                    .range(1, MAX_LIMIT)
                    .default(10),
            )
            .read_only()
            .open_world(true)
            .handler_with_state(top_markets),
        )
        .tool(
            Tool::new(
                "get_market",
                "One Polymarket market (or every market of an event) by its slug, \
                 with outcome prices, volume, liquidity and end date.",
            )
            .arg(Param::string(
                "slug",
                "The slug or the polymarket.com URL, e.g. fed-decision-in-december",
            ))
            .read_only()
            .open_world(true)
            .handler_with_state(get_market),
        )
        .tool(
            Tool::new(
                "search_markets",
                "Search Polymarket for events and markets about a topic; shows the open \
                 markets of each matching event with their prices.",
            )
            .arg(Param::string("query", "Words to search for, e.g. bitcoin").min(1))
            .arg(
                Param::integer("limit", "How many events")
                    .range(1, MAX_LIMIT)
                    .default(5),
            )
            .read_only()
            .open_world(true)
            .handler_with_state(search_markets),
        )
}

/// `top_markets`' arguments (the server checked them against the schema).
#[derive(Deserialize)]
struct Top {
    #[serde(default = "ten")]
    limit: u32,
}

fn ten() -> u32 {
    10
}

/// `get_market`'s arguments.
#[derive(Deserialize)]
struct Slug {
    slug: String,
}

/// `search_markets`' arguments.
#[derive(Deserialize)]
struct Search {
    query: String,
    #[serde(default = "five")]
    limit: u32,
}

fn five() -> u32 {
    5
}

// ── The tools ──────────────────────────────────────────────────────────────

fn top_markets(gamma: &Gamma, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let Top { limit } = call.args()?;
    let limit = limit.to_string();
    let path = "/markets";
    let answer = gamma.get(
        path,
        &[
            ("limit", limit.as_str()),
            ("active", "true"),
            ("closed", "false"),
            ("order", "volume24hr"),
            ("ascending", "false"),
        ],
    )?;
    let markets = list_of(path, &answer, "a list of markets")?
        .iter()
        .map(Market::from_json)
        .collect::<Vec<_>>();
    if markets.is_empty() {
        return Ok("Polymarket lists no open markets right now.".into());
    }
    let mut text = format!(
        "Top {} open Polymarket markets by 24-hour volume:\n",
        markets.len()
    );
    for (i, m) in markets.iter().enumerate() {
        text.push_str(&format!("\n{}. {}", i + 1, m.render()));
    }
    Ok(ToolResult::text(text).with_structured(
        json!({ "markets": markets.iter().map(Market::to_json).collect::<Vec<_>>() }),
    ))
}

fn get_market(gamma: &Gamma, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let Slug { slug } = call.args()?;
    let slug = slug_from(&slug)?;
    // A market first: its slug is what the API calls a market's name.
    match gamma.get(&format!("/markets/slug/{slug}"), &[]) {
        Ok(answer) => {
            let market = object_of(&format!("/markets/slug/{slug}"), &answer, "a market")?;
            let m = Market::from_json(market);
            return Ok(
                ToolResult::text(m.render()).with_structured(json!({ "market": m.to_json() }))
            );
        }
        Err(GammaError::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    // Then an event: a polymarket.com/event/… URL names an event, which holds
    // one market (a yes/no question) or several (one per candidate, date…).
    let path = format!("/events/slug/{slug}");
    match gamma.get(&path, &[]) {
        Ok(answer) => {
            let event = Event::from_json(object_of(&path, &answer, "an event")?);
            Ok(ToolResult::text(event.render(true))
                .with_structured(json!({ "event": event.to_json() })))
        }
        // A failed call (isError), so the model knows it got nothing.
        Err(GammaError::NotFound { .. }) => Err(format!(
            "Polymarket has no market or event with the slug \"{slug}\". \
             Use search_markets to find the right one."
        )
        .into()),
        Err(e) => Err(e.into()),
    }
}

fn search_markets(gamma: &Gamma, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let Search { query, limit } = call.args()?;
    let query = query.trim();
    if query.is_empty() {
        return Err("`query` is empty: give a word or two to search for.".into());
    }
    let limit = limit.to_string();
    let path = "/public-search";
    let answer = gamma.get(path, &[("q", query), ("limit_per_type", limit.as_str())])?;
    let found = object_of(path, &answer, "search results")?;
    let events = match found.get("events") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(events)) => events.iter().map(Event::from_json).collect(),
        Some(_) => {
            return Err(GammaError::Shape {
                path: path.to_string(),
                expected: "a list under \"events\"",
            }
            .into());
        }
    };
    if events.is_empty() {
        return Ok(format!("No Polymarket events match \"{query}\".").into());
    }
    let mut text = format!("Polymarket events matching \"{query}\":\n");
    for event in &events {
        text.push('\n');
        text.push_str(&event.render(false));
    }
    Ok(ToolResult::text(text).with_structured(
        json!({ "events": events.iter().map(Event::to_json).collect::<Vec<_>>() }),
    ))
}

/// The slug inside what the user gave: a bare slug, or a polymarket.com URL
/// (`https://polymarket.com/event/some-slug?tid=…` → `some-slug`). It goes into
/// a URL path, so only the characters slugs are made of pass.
fn slug_from(input: &str) -> Result<String, ToolError> {
    let without_query = input.trim().split(['?', '#']).next().unwrap_or("");
    let slug = without_query
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let valid = !slug.is_empty()
        && slug.len() <= 200
        && slug.chars().any(|c| c.is_ascii_alphanumeric())
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(slug.to_string())
    } else {
        Err(format!(
            "\"{input}\" is not a Polymarket slug: expected something like \
             fed-decision-in-december or a polymarket.com/event/… URL."
        )
        .into())
    }
}

// ── The upstream client ────────────────────────────────────────────────────

/// A client for Gamma: its base URL and an [`Outbound`] with a deadline.
#[derive(Debug, Clone)]
pub struct Gamma {
    base_url: String,
    http: Outbound,
}

impl Gamma {
    /// A client for the API at `base_url` (e.g. [`DEFAULT_API_URL`]), with
    /// the default 10 s deadline per call.
    pub fn new(base_url: &str) -> Gamma {
        Gamma {
            base_url: base_url.trim_end_matches('/').to_string(),
            http: Outbound::new(concat!(
                "remote-mcp-polymarket-example/",
                env!("CARGO_PKG_VERSION")
            )),
        }
    }

    /// [`DEFAULT_API_URL`], or `POLYMARKET_API_URL` if set.
    pub fn from_env() -> Result<Gamma, String> {
        match std::env::var("POLYMARKET_API_URL") {
            Ok(url) if !url.trim().is_empty() => {
                let url = url.trim();
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(format!(
                        "POLYMARKET_API_URL: {url:?} is not an http(s) URL; \
                         expected e.g. {DEFAULT_API_URL}"
                    ));
                }
                Ok(Gamma::new(url))
            }
            _ => Ok(Gamma::new(DEFAULT_API_URL)),
        }
    }

    /// Replaces the deadline of each call (builder style).
    pub fn timeout(mut self, timeout: Duration) -> Gamma {
        self.http = self.http.timeout(timeout);
        self
    }

    /// `GET {base}{path}?query` → the JSON body of a 200, or why not.
    fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, GammaError> {
        let url = format!("{}{path}", self.base_url);
        let failed = |e: GammaError| {
            remote_mcp::log::event("WARNING", &format!("polymarket: {e}"));
            e
        };
        let reply = self
            .http
            .get(&url, query, &[("Accept", "application/json")])
            .map_err(|error| {
                failed(GammaError::Call {
                    path: path.to_string(),
                    error,
                })
            })?;
        match reply.status {
            200 => reply.json().map_err(|error| {
                failed(GammaError::Call {
                    path: path.to_string(),
                    error,
                })
            }),
            404 => Err(GammaError::NotFound {
                path: path.to_string(),
            }),
            status => Err(failed(GammaError::Status {
                path: path.to_string(),
                status,
            })),
        }
    }
}

/// Why a Gamma call gave no usable answer. Each becomes an `isError` tool
/// result whose text is the `Display` below.
#[derive(Debug)]
pub enum GammaError {
    /// 404: the slug (or id) names nothing. Tools turn this into a normal answer.
    NotFound {
        /// The path asked for.
        path: String,
    },
    /// Any other non-200 status (5xx outage, 429 throttling, 422 bad query).
    Status {
        /// The path asked for.
        path: String,
        /// The status received.
        status: u16,
    },
    /// No answer (timeout, connection), or a body that is not JSON.
    Call {
        /// The path asked for.
        path: String,
        /// What went wrong.
        error: OutboundError,
    },
    /// JSON, but not the shape Gamma documents.
    Shape {
        /// The path asked for.
        path: String,
        /// What was expected there.
        expected: &'static str,
    },
}

impl fmt::Display for GammaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GammaError::NotFound { path } => write!(f, "Polymarket has nothing at GET {path}."),
            GammaError::Status { path, status } if *status >= 500 => write!(
                f,
                "Polymarket's API failed (GET {path} answered HTTP {status}). \
                 It is probably a passing outage: try again in a minute."
            ),
            GammaError::Status { path, status: 429 } => write!(
                f,
                "Polymarket's API is rate-limiting this server (GET {path} answered HTTP 429). \
                 Try again in a few seconds."
            ),
            GammaError::Status { path, status } => {
                write!(f, "Polymarket's API refused GET {path} with HTTP {status}.")
            }
            GammaError::Call {
                path,
                error: OutboundError::Timeout(d),
            } => write!(
                f,
                "Polymarket's API did not answer GET {path} within {} s. Try again later.",
                d.as_secs_f64()
            ),
            GammaError::Call { path, error } => {
                write!(
                    f,
                    "Polymarket's API could not be used (GET {path}: {error})."
                )
            }
            GammaError::Shape { path, expected } => write!(
                f,
                "Polymarket's API answered GET {path} with JSON of an unexpected shape \
                 (expected {expected}); its format may have changed."
            ),
        }
    }
}

impl From<GammaError> for ToolError {
    fn from(e: GammaError) -> ToolError {
        ToolError::msg(e)
    }
}

/// The JSON array a list endpoint answers, or a [`GammaError::Shape`].
fn list_of<'a>(
    path: &str,
    answer: &'a Value,
    expected: &'static str,
) -> Result<&'a Vec<Value>, GammaError> {
    answer.as_array().ok_or(GammaError::Shape {
        path: path.to_string(),
        expected,
    })
}

/// The JSON object a single-item endpoint answers, or a [`GammaError::Shape`].
fn object_of<'a>(
    path: &str,
    answer: &'a Value,
    expected: &'static str,
) -> Result<&'a Value, GammaError> {
    if answer.is_object() {
        Ok(answer)
    } else {
        Err(GammaError::Shape {
            path: path.to_string(),
            expected,
        })
    }
}

// ── Gamma's data, read leniently ───────────────────────────────────────────

/// One market, as much of it as the tools show.
#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    /// e.g. "Will Bitcoin reach $100k in 2026?"
    pub question: String,
    /// The market's slug.
    pub slug: String,
    /// The slug of its (first) event: the page on polymarket.com.
    pub event_slug: Option<String>,
    /// Outcomes with their prices, or why they could not be read.
    pub outcomes: Result<Vec<Outcome>, String>,
    /// `volume24hr`, dollars.
    pub volume_24h: Option<f64>,
    /// `volumeNum` (or `volume`), dollars.
    pub volume: Option<f64>,
    /// `liquidityNum` (or `liquidity`), dollars.
    pub liquidity: Option<f64>,
    /// `endDate`, ISO 8601.
    pub end_date: Option<String>,
    /// Whether trading has ended.
    pub closed: bool,
}

/// One outcome and its price (0–1: the implied probability), when listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// e.g. "Yes".
    pub name: String,
    /// e.g. 0.65.
    pub price: Option<f64>,
}

impl Market {
    /// Reads a market object. Missing fields are left empty rather than
    /// refused: Gamma omits many of them on some markets.
    pub fn from_json(m: &Value) -> Market {
        let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        Market {
            question: text("question").unwrap_or_else(|| "(untitled market)".into()),
            slug: text("slug").unwrap_or_default(),
            event_slug: m
                .get("events")
                .and_then(|e| e.get(0))
                .and_then(|e| e.get("slug"))
                .and_then(Value::as_str)
                .map(str::to_string),
            outcomes: outcomes(m.get("outcomes"), m.get("outcomePrices")),
            volume_24h: number(m.get("volume24hr")),
            volume: number(m.get("volumeNum")).or_else(|| number(m.get("volume"))),
            liquidity: number(m.get("liquidityNum")).or_else(|| number(m.get("liquidity"))),
            end_date: text("endDate"),
            closed: m.get("closed").and_then(Value::as_bool).unwrap_or(false),
        }
    }

    /// Where people see the market.
    pub fn url(&self) -> String {
        format!(
            "{SITE}/{}",
            self.event_slug.as_deref().unwrap_or(&self.slug)
        )
    }

    /// Two to four lines of text.
    fn render(&self) -> String {
        let mut text = format!("{}\n   {}", self.question, self.render_outcomes());
        let mut facts = Vec::new();
        if let Some(v) = self.volume_24h {
            facts.push(format!("24h volume {}", dollars(v)));
        }
        if let Some(v) = self.volume {
            facts.push(format!("total volume {}", dollars(v)));
        }
        if let Some(v) = self.liquidity {
            facts.push(format!("liquidity {}", dollars(v)));
        }
        if let Some(d) = &self.end_date {
            let verb = if self.closed { "ended" } else { "ends" };
            facts.push(format!("{verb} {}", d.get(..10).unwrap_or(d)));
        }
        if !facts.is_empty() {
            text.push_str(&format!("\n   {}", facts.join(" · ")));
        }
        text.push_str(&format!("\n   {}  (slug: {})", self.url(), self.slug));
        text
    }

    fn render_outcomes(&self) -> String {
        match &self.outcomes {
            Ok(list) if list.is_empty() => "(no outcomes listed)".into(),
            Ok(list) => list
                .iter()
                .map(|o| match o.price {
                    Some(p) => format!("{} {}", o.name, percent(p)),
                    None => format!("{} (no price)", o.name),
                })
                .collect::<Vec<_>>()
                .join(" · "),
            Err(why) => format!("(outcomes unreadable: {why})"),
        }
    }

    /// The market as `structuredContent`: outcomes as a real array, prices as numbers.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("question".into(), self.question.clone().into());
        o.insert("slug".into(), self.slug.clone().into());
        o.insert("url".into(), self.url().into());
        match &self.outcomes {
            Ok(list) => {
                let list: Vec<Value> = list
                    .iter()
                    .map(|x| json!({"name": x.name, "price": x.price}))
                    .collect();
                o.insert("outcomes".into(), list.into());
            }
            Err(why) => {
                o.insert("outcomes".into(), Value::Null);
                o.insert("outcomesError".into(), why.clone().into());
            }
        }
        o.insert("volume24hr".into(), json!(self.volume_24h));
        o.insert("volume".into(), json!(self.volume));
        o.insert("liquidity".into(), json!(self.liquidity));
        o.insert("endDate".into(), json!(self.end_date));
        o.insert("closed".into(), self.closed.into());
        Value::Object(o)
    }
}

/// One event: a title and its markets.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// e.g. "Fed decision in December?"
    pub title: String,
    /// The event's slug (its polymarket.com page).
    pub slug: String,
    /// Its markets.
    pub markets: Vec<Market>,
}

impl Event {
    /// Reads an event object and its `markets`.
    pub fn from_json(e: &Value) -> Event {
        let slug = e
            .get("slug")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let markets = e
            .get("markets")
            .and_then(Value::as_array)
            .map(|ms| {
                ms.iter()
                    .map(|m| {
                        let mut market = Market::from_json(m);
                        market.event_slug.get_or_insert_with(|| slug.clone());
                        market
                    })
                    .collect()
            })
            .unwrap_or_default();
        Event {
            title: e
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("(untitled event)")
                .to_string(),
            slug,
            markets,
        }
    }

    /// The event and its open markets (all of them with `include_closed`).
    fn render(&self, include_closed: bool) -> String {
        let mut text = format!("{} — {SITE}/{}", self.title, self.slug);
        let shown: Vec<&Market> = self
            .markets
            .iter()
            .filter(|m| include_closed || !m.closed)
            .collect();
        if shown.is_empty() {
            text.push_str("\n   (no open markets)");
        }
        for m in shown {
            text.push_str(&format!(
                "\n   • {}: {}{}",
                m.question,
                m.render_outcomes(),
                if m.closed { " (closed)" } else { "" }
            ));
        }
        text
    }

    /// The event as `structuredContent`.
    pub fn to_json(&self) -> Value {
        json!({
            "title": self.title,
            "slug": self.slug,
            "url": format!("{SITE}/{}", self.slug),
            "markets": self.markets.iter().map(Market::to_json).collect::<Vec<_>>(),
        })
    }
}

/// Pairs `outcomes` with `outcomePrices`. Either may be a JSON array or a
/// string holding one; prices may be decimal strings or numbers. A market
/// without prices yet gets `price: None`; lists of different lengths are
/// refused (pairing them would put a price on the wrong outcome).
pub fn outcomes(names: Option<&Value>, prices: Option<&Value>) -> Result<Vec<Outcome>, String> {
    let names = json_list(names).map_err(|e| format!("outcomes {e}"))?;
    let prices = json_list(prices).map_err(|e| format!("outcomePrices {e}"))?;
    if !prices.is_empty() && prices.len() != names.len() {
        return Err(format!(
            "{} outcomes but {} prices",
            names.len(),
            prices.len()
        ));
    }
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name = name
                .as_str()
                .ok_or_else(|| format!("outcome {i} is not a string"))?;
            let price = match prices.get(i) {
                None => None,
                Some(p) => {
                    Some(number(Some(p)).ok_or_else(|| format!("price {i} is not a number"))?)
                }
            };
            Ok(Outcome {
                name: name.to_string(),
                price,
            })
        })
        .collect()
}

/// A list sent either as a JSON array or as a string holding one
/// (`"[\"Yes\", \"No\"]"`); absent or `null` is an empty list.
pub fn json_list(value: Option<&Value>) -> Result<Vec<Value>, String> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Vec::new()),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => Ok(items),
            Ok(_) => Err("is a string that does not hold a list".into()),
            Err(e) => Err(format!("is a string that is not valid JSON ({e})")),
        },
        Some(_) => Err("is neither a list nor a string".into()),
    }
}

/// A number sent as a JSON number or a decimal string (`"0.65"`, `"1234.5"`).
pub fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    }
}

/// `0.655` → `65.5%`.
fn percent(price: f64) -> String {
    let p = format!("{:.1}", price * 100.0);
    format!("{}%", p.strip_suffix(".0").unwrap_or(&p))
}

/// `1234567.8` → `$1,234,568`.
fn dollars(amount: f64) -> String {
    let whole = format!("{:.0}", amount.abs());
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount < 0.0 { "-" } else { "" };
    format!("{sign}${grouped}")
}
