//! The README promises what `curl` shows against `cargo run --example quickstart`.
//! This test starts the same service (same name, same provider, public URL
//! `http://localhost:8080`), asks the same three questions over a real socket, and
//! compares the answers with the README's code blocks byte for byte, so the
//! README cannot drift from the server.

use std::io::{Read, Write};
use std::net::TcpStream;

use remote_mcp::{App, Config, McpServer, Param, SingleUserProvider, Tool};

/// The body of the first fenced block of `lang` after the line `after` in the README.
fn readme_block(after: &str, lang: &str) -> String {
    let readme = include_str!("../README.md");
    let start = readme.find(after).expect("README line") + after.len();
    let rest = &readme[start..];
    let fence = format!("```{lang}\n");
    let open = rest.find(&fence).expect("README block") + fence.len();
    let close = rest[open..].find("```").expect("README block end");
    rest[open..open + close].to_string()
}

/// Sends one request and returns the whole response as text.
fn exchange(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").unwrap().1
}

#[test]
fn the_readme_shows_what_the_quickstart_answers() {
    let mcp = McpServer::new("my-service").tool(
        Tool::new("my_tool", "Look something up.")
            .arg(Param::string("query", "What to look up"))
            .handler(|call| Ok(format!("Result for: {}", call.str("query")?).into())),
    );
    let mut config = Config::local(0);
    config.public_url = "http://localhost:8080".to_string();
    let server = App::new(mcp)
        .provider(SingleUserProvider::new())
        .config(config)
        .start()
        .unwrap();
    let addr = server.addr();
    let get = |path: &str| {
        exchange(
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost:8080\r\nConnection: close\r\n\r\n"),
        )
    };

    // curl -s http://localhost:8080/.well-known/oauth-protected-resource/mcp
    let prm = get("/.well-known/oauth-protected-resource/mcp");
    assert_eq!(
        body(&prm),
        readme_block(
            "curl -s http://localhost:8080/.well-known/oauth-protected-resource/mcp",
            "json"
        )
        .trim_end()
    );

    // curl -s http://localhost:8080/.well-known/oauth-authorization-server
    let asm = get("/.well-known/oauth-authorization-server");
    assert_eq!(
        body(&asm),
        readme_block(
            "curl -s http://localhost:8080/.well-known/oauth-authorization-server",
            "json"
        )
        .trim_end()
    );

    // curl -si -X POST http://localhost:8080/mcp -d '{}'   (curl sends this form content type)
    let challenge = exchange(
        addr,
        "POST /mcp HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    let expected = readme_block("curl -si -X POST http://localhost:8080/mcp -d '{}'", "text");
    // The README elides the date and writes lines without CR; the server sends
    // `Connection: close` only because this request asked for it.
    let actual: Vec<&str> = challenge
        .split("\r\n")
        .filter(|l| !l.starts_with("Date: ") && *l != "Connection: close")
        .collect();
    let expected: Vec<&str> = expected
        .lines()
        .filter(|l| !l.starts_with("Date: "))
        .collect();
    assert_eq!(actual, expected);

    server.shutdown().unwrap();
}
