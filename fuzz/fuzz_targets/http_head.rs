//! The request-head parser (httparse plus our caps, framing, `Host` and
//! `Expect` rules) and the chunk-size parser, over arbitrary bytes. Must
//! never panic; a refused head must get one of the statuses the HTTP layer
//! documents.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(status) = remote_mcp::http::fuzz_request_head(data) {
        assert!(
            matches!(status, 400 | 408 | 413 | 414 | 417 | 431 | 505),
            "unexpected refusal {status}"
        );
    }
});
