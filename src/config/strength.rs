//! **[setup](crate::_documentation::flow) How strong a secret must be.** The
//! two secrets an operator chooses are checked at start-up, and a weak one
//! stops the server with a message that says how to make a good one:
//! `ADMIN_PASSWORD` guards the consent form ([`weak_password`]: at least
//! [`MIN_PASSWORD_CHARS`] characters, [`MIN_PASSWORD_DISTINCT`] of them
//! different), `MCP_SIGNING_KEY` can mint every token
//! ([`weak_signing_key`]: 32 characters, varied, not one short run
//! repeated). A value is never echoed in the message.
//!
//! # Where this sits
//! A leaf under [`super::Config::from_env`]; docs/SECURITY.md says why a
//! throttle alone does not stop a guesser with many addresses.

/// `ADMIN_PASSWORD`: characters at least.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// `ADMIN_PASSWORD`: different characters at least (`aaaaaaaaaaaa` is long
/// and guessed at once).
pub const MIN_PASSWORD_DISTINCT: usize = 6;

/// Why `password` is too weak to guard the consent form, if it is. The
/// sign-in throttle slows a guesser; only the password's strength stops one
/// with many addresses (docs/SECURITY.md).
pub fn weak_password(password: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some("is too short");
    }
    if distinct_chars(password) < MIN_PASSWORD_DISTINCT {
        return Some("uses too few different characters");
    }
    None
}

/// Why `key` is too weak to sign tokens, if it is: shorter than 32
/// characters, fewer than 10 different characters, or one short run
/// repeated (`abcabcabc…`). A key from `openssl rand` passes every time.
pub fn weak_signing_key(key: &str) -> Option<&'static str> {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 32 {
        return Some("is shorter than 32 characters");
    }
    if distinct_chars(key) < 10 {
        return Some("uses too few different characters");
    }
    let repeats = |period: usize| (period..chars.len()).all(|i| chars[i] == chars[i - period]);
    if (1..16).any(repeats) {
        return Some("repeats a short pattern");
    }
    None
}

/// How many different characters `s` has.
fn distinct_chars(s: &str) -> usize {
    s.chars().collect::<std::collections::HashSet<char>>().len()
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::super::tests::env;

    #[test]
    fn weak_secrets_are_refused_with_how_to_make_a_good_one() {
        for weak in ["a", "password", "aaaaaaaaaaaaaaaa", "abababababababab"] {
            let e = Config::from_lookup(env(&[("ADMIN_PASSWORD", weak)])).unwrap_err();
            assert_eq!(e.variable, "ADMIN_PASSWORD");
            assert!(e.to_string().contains("four random words"), "{e}");
            assert!(!e.to_string().contains(&format!("\"{weak}\"")));
        }
        for good in [
            "correct horse battery staple",
            "interop-12345-6789",
            "Tr0ub4dor&3x",
        ] {
            let c = Config::from_lookup(env(&[("ADMIN_PASSWORD", good)])).unwrap();
            assert!(c.admin_password.is_some());
        }
        let repeated = "0123456789".repeat(4);
        for weak in ["a".repeat(32), "ab".repeat(16), repeated, "x9#q".into()] {
            let e = Config::from_lookup(env(&[("MCP_SIGNING_KEY", &weak)])).unwrap_err();
            assert_eq!(e.variable, "MCP_SIGNING_KEY");
            assert!(e.to_string().contains("openssl rand -base64 32"), "{e}");
            assert!(!e.to_string().contains(&weak), "the key is never echoed");
        }
        for good in [
            "0123456789abcdef0123456789abcdef",
            "q3Xk9vO1sZp+R2mWc8TnY4uH7bLdE6fA0gJiK5lM=",
        ] {
            assert!(Config::from_lookup(env(&[("MCP_SIGNING_KEY", good)])).is_ok());
        }
    }
}
