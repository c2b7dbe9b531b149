//! A local stand-in for Polymarket's Gamma API: a real HTTP server (our own
//! `remote_mcp::http::Server`) on 127.0.0.1 that answers the endpoints the
//! example uses with Gamma's documented shapes — `outcomes` and
//! `outcomePrices` as strings holding JSON arrays, `volume` as a string,
//! `volumeNum`/`volume24hr` as numbers — and that can be told to fail
//! (5xx, slowness, a body that is not JSON, JSON of the wrong shape).
//!
//! It really filters, orders and limits, so a test that gets the right
//! markets back has also proved that the right query was sent. Every request
//! it receives is recorded for the tests to inspect.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use remote_mcp::http::{Limits, Request, Response, Server};
use serde_json::{Value, json};

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Behaviour {
    /// Like Gamma.
    Normal,
    /// Every request gets this status with a small JSON error body.
    Status(u16),
    /// Every request waits this long, then answers normally.
    Slow(Duration),
    /// `200` with an HTML page (what a CDN error page looks like).
    NotJson,
    /// `200` with JSON of the wrong shape (an object where a list belongs, and back).
    WrongShape,
}

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    pub user_agent: Option<String>,
    pub accept: Option<String>,
}

impl Seen {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A running stand-in.
pub struct StandIn {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    /// Every request received so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a stand-in on 127.0.0.1 and a free port.
pub fn start(behaviour: Behaviour) -> StandIn {
    let limits = Limits {
        shutdown_grace: Duration::from_millis(100),
        ..Limits::default()
    };
    let server = Server::bind("127.0.0.1:0", limits).unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        server.serve(Arc::new(move |request: Request| {
            let query = decode_query(&request.query);
            log.lock().unwrap().push(Seen {
                method: request.method.clone(),
                path: request.path.clone(),
                query: query.clone(),
                user_agent: request.header("User-Agent").map(str::to_string),
                accept: request.header("Accept").map(str::to_string),
            });
            answer(behaviour, &request, &query)
        }))
    });
    StandIn { url, seen }
}

fn answer(behaviour: Behaviour, request: &Request, query: &[(String, String)]) -> Response {
    match behaviour {
        Behaviour::Normal => gamma(request, query),
        Behaviour::Status(status) => Response::json(
            status,
            &json!({"type": "error", "error": "upstream connect error"}),
        ),
        Behaviour::Slow(delay) => {
            std::thread::sleep(delay);
            gamma(request, query)
        }
        Behaviour::NotJson => Response::bytes(
            200,
            "text/html",
            "<html><body>502 Bad Gateway</body></html>",
        ),
        Behaviour::WrongShape => {
            if request.path == "/markets" {
                Response::json(200, &json!({"data": markets()}))
            } else {
                Response::json(200, &json!([{"slug": "x"}]))
            }
        }
    }
}

/// The endpoints, as Gamma answers them.
fn gamma(request: &Request, query: &[(String, String)]) -> Response {
    let param = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let not_found = || {
        Response::json(
            404,
            &json!({"type": "not found error", "error": "id not found"}),
        )
    };
    if request.method != "GET" {
        return Response::json(405, &json!({"error": "method not allowed"}));
    }
    let path = request.path.as_str();
    if path == "/markets" {
        let mut list = markets();
        if let Some(closed) = param("closed") {
            list.retain(|m| m["closed"].as_bool().map(|c| c.to_string()) == Some(closed.into()));
        }
        if let Some(active) = param("active") {
            list.retain(|m| m["active"].as_bool().map(|c| c.to_string()) == Some(active.into()));
        }
        if let Some(slug) = param("slug") {
            list.retain(|m| m["slug"] == slug);
        }
        if let Some(order) = param("order") {
            // Gamma's order names are its camelCase field names.
            if !["volume24hr", "volumeNum", "liquidityNum", "endDate"].contains(&order) {
                return Response::json(
                    422,
                    &json!({"error": format!("invalid order field {order}")}),
                );
            }
            list.sort_by(|a, b| {
                let (x, y) = (
                    a[order].as_f64().unwrap_or(0.0),
                    b[order].as_f64().unwrap_or(0.0),
                );
                x.partial_cmp(&y).unwrap()
            });
            if param("ascending") != Some("true") {
                list.reverse();
            }
        }
        let limit = param("limit").and_then(|l| l.parse().ok()).unwrap_or(20);
        list.truncate(limit);
        return Response::json(200, &Value::Array(list));
    }
    if let Some(slug) = path.strip_prefix("/markets/slug/") {
        return match markets().into_iter().find(|m| m["slug"] == slug) {
            Some(m) => Response::json(200, &m),
            None => not_found(),
        };
    }
    if path == "/events" {
        return Response::json(200, &Value::Array(events()));
    }
    if let Some(slug) = path.strip_prefix("/events/slug/") {
        return match events().into_iter().find(|e| e["slug"] == slug) {
            Some(e) => Response::json(200, &e),
            None => not_found(),
        };
    }
    if path == "/public-search" {
        let Some(q) = param("q") else {
            return Response::json(422, &json!({"error": "q is required"}));
        };
        let q = q.to_lowercase();
        let mut found: Vec<Value> = events()
            .into_iter()
            .filter(|e| e["title"].as_str().unwrap().to_lowercase().contains(&q))
            .collect();
        let total = found.len();
        let limit = param("limit_per_type")
            .and_then(|l| l.parse().ok())
            .unwrap_or(10);
        found.truncate(limit);
        return Response::json(
            200,
            &json!({"events": found, "tags": [], "profiles": [],
                    "pagination": {"hasMore": total > limit, "totalResults": total}}),
        );
    }
    not_found()
}

/// Five markets in Gamma's shapes. Volumes differ so the order is visible;
/// `btc-150k` is closed; `ufo-disclosure` sends real arrays and numeric
/// prices (the other form clients must accept); `broken-outcomes` has an
/// unreadable `outcomes` string.
pub fn markets() -> Vec<Value> {
    vec![
        json!({
            "id": "501", "question": "Will Bitcoin reach $100k by December 31?",
            "conditionId": "0xaaa", "slug": "btc-100k-dec-31",
            "endDate": "2026-12-31T12:00:00Z", "active": true, "closed": false,
            "outcomes": "[\"Yes\", \"No\"]", "outcomePrices": "[\"0.655\", \"0.345\"]",
            "clobTokenIds": "[\"1234567890123456789\", \"9876543210987654321\"]",
            "volume": "1234567.89", "volumeNum": 1234567.89, "volume24hr": 250000.4,
            "liquidity": "45000.5", "liquidityNum": 45000.5,
            "events": [{"id": "90", "slug": "bitcoin-price-december", "title": "Bitcoin price in December"}]
        }),
        json!({
            "id": "502", "question": "Fed cuts rates in December?",
            "conditionId": "0xbbb", "slug": "fed-cut-december",
            "endDate": "2026-12-10T00:00:00Z", "active": true, "closed": false,
            "outcomes": "[\"Yes\", \"No\"]", "outcomePrices": "[\"0.12\", \"0.88\"]",
            "volume": "9000000", "volumeNum": 9000000.0, "volume24hr": 900000.0,
            "liquidity": "300000", "liquidityNum": 300000.0,
            "events": [{"id": "91", "slug": "fed-decision-in-december", "title": "Fed decision in December?"}]
        }),
        json!({
            "id": "503", "question": "Will Bitcoin reach $150k by June 30?",
            "conditionId": "0xccc", "slug": "btc-150k", "endDate": "2026-06-30T00:00:00Z",
            "active": true, "closed": true,
            "outcomes": "[\"Yes\", \"No\"]", "outcomePrices": "[\"0\", \"1\"]",
            "volume": "5000000", "volumeNum": 5000000.0, "volume24hr": 5000000.0,
            "liquidity": "0", "liquidityNum": 0.0,
            "events": [{"id": "90", "slug": "bitcoin-price-december"}]
        }),
        json!({
            "id": "504", "question": "UFO disclosure this year?",
            "slug": "ufo-disclosure", "endDate": "2026-12-31T00:00:00Z",
            "active": true, "closed": false,
            "outcomes": ["Yes", "No"], "outcomePrices": [0.03, 0.97],
            "volume": "1500.5", "volume24hr": 10.0, "liquidity": "200"
        }),
        json!({
            "id": "505", "question": "Broken market?", "slug": "broken-outcomes",
            "active": true, "closed": false,
            "outcomes": "[\"Yes\", \"No\"", "outcomePrices": "[\"0.5\", \"0.5\"]",
            "volumeNum": 5.0, "volume24hr": 1.0, "liquidityNum": 1.0
        }),
    ]
}

/// Two events: one with two markets (one of them closed), one with a single market.
pub fn events() -> Vec<Value> {
    let m = markets();
    vec![
        json!({
            "id": "90", "slug": "bitcoin-price-december", "title": "Bitcoin price in December",
            "active": true, "closed": false, "volume": 6234567.89, "liquidity": 45000.5,
            "markets": [m[0].clone(), m[2].clone()]
        }),
        json!({
            "id": "91", "slug": "fed-decision-in-december", "title": "Fed decision in December?",
            "active": true, "closed": false, "volume": 9000000.0, "liquidity": 300000.0,
            "markets": [m[1].clone()]
        }),
    ]
}

/// `a=1&b=two%20words` → pairs (`+` is a space, as in forms).
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(n), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
