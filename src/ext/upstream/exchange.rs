//! **[20–21](crate::_documentation::flow) `S → I` the code for the IdP's
//! token — and, later, a refresh token for a fresh one.** Here our server is
//! the IdP's OAuth client: it sends the code with our PKCE verifier and our
//! client secret, and reads the answer by its body, not by its status.
//!
//! ```text
//!   [20] S → I  POST token_url  grant_type=authorization_code&code&redirect_uri
//!                               &client_id&client_secret&code_verifier
//!   [21] I → S  {access_token, refresh_token?, expires_in?, refresh_token_expires_in?, id_token?}
//!               or {error, error_description}          (GitHub sends these with 200 OK)
//!   later S → I POST token_url  grant_type=refresh_token&refresh_token&client_id&client_secret
//! ```
//!
//! # Spec
//! RFC 6749 §4.1.3 (the code), §5.1–§5.2 (the answer and its errors), §6
//! (refresh); RFC 7636 §4.5 (the verifier).
//!
//! # Where this sits
//! Called by [`super::callback`] at `[20]` and by [`super::access_token`] to
//! refresh. The requests go through [`crate::outbound`] (a deadline, no
//! redirects, a body cap); the token is kept by [`super::records`].

use std::fmt;

use serde_json::Value;

use super::idp::UpstreamIdp;
use super::records::UpstreamToken;
use crate::crypto::secret::Secret;
use crate::outbound::{Outbound, OutboundError, Reply};

/// `[20]`: the code and our PKCE verifier for the user's upstream token.
/// `redirect_uri` is our callback URL, as sent at `[16]`.
pub(super) fn exchange_code(
    http: &Outbound,
    idp: &UpstreamIdp,
    code: &str,
    redirect_uri: &str,
    verifier: &Secret,
    now: u64,
) -> Result<UpstreamToken, ExchangeError> {
    token_request(
        http,
        idp,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier.expose()),
        ],
        now,
    )
}

/// A refresh token for a fresh upstream token (RFC 6749 §6).
pub(super) fn refresh(
    http: &Outbound,
    idp: &UpstreamIdp,
    refresh_token: &Secret,
    now: u64,
) -> Result<UpstreamToken, ExchangeError> {
    token_request(
        http,
        idp,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ],
        now,
    )
}

/// One request to the IdP's token endpoint: the grant's fields and our client
/// credentials (`client_secret_post`, RFC 6749 §2.3.1), the answer read as a
/// token.
fn token_request(
    http: &Outbound,
    idp: &UpstreamIdp,
    grant: &[(&str, &str)],
    now: u64,
) -> Result<UpstreamToken, ExchangeError> {
    let mut form = grant.to_vec();
    form.push(("client_id", &idp.client_id));
    form.push(("client_secret", idp.client_secret.expose()));
    let reply = http
        .post_form(&idp.token_url, &[("Accept", "application/json")], &form)
        .map_err(ExchangeError::Call)?;
    parse_token_reply(&reply, now)
}

/// Why a token request to the IdP (code exchange or refresh) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeError {
    /// No answer, or not JSON.
    Call(OutboundError),
    /// The IdP answered with an `error` (GitHub does so with status 200).
    Refused {
        /// e.g. `bad_verification_code`.
        error: String,
        /// The IdP's `error_description`, if any.
        description: Option<String>,
    },
    /// A non-2xx status without an `error` field.
    Status(u16),
    /// A 2xx answer without `access_token`.
    NoToken,
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::Call(e) => write!(f, "{e}"),
            ExchangeError::Refused {
                error,
                description: Some(d),
            } => write!(f, "{error}: {d}"),
            ExchangeError::Refused {
                error,
                description: None,
            } => f.write_str(error),
            ExchangeError::Status(s) => write!(f, "HTTP {s}"),
            ExchangeError::NoToken => f.write_str("the answer has no access_token"),
        }
    }
}

/// Reads an OAuth token response. The body decides, not the status: GitHub
/// answers `{"error": "bad_verification_code", …}` with `200 OK`.
fn parse_token_reply(reply: &Reply, now: u64) -> Result<UpstreamToken, ExchangeError> {
    let body = match reply.json() {
        Ok(v) => v,
        Err(_) if !reply.is_success() => return Err(ExchangeError::Status(reply.status)),
        Err(e) => return Err(ExchangeError::Call(e)),
    };
    if let Some(error) = body.get("error").and_then(Value::as_str) {
        return Err(ExchangeError::Refused {
            error: error.to_string(),
            description: body
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    if !reply.is_success() {
        return Err(ExchangeError::Status(reply.status));
    }
    let access_token = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or(ExchangeError::NoToken)?;
    Ok(UpstreamToken {
        access_token: Secret::new(access_token),
        refresh_token: body
            .get("refresh_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expires_at: body
            .get("expires_in")
            .and_then(Value::as_u64)
            .map(|s| now.saturating_add(s)),
        refresh_expires_at: body
            .get("refresh_token_expires_in")
            .and_then(Value::as_u64)
            .map(|s| now.saturating_add(s)),
        id_token: body
            .get("id_token")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ext::upstream::records::token_ttl_end;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_token_reply_with_an_error_field_fails_even_with_200() {
        // GitHub's documented error shape for the token endpoint.
        let r = reply(
            200,
            r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com/…"}"#,
        );
        assert_eq!(
            parse_token_reply(&r, 0).err(),
            Some(ExchangeError::Refused {
                error: "bad_verification_code".into(),
                description: Some("The code passed is incorrect or expired.".into())
            })
        );
    }

    #[test]
    fn token_replies_are_read_with_and_without_expiry() {
        let oauth_app = parse_token_reply(
            &reply(
                200,
                r#"{"access_token":"gho_abc","scope":"","token_type":"bearer"}"#,
            ),
            1000,
        )
        .unwrap();
        assert_eq!(oauth_app.access_token.expose(), "gho_abc");
        assert!(oauth_app.refresh_token.is_none() && oauth_app.expires_at.is_none());
        let github_app = parse_token_reply(
            &reply(
                200,
                r#"{"access_token":"ghu_x","expires_in":28800,"refresh_token":"ghr_y","refresh_token_expires_in":15811200,"scope":"","token_type":"bearer"}"#,
            ),
            1000,
        )
        .unwrap();
        assert_eq!(github_app.expires_at, Some(29800));
        assert_eq!(github_app.refresh_expires_at, Some(15812200));
        assert_eq!(token_ttl_end(&github_app, 1000, None), 15812200);
        assert_eq!(token_ttl_end(&oauth_app, 1000, None), 1000 + 30 * 24 * 3600);
    }

    #[test]
    fn a_huge_expires_in_from_the_idp_does_not_overflow() {
        // The IdP's reply is network input: u64::MAX must not panic (debug)
        // or wrap into the past (release).
        let t = parse_token_reply(
            &reply(
                200,
                r#"{"access_token":"ghu_x","expires_in":18446744073709551615,"refresh_token":"ghr_y","refresh_token_expires_in":18446744073709551615}"#,
            ),
            1000,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(u64::MAX));
        assert_eq!(t.refresh_expires_at, Some(u64::MAX));
    }

    #[test]
    fn token_replies_without_a_token_or_with_a_bad_status_fail() {
        assert_eq!(
            parse_token_reply(&reply(200, r#"{"token_type":"bearer"}"#), 0).err(),
            Some(ExchangeError::NoToken)
        );
        assert_eq!(
            parse_token_reply(&reply(502, "<html>bad gateway</html>"), 0).err(),
            Some(ExchangeError::Status(502))
        );
        assert!(matches!(
            parse_token_reply(&reply(200, "access_token=gho_x&token_type=bearer"), 0),
            Err(ExchangeError::Call(OutboundError::NotJson(_)))
        ));
    }
}
