//! **[setup](crate::_documentation::flow) Reading one variable.** The
//! readers [`super::Config::from_env`] uses for the variables of its table:
//! a number of seconds (capped at [`MAX_TTL_SECS`]), a yes/no flag, a
//! comma-separated list, and `PUBLIC_URL`, which must be a plain origin.
//! Each error names the variable and what is expected.
//!
//! # Where this sits
//! A leaf under [`super`]; errors are [`ConfigError`]s.

use super::error::ConfigError;

/// The longest token lifetime accepted: 10 years. Far beyond any sensible
/// TTL, and small enough that `now + ttl` can never overflow a `u64`.
pub const MAX_TTL_SECS: u64 = 10 * 365 * 24 * 3600;

/// A positive number of seconds up to [`MAX_TTL_SECS`], or the default when unset.
pub(super) fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=MAX_TTL_SECS).contains(n))
            .ok_or_else(|| ConfigError {
                variable,
                problem: format!(
                    "{v:?} is not a number of seconds between 1 and {MAX_TTL_SECS} (10 years)"
                ),
            }),
    }
}

/// A yes/no variable: `1`/`true` or `0`/`false`; `None` when unset or empty.
pub(super) fn flag(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<Option<bool>, ConfigError> {
    match get(variable).as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("1" | "true") => Ok(Some(true)),
        Some("0" | "false") => Ok(Some(false)),
        Some(other) => Err(ConfigError {
            variable,
            problem: format!("{other:?} is not 1 or 0"),
        }),
    }
}

/// A comma-separated list, its entries trimmed, empty ones dropped.
pub(super) fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `PUBLIC_URL` must be an absolute http(s) origin; a trailing slash is removed
/// so that the issuer matches byte for byte everywhere it is advertised.
pub(super) fn normalize_public_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let bad = |problem: &str| ConfigError {
        variable: "PUBLIC_URL",
        problem: format!("{url:?} {problem}; expected e.g. https://my-service-xyz.run.app"),
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("has no scheme"));
    };
    if scheme != "https" && scheme != "http" {
        return Err(bad("is not http or https"));
    }
    if rest.is_empty() || rest.contains(['?', '#', '@', ' ']) {
        return Err(bad("is not a plain origin"));
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::super::tests::env;
    use super::*;

    #[test]
    fn token_lifetimes_are_capped_so_now_plus_ttl_cannot_overflow() {
        for variable in ["MCP_ACCESS_TOKEN_TTL", "MCP_REFRESH_TOKEN_TTL"] {
            let huge = u64::MAX.to_string();
            let e = Config::from_lookup(env(&[(variable, huge.as_str())])).unwrap_err();
            assert_eq!(e.variable, variable);
            let e = Config::from_lookup(env(&[(variable, "315360001")])).unwrap_err();
            assert_eq!(e.variable, variable);
            let ten_years = Config::from_lookup(env(&[(variable, "315360000")])).unwrap();
            assert_eq!(
                ten_years.access_token_ttl.max(ten_years.refresh_token_ttl),
                MAX_TTL_SECS
            );
        }
    }
}
