//! The JSON-RPC message parser of `POST /mcp` (src/mcp/jsonrpc.rs), over
//! arbitrary bodies. Must never panic; a refusal must carry one of the
//! JSON-RPC error codes for unreadable messages.
#![no_main]
use libfuzzer_sys::fuzz_target;
use remote_mcp::mcp::jsonrpc;

fuzz_target!(|data: &[u8]| {
    if let Err(rejected) = jsonrpc::parse(data) {
        let code = rejected.error.code;
        assert!(code == -32700 || code == -32600, "unexpected code {code}");
    }
});
