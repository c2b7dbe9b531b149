//! **[13–14, 16–23](crate::_documentation::flow) The upstream provider as the
//! core sees it — its [`AuthProvider`] implementation.** `/authorize` and the
//! router know only the trait; each of its methods is answered here or sent
//! to the file that does the work:
//!
//! | the core calls | when | answered by |
//! |---|---|---|
//! | `challenge` | `GET`/`POST /authorize`, `[12]`–`[16]`, `[23]` | [`super::challenge`] |
//! | `route` | `GET /auth/{idp}/callback`, `[19]`–`[22]` | [`super::callback`] |
//! | `authenticate` | a password form is posted: never, here | always `None` |
//! | `asks_password`, `continues_at` | the consent screen is drawn, `[13]` | no password; the IdP's name and URL |
//! | `describe` | start-up | one log line |
//!
//! # Where this sits
//! [`crate::oauth::authorize`] calls [`AuthProvider::challenge`];
//! [`crate::router`] sends every `/auth/…` path to [`AuthProvider::route`].

use super::UpstreamProvider;
use super::{callback, challenge};
use crate::http::{Request, Response};
use crate::oauth::encoding::Params;
use crate::oauth::provider::{AuthProvider, AuthorizationRequest, LoginStep, ProviderContext};

impl AuthProvider for UpstreamProvider {
    /// Always `None`: the session cookie is checked in
    /// [`AuthProvider::challenge`], which sees the pending request it must be
    /// bound to, the signing key and the store.
    fn authenticate(&self, _request: &Request, _credentials: &Params) -> Option<String> {
        None
    }

    fn challenge(
        &self,
        request: &Request,
        pending: &AuthorizationRequest,
        ctx: &ProviderContext<'_>,
    ) -> LoginStep {
        challenge::handle(self, request, pending, ctx)
    }

    fn asks_password(&self) -> bool {
        false
    }

    fn continues_at(&self) -> Option<(&str, &str)> {
        let idp = &self.inner.idp;
        Some((&idp.display_name, &idp.authorize_url))
    }

    fn route(&self, request: &Request, ctx: &ProviderContext<'_>) -> Option<Response> {
        if request.path != self.callback_path() {
            return None;
        }
        Some(match request.method.as_str() {
            "GET" => callback::handle(self, request, ctx),
            _ => Response::empty(405).with_header("Allow", "GET"),
        })
    }

    fn describe(&self) -> String {
        let idp = &self.inner.idp;
        if self.allowed_count() == 0 {
            format!(
                "UpstreamProvider: sign-in with {} — the allowlist is EMPTY, so NOBODY can sign in",
                idp.display_name
            )
        } else {
            format!(
                "UpstreamProvider: consent screen, then sign-in with {} ({} allowed); callback {}",
                idp.display_name,
                self.allowed_count(),
                self.callback_path()
            )
        }
    }
}
