//! Decoding of everything the server signs: access and refresh tokens,
//! authorization codes and client ids (src/oauth/claims.rs). Two ways in:
//! the input as a whole token (stops at the signature: must be refused), and
//! the input as the payload of a token correctly signed with the key, which
//! reaches the base64, JSON and claim parsing behind the signature. Must
//! never panic.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use remote_mcp::crypto::secret::Secret;
use remote_mcp::oauth::claims::{CodeClaims, RegistrationClaims, TokenClaims, TokenKind};
use remote_mcp::crypto::signing::SigningKey;

fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::from_secret(&Secret::new("fuzz-key-0123456789abcdef-0123456789"))
    })
}

/// `kind.payload.signature`, signed as `SigningKey::sign` signs.
fn signed(kind: &str, payload: &str) -> String {
    let signed = format!("{kind}.{payload}");
    let sig = key().mac_b64("token", signed.as_bytes());
    format!("{signed}.{sig}")
}

fn decode_all(token: &str) -> bool {
    let now = 1_700_000_000;
    let a = TokenClaims::verify(key(), TokenKind::Access, token, now).is_ok();
    let r = TokenClaims::verify(key(), TokenKind::Refresh, token, now).is_ok();
    let c = CodeClaims::verify(key(), token, now).is_ok();
    let id = RegistrationClaims::verify(key(), token).is_ok();
    a || r || c || id
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Unsigned by us: never accepted.
    assert!(!decode_all(&text), "accepted an unsigned token: {text:?}");
    // Signed by us around arbitrary payloads (the part after the signature
    // check); the payload is used both raw and as base64url of the input.
    use base64_payload::encode;
    for kind in ["mcp_at", "mcp_rt", "mcp_code", "mcp_client"] {
        let _ = decode_all(&signed(kind, &text));
        let _ = decode_all(&signed(kind, &encode(data)));
    }
});

/// base64url without padding, written out so the target needs no base64 crate.
mod base64_payload {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(data: &[u8]) -> String {
        let mut out = String::with_capacity(data.len() * 4 / 3 + 3);
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
}
