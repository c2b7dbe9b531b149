//! The Polymarket example's tools over a real socket, against a local
//! stand-in for the Gamma API on 127.0.0.1 (`support/gamma.rs`): what is asked
//! upstream, how Gamma's string-encoded outcomes and prices are read, and how
//! every kind of upstream failure becomes an `isError` result while the
//! server keeps serving. (MCP 2025-11-25 `server/tools#error-handling`.)

#[path = "support/gamma.rs"]
mod gamma;
#[path = "support/mcp_client.rs"]
mod mcp_client;
#[allow(dead_code)] // its `main` is not called here
#[path = "../examples/polymarket.rs"]
mod polymarket;

use std::time::Duration;

use gamma::Behaviour;
use mcp_client::{rpc, start};
use polymarket::Gamma;
use remote_mcp::RunningServer;
use serde_json::{Value, json};

/// The example's MCP server, talking to `upstream`.
fn server(upstream: &gamma::StandIn) -> RunningServer {
    start(polymarket::build(Gamma::new(&upstream.url)))
}

/// `tools/call` → the `CallToolResult`.
fn call(srv: &RunningServer, name: &str, arguments: Value) -> Value {
    let r = rpc(
        srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": name, "arguments": arguments}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["result"].clone()
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap()
}

#[test]
fn tools_list_shows_three_read_only_tools() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    let r = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    );
    let tools = r.json()["result"]["tools"].clone();
    let names: Vec<&str> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["top_markets", "get_market", "search_markets"]);
    for t in tools.as_array().unwrap() {
        assert_eq!(
            t["annotations"],
            json!({"readOnlyHint": true, "openWorldHint": true})
        );
    }
    assert_eq!(tools[1]["inputSchema"]["required"], json!(["slug"]));
    assert!(
        upstream.requests().is_empty(),
        "listing calls nothing upstream"
    );
}

#[test]
fn top_markets_asks_for_open_markets_by_24h_volume_and_reads_the_prices() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    let result = call(&srv, "top_markets", json!({"limit": 3}));
    assert_eq!(result["isError"], false);

    // ── What went upstream: one GET with the documented filters ──
    let seen = upstream.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/markets");
    assert_eq!(
        seen[0].query,
        [
            ("limit", "3"),
            ("active", "true"),
            ("closed", "false"),
            ("order", "volume24hr"),
            ("ascending", "false")
        ]
        .map(|(n, v)| (n.to_string(), v.to_string()))
    );
    assert!(
        seen[0]
            .user_agent
            .as_deref()
            .unwrap()
            .starts_with("remote-mcp-polymarket-example/"),
        "{:?}",
        seen[0].user_agent
    );
    assert_eq!(seen[0].accept.as_deref(), Some("application/json"));

    // ── What came back: the three busiest open markets, closed one left out ──
    let markets = result["structuredContent"]["markets"].as_array().unwrap();
    let slugs: Vec<&str> = markets
        .iter()
        .map(|m| m["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        ["fed-cut-december", "btc-100k-dec-31", "ufo-disclosure"]
    );
    // Outcomes and prices arrived as strings holding JSON arrays…
    assert_eq!(
        markets[1],
        json!({
            "question": "Will Bitcoin reach $100k by December 31?",
            "slug": "btc-100k-dec-31",
            "url": "https://polymarket.com/event/bitcoin-price-december",
            "outcomes": [{"name": "Yes", "price": 0.655}, {"name": "No", "price": 0.345}],
            "volume24hr": 250000.4, "volume": 1234567.89, "liquidity": 45000.5,
            "endDate": "2026-12-31T12:00:00Z", "closed": false
        })
    );
    // …and as real arrays with numeric prices; volume/liquidity only as strings.
    assert_eq!(
        markets[2]["outcomes"],
        json!([{"name": "Yes", "price": 0.03}, {"name": "No", "price": 0.97}])
    );
    assert_eq!(markets[2]["volume"], 1500.5);
    assert_eq!(markets[2]["liquidity"], 200.0);
    assert_eq!(
        markets[2]["url"],
        "https://polymarket.com/event/ufo-disclosure"
    );

    let text = text(&result);
    assert!(
        text.starts_with("Top 3 open Polymarket markets by 24-hour volume:\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\n1. Fed cuts rates in December?\n   Yes 12% · No 88%\n   \
             24h volume $900,000 · total volume $9,000,000 · liquidity $300,000 · ends 2026-12-10\n   \
             https://polymarket.com/event/fed-decision-in-december  (slug: fed-cut-december)"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n2. Will Bitcoin reach $100k by December 31?\n   Yes 65.5% · No 34.5%\n"),
        "{text}"
    );
}

#[test]
fn top_markets_defaults_to_ten_and_survives_one_unreadable_market() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    let result = call(&srv, "top_markets", json!({}));
    assert_eq!(upstream.requests()[0].param("limit"), Some("10"));
    assert_eq!(result["isError"], false);
    let markets = result["structuredContent"]["markets"].as_array().unwrap();
    assert_eq!(markets.len(), 4, "four open markets in the stand-in");
    let broken = &markets[3];
    assert_eq!(broken["slug"], "broken-outcomes");
    assert_eq!(broken["outcomes"], Value::Null);
    assert!(
        broken["outcomesError"]
            .as_str()
            .unwrap()
            .starts_with("outcomes is a string that is not valid JSON"),
        "{broken}"
    );
    assert!(
        text(&result).contains("Broken market?\n   (outcomes unreadable: outcomes is a string")
    );
}

#[test]
fn a_limit_outside_1_to_50_is_refused_without_calling_upstream() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    // The range is in the schema, so clients and models see it before calling.
    let tools = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .json();
    let limit = &tools["result"]["tools"][0]["inputSchema"]["properties"]["limit"];
    assert_eq!(
        (&limit["minimum"], &limit["maximum"], &limit["default"]),
        (&json!(1), &json!(50), &json!(10))
    );
    for (bad, why) in [(0, "at least 1"), (51, "at most 50"), (-3, "at least 1")] {
        let result = call(&srv, "top_markets", json!({"limit": bad}));
        assert_eq!(result["isError"], true);
        assert_eq!(
            text(&result),
            format!("Invalid arguments for tool `top_markets`:\n- `limit` must be {why}")
        );
    }
    let result = call(&srv, "top_markets", json!({"limit": "ten"}));
    assert_eq!(
        text(&result),
        "Invalid arguments for tool `top_markets`:\n- `limit` must be an integer, not a string"
    );
    assert!(upstream.requests().is_empty());
}

#[test]
fn get_market_finds_a_market_by_slug() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    let result = call(&srv, "get_market", json!({"slug": "btc-100k-dec-31"}));
    assert_eq!(result["isError"], false);
    assert_eq!(upstream.requests()[0].path, "/markets/slug/btc-100k-dec-31");
    assert_eq!(
        result["structuredContent"]["market"]["outcomes"],
        json!([{"name": "Yes", "price": 0.655}, {"name": "No", "price": 0.345}])
    );
    assert_eq!(
        text(&result),
        "Will Bitcoin reach $100k by December 31?\n   Yes 65.5% · No 34.5%\n   \
         24h volume $250,000 · total volume $1,234,568 · liquidity $45,000 · ends 2026-12-31\n   \
         https://polymarket.com/event/bitcoin-price-december  (slug: btc-100k-dec-31)"
    );
}

#[test]
fn get_market_with_an_event_url_falls_back_to_the_event_and_its_markets() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    let result = call(
        &srv,
        "get_market",
        json!({"slug": "https://polymarket.com/event/bitcoin-price-december?tid=17"}),
    );
    assert_eq!(result["isError"], false);
    let paths: Vec<String> = upstream.requests().into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "/markets/slug/bitcoin-price-december",
            "/events/slug/bitcoin-price-december"
        ]
    );
    assert_eq!(
        text(&result),
        "Bitcoin price in December — https://polymarket.com/event/bitcoin-price-december\n   \
         • Will Bitcoin reach $100k by December 31?: Yes 65.5% · No 34.5%\n   \
         • Will Bitcoin reach $150k by June 30?: Yes 0% · No 100% (closed)"
    );
    let event = &result["structuredContent"]["event"];
    assert_eq!(event["slug"], "bitcoin-price-december");
    assert_eq!(event["markets"][1]["closed"], true);
}

#[test]
fn get_market_with_an_unknown_slug_is_an_error_that_suggests_search() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    let result = call(&srv, "get_market", json!({"slug": "no-such-market"}));
    assert_eq!(
        result["isError"], true,
        "a wrong slug found nothing: the model must know the call failed"
    );
    assert_eq!(
        text(&result),
        "Polymarket has no market or event with the slug \"no-such-market\". \
         Use search_markets to find the right one."
    );
}

#[test]
fn get_market_refuses_what_is_not_a_slug_before_calling_upstream() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    for bad in ["bad slug!", "", "/", "..", "a%2Fb"] {
        let result = call(&srv, "get_market", json!({"slug": bad}));
        assert_eq!(result["isError"], true, "{bad:?}");
        assert!(
            text(&result).ends_with(
                "is not a Polymarket slug: expected something like fed-decision-in-december \
                 or a polymarket.com/event/… URL."
            ),
            "{bad:?}: {}",
            text(&result)
        );
    }
    assert!(upstream.requests().is_empty());
}

#[test]
fn search_markets_sends_the_query_and_shows_open_markets_per_event() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    let result = call(&srv, "search_markets", json!({"query": "Bitcoin price"}));
    assert_eq!(result["isError"], false);
    let seen = upstream.requests();
    assert_eq!(seen[0].path, "/public-search");
    assert_eq!(seen[0].param("q"), Some("Bitcoin price"));
    assert_eq!(seen[0].param("limit_per_type"), Some("5"));
    assert_eq!(
        text(&result),
        "Polymarket events matching \"Bitcoin price\":\n\n\
         Bitcoin price in December — https://polymarket.com/event/bitcoin-price-december\n   \
         • Will Bitcoin reach $100k by December 31?: Yes 65.5% · No 34.5%"
    );
    // The structured copy keeps the closed market, marked as such.
    let markets = &result["structuredContent"]["events"][0]["markets"];
    assert_eq!(markets.as_array().unwrap().len(), 2);
    assert_eq!(markets[1]["closed"], true);
}

#[test]
fn search_markets_with_no_match_or_an_empty_query() {
    let upstream = gamma::start(Behaviour::Normal);
    let srv = server(&upstream);
    let result = call(
        &srv,
        "search_markets",
        json!({"query": "eurovision", "limit": 2}),
    );
    assert_eq!(result["isError"], false);
    assert_eq!(text(&result), "No Polymarket events match \"eurovision\".");
    assert_eq!(upstream.requests()[0].param("limit_per_type"), Some("2"));

    let result = call(&srv, "search_markets", json!({"query": "   "}));
    assert_eq!(result["isError"], true);
    assert_eq!(
        text(&result),
        "`query` is empty: give a word or two to search for."
    );
    assert_eq!(upstream.requests().len(), 1);
}

// ── Upstream failures: isError results, and the server goes on serving ──

#[test]
fn a_5xx_from_gamma_is_an_error_result_that_says_so() {
    let upstream = gamma::start(Behaviour::Status(503));
    let srv = server(&upstream);
    let result = call(&srv, "top_markets", json!({}));
    assert_eq!(result["isError"], true);
    assert_eq!(
        text(&result),
        "Polymarket's API failed (GET /markets answered HTTP 503). \
         It is probably a passing outage: try again in a minute."
    );
    // The event fallback of get_market is not tried on a 5xx: only a 404 means "not a market".
    let result = call(&srv, "get_market", json!({"slug": "btc-100k-dec-31"}));
    assert_eq!(
        text(&result),
        "Polymarket's API failed (GET /markets/slug/btc-100k-dec-31 answered HTTP 503). \
         It is probably a passing outage: try again in a minute."
    );
    assert_eq!(upstream.requests().len(), 2);
}

#[test]
fn throttling_and_other_statuses_are_named() {
    let upstream = gamma::start(Behaviour::Status(429));
    let srv = server(&upstream);
    let result = call(&srv, "search_markets", json!({"query": "fed"}));
    assert_eq!(result["isError"], true);
    assert_eq!(
        text(&result),
        "Polymarket's API is rate-limiting this server (GET /public-search answered HTTP 429). \
         Try again in a few seconds."
    );
    let upstream = gamma::start(Behaviour::Status(403));
    let srv = server(&upstream);
    let result = call(&srv, "top_markets", json!({}));
    assert_eq!(
        text(&result),
        "Polymarket's API refused GET /markets with HTTP 403."
    );
}

#[test]
fn a_slow_gamma_times_out_into_an_error_result_and_the_server_carries_on() {
    let upstream = gamma::start(Behaviour::Slow(Duration::from_secs(3)));
    let srv = start(polymarket::build(
        Gamma::new(&upstream.url).timeout(Duration::from_millis(300)),
    ));
    let result = call(&srv, "top_markets", json!({}));
    assert_eq!(result["isError"], true);
    assert_eq!(
        text(&result),
        "Polymarket's API did not answer GET /markets within 0.3 s. Try again later."
    );
    // The MCP server itself still answers.
    let r = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
    );
    assert_eq!(r.json()["result"], json!({}));
}

#[test]
fn a_body_that_is_not_json_is_an_error_result() {
    let upstream = gamma::start(Behaviour::NotJson);
    let srv = server(&upstream);
    let result = call(&srv, "top_markets", json!({}));
    assert_eq!(result["isError"], true);
    assert_eq!(
        text(&result),
        "Polymarket's API could not be used (GET /markets: the answer is not JSON \
         (expected value at line 1 column 1))."
    );
}

#[test]
fn json_of_the_wrong_shape_is_an_error_result() {
    let upstream = gamma::start(Behaviour::WrongShape);
    let srv = server(&upstream);
    let result = call(&srv, "top_markets", json!({}));
    assert_eq!(result["isError"], true);
    assert_eq!(
        text(&result),
        "Polymarket's API answered GET /markets with JSON of an unexpected shape \
         (expected a list of markets); its format may have changed."
    );
    let result = call(&srv, "get_market", json!({"slug": "x"}));
    assert_eq!(
        text(&result),
        "Polymarket's API answered GET /markets/slug/x with JSON of an unexpected shape \
         (expected a market); its format may have changed."
    );
}

#[test]
fn an_unreachable_gamma_is_an_error_result() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let srv = start(polymarket::build(Gamma::new(&format!(
        "http://127.0.0.1:{port}"
    ))));
    let result = call(&srv, "top_markets", json!({}));
    assert_eq!(result["isError"], true);
    assert!(
        text(&result)
            .starts_with("Polymarket's API could not be used (GET /markets: could not connect"),
        "{}",
        text(&result)
    );
}

// ── The lenient readers, on their own ──

#[test]
fn outcomes_accept_strings_holding_arrays_and_real_arrays() {
    let both = |names: Value, prices: Value| polymarket::outcomes(Some(&names), Some(&prices));
    let expected = vec![
        polymarket::Outcome {
            name: "Yes".into(),
            price: Some(0.2),
        },
        polymarket::Outcome {
            name: "No".into(),
            price: Some(0.8),
        },
    ];
    // The documented example (docs.polymarket.com, market-data overview).
    assert_eq!(
        both(json!("[\"Yes\", \"No\"]"), json!("[\"0.20\", \"0.80\"]")).unwrap(),
        expected
    );
    assert_eq!(
        both(json!(["Yes", "No"]), json!([0.2, 0.8])).unwrap(),
        expected
    );
    assert_eq!(
        both(json!("[\"Yes\", \"No\"]"), json!(["0.2", 0.8])).unwrap(),
        expected
    );
    // No prices yet: names only.
    assert_eq!(
        polymarket::outcomes(Some(&json!("[\"A\",\"B\",\"C\"]")), None).unwrap()[2],
        polymarket::Outcome {
            name: "C".into(),
            price: None
        }
    );
    // Refused: lists that do not line up, a string that is not a list, a non-number price.
    assert_eq!(
        both(json!("[\"Yes\", \"No\"]"), json!("[\"1\"]")).unwrap_err(),
        "2 outcomes but 1 prices"
    );
    assert_eq!(
        both(json!("{\"Yes\": 1}"), json!("[]")).unwrap_err(),
        "outcomes is a string that does not hold a list"
    );
    assert_eq!(
        both(json!(["Yes"]), json!(["cheap"])).unwrap_err(),
        "price 0 is not a number"
    );
    assert_eq!(
        both(json!(42), json!([])).unwrap_err(),
        "outcomes is neither a list nor a string"
    );
}

#[test]
fn numbers_are_read_from_numbers_and_decimal_strings() {
    assert_eq!(polymarket::number(Some(&json!(12.5))), Some(12.5));
    assert_eq!(
        polymarket::number(Some(&json!("1234567.89"))),
        Some(1234567.89)
    );
    assert_eq!(polymarket::number(Some(&json!("n/a"))), None);
    assert_eq!(polymarket::number(Some(&json!("NaN"))), None);
    assert_eq!(polymarket::number(Some(&Value::Null)), None);
    assert_eq!(polymarket::number(None), None);
}
