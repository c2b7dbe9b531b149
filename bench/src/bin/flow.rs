//! The OAuth flow as a client runs it, for the benchmark: dynamic client
//! registration, `/authorize` (the single-user provider answers with an
//! immediate `302` carrying the code), and the PKCE token exchange.
//!
//! * `flow token PORT` — prints an access token for `/mcp` (for wrk's
//!   `Authorization: Bearer …`).
//! * `flow refresh PORT SECONDS [CHAINS]` — throughput of the refresh grant.
//!   Every refresh rotates the refresh token, so a replayed request (what wrk
//!   would send) is refused after the first; instead each of CHAINS client
//!   threads (default 4) redeems its own token, takes the rotated one from
//!   the answer and redeems that, on one keep-alive connection, for SECONDS.
//!   Prints one JSON object: requests per second over all chains, p50 and
//!   p99 latency.
//!
//! Reads `PUBLIC_URL` as the server does (default `http://localhost:PORT`).
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use remote_mcp::oauth::encoding::encode_pairs;
use remote_mcp_bench::Client;
use serde_json::Value;

/// RFC 7636 Appendix B: a verifier and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://localhost:33418/callback";
const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// Register, authorize, redeem: `(client_id, token response)`.
fn grant(client: &mut Client, port: u16) -> (String, Value) {
    let registration = serde_json::json!({
        "client_name": "bench", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"
    });
    let r = client
        .request(
            "POST",
            "/register",
            &[("Content-Type", "application/json")],
            registration.to_string().as_bytes(),
        )
        .expect("register");
    assert_eq!(
        r.status,
        201,
        "register: {}",
        String::from_utf8_lossy(&r.body)
    );
    let client_id = r.json()["client_id"]
        .as_str()
        .expect("client_id")
        .to_string();

    // The resource (and token audience) is the server's PUBLIC_URL + /mcp.
    let public_url =
        std::env::var("PUBLIC_URL").unwrap_or_else(|_| format!("http://localhost:{port}"));
    let resource = format!("{public_url}/mcp");
    let target = format!(
        "/authorize?{}",
        encode_pairs([
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("state", "bench"),
            ("resource", resource.as_str()),
            ("scope", "mcp"),
        ])
    );
    let r = client.request("GET", &target, &[], b"").expect("authorize");
    assert_eq!(
        r.status,
        302,
        "authorize: {}",
        String::from_utf8_lossy(&r.body)
    );
    let location = r.header("location").expect("Location");
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    let code = query
        .split('&')
        .find_map(|p| p.strip_prefix("code="))
        .expect("code in the redirect")
        .to_string();

    let form = encode_pairs([
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", client_id.as_str()),
        ("resource", resource.as_str()),
    ]);
    let r = client
        .request("POST", "/token", &[FORM], form.as_bytes())
        .expect("token");
    assert_eq!(r.status, 200, "token: {}", String::from_utf8_lossy(&r.body));
    (client_id, r.json())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).expect("PORT");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match args[0].as_str() {
        "token" => {
            let mut client = Client::connect(addr).expect("connect");
            let (_, tokens) = grant(&mut client, port);
            println!("{}", tokens["access_token"].as_str().expect("access_token"));
        }
        "refresh" => {
            let seconds: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(4.0);
            let chains: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(4);
            let started = Instant::now();
            let until = started + Duration::from_secs_f64(seconds);
            let threads: Vec<_> = (0..chains)
                .map(|_| std::thread::spawn(move || refresh_chain(addr, port, until)))
                .collect();
            let mut latencies: Vec<Duration> = threads
                .into_iter()
                .flat_map(|t| t.join().expect("a refresh chain failed"))
                .collect();
            let elapsed = started.elapsed().as_secs_f64();
            latencies.sort();
            let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            println!(
                "{}",
                serde_json::json!({
                    "rps": latencies.len() as f64 / elapsed,
                    "p50_ms": ms(pct(50)),
                    "p99_ms": ms(pct(99)),
                    "requests": latencies.len(),
                    "chains": chains,
                })
            );
        }
        other => panic!("unknown command {other}: use token or refresh"),
    }
}

/// One client: a grant, then refresh after refresh with the rotated token.
fn refresh_chain(addr: SocketAddr, port: u16, until: Instant) -> Vec<Duration> {
    let mut client = Client::connect(addr).expect("connect");
    let (client_id, tokens) = grant(&mut client, port);
    let mut refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();
    let mut latencies = Vec::new();
    while Instant::now() < until {
        let form = encode_pairs([
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", client_id.as_str()),
        ]);
        let sent = Instant::now();
        let r = client
            .request("POST", "/token", &[FORM], form.as_bytes())
            .expect("refresh");
        latencies.push(sent.elapsed());
        assert_eq!(
            r.status,
            200,
            "refresh: {}",
            String::from_utf8_lossy(&r.body)
        );
        refresh = r.json()["refresh_token"]
            .as_str()
            .expect("rotated refresh_token")
            .to_string();
    }
    latencies
}
