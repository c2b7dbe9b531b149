//! Form and query parsing (`application/x-www-form-urlencoded`:
//! src/oauth/encoding.rs), used by `/authorize`, `/token` and `/revoke`.
//! Must never panic, and what it reads must survive a round trip: encoding
//! the parsed pairs and parsing them again gives the same pairs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use remote_mcp::oauth::encoding::{Params, encode_pairs};

fuzz_target!(|data: &[u8]| {
    let _ = Params::parse_body(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(params) = Params::parse(text) {
        let pairs: Vec<(&str, &str)> = params.iter().collect();
        let encoded = encode_pairs(pairs.iter().copied());
        let again = Params::parse(&encoded).expect("our own encoding parses");
        let pairs_again: Vec<(&str, &str)> = again.iter().collect();
        assert_eq!(pairs, pairs_again, "round trip of {text:?} via {encoded:?}");
    }
});
