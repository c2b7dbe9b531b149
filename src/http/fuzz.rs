//! **[all](crate::_documentation::flow) Every arrow — fuzzing entry.** Built
//! only under `--cfg fuzzing` (cargo fuzz): runs the two parsers that read a
//! client's bytes before any handler sees them, [`super::parse`] (the head)
//! and [`super::body`] (chunk-size lines), for fuzz/fuzz_targets/http_head.rs.

/// **Fuzzing only.** `cargo fuzz` builds with `--cfg fuzzing`; no other build
/// has this function. Runs the request-head parser (with the default
/// [`super::Limits`]) and the chunk-size parser over bytes from the fuzzer, the two
/// places where a client's bytes are parsed before any handler sees them
/// (fuzz/fuzz_targets/http_head.rs). Returns the status a refused head gets.
#[doc(hidden)]
pub fn fuzz_request_head(bytes: &[u8]) -> Option<u16> {
    for line in bytes.split(|&b| b == b'\n') {
        let _ = super::body::chunk_size(line);
    }
    super::parse::fuzz_head(bytes)
}
