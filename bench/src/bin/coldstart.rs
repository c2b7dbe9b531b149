//! Cold start: the time from `exec` of a server to its first answered
//! `initialize` — what a client waits for when Cloud Run starts an instance
//! for its request. The client starts connecting right after `spawn` returns
//! and retries in a tight loop (a refused connection costs microseconds), so
//! it is there the moment the socket listens: the time between `listen` and
//! the server's first `accept` is inside the measurement, as it is for a
//! request that Cloud Run holds while the instance starts. Then it POSTs
//! `initialize` and waits for the `200`.
//!
//! `coldstart ROUNDS PORT [HEADER:VALUE …] -- SERVER ARGS…`
//!
//! Prints `times_ms=a,b,… median_ms=… min_ms=… max_ms=… idle_rss_kb=…`; the
//! idle RSS (of the last server, after its first answer and half a second
//! of rest) only when `COLDSTART_RSS=1`, else 0.
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use remote_mcp_bench::{Client, INITIALIZE};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args
        .iter()
        .position(|a| a == "--")
        .expect("usage: coldstart ROUNDS PORT [H:V…] -- CMD…");
    let rounds: usize = args[0].parse().expect("ROUNDS");
    let port: u16 = args[1].parse().expect("PORT");
    let headers: Vec<(String, String)> = args[2..split]
        .iter()
        .filter_map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        })
        .collect();
    let command = &args[split + 1..];
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut times = Vec::new();
    let mut idle_rss_kb = 0;
    for round in 0..rounds {
        let start = Instant::now();
        let mut child = Command::new(&command[0])
            .args(&command[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let answered = loop {
            if start.elapsed() > Duration::from_secs(10) {
                break None;
            }
            let Ok(mut client) = Client::connect(addr) else {
                // Not listening yet: try again at once. `yield_now` lets the
                // starting server run first if it is waiting for this core.
                std::thread::yield_now();
                continue;
            };
            let mut h: Vec<(&str, &str)> = vec![
                ("Content-Type", "application/json"),
                ("Accept", "application/json, text/event-stream"),
            ];
            h.extend(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            match client.request("POST", "/mcp", &h, INITIALIZE.as_bytes()) {
                Ok(a) if a.status == 200 => break Some(start.elapsed()),
                Ok(a) => panic!(
                    "initialize answered {}: {}",
                    a.status,
                    String::from_utf8_lossy(&a.body)
                ),
                Err(_) => continue,
            }
        };
        let Some(elapsed) = answered else {
            let _ = child.kill();
            panic!("round {round}: no answer within 10 s");
        };
        times.push(elapsed);
        if round + 1 == rounds && std::env::var_os("COLDSTART_RSS").is_some_and(|v| v == "1") {
            std::thread::sleep(Duration::from_millis(500));
            idle_rss_kb = vm_kb(child.id(), "VmRSS:");
        }
        let _ = child.kill();
        let _ = child.wait();
        // Let the port leave the kernel's tables before the next bind.
        std::thread::sleep(Duration::from_millis(50));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let each: Vec<String> = times.iter().map(|&t| format!("{:.3}", ms(t))).collect();
    times.sort();
    println!(
        "times_ms={} median_ms={:.3} min_ms={:.3} max_ms={:.3} idle_rss_kb={idle_rss_kb}",
        each.join(","),
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}

/// A `Vm…:` line of /proc/PID/status, in kB.
fn vm_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}
