//! **[all](crate::_documentation::flow) The long-form documents, in rustdoc.**
//! The repository's markdown files, compiled into the API documentation so that
//! their Rust examples are tested with `cargo test --doc` and their links to
//! the code can be followed here too (modelled on jiff's `_documentation`).
//!
//! * [`flow`] — docs/FLOW.md: every arrow of the flow, numbered, with the wire
//!   exchange, the code, the spec and what goes wrong.
//! * [`architecture`] — ARCHITECTURE.md: the codemap and the invariants.
//! * [`design`] — docs/DESIGN.md: why it is built this way.
//! * [`security`] — docs/SECURITY.md: threats, defences, and the tests that
//!   prove them.
//!
//! The markdown files link to the source files (`../src/…`) so that they
//! work on GitHub; in rustdoc those links lead nowhere, so each page here
//! ends with the same places as intra-doc links.

pub mod flow {
    #![doc = include_str!("../docs/FLOW.md")]
    //!
    //! ## In rustdoc: each arrow's code, one click away
    //!
    //! | arrows | code |
    //! |---|---|
    //! | every request | [`crate::router::route`], [`crate::ext::trace::line`], [`crate::http::server`] |
    //! | `[1]`–`[2]` | [`crate::auth::authenticate`], [`crate::oauth::bearer::check`], [`crate::oauth::bearer::challenge`] |
    //! | `[3]`–`[4]` | [`crate::oauth::discovery::protected_resource`], [`crate::oauth::discovery::protected_resource_document`] |
    //! | `[5]`–`[6]` | [`crate::oauth::discovery::authorization_server`], [`crate::oauth::discovery::authorization_server_document`], [`crate::oauth::discovery::preflight`] |
    //! | `[7]`–`[8]` | [`crate::oauth::register::handle`], [`crate::oauth::url::check_redirect_uri`], [`crate::oauth::claims::RegistrationClaims::sign`], [`crate::oauth::claims::RegistrationClaims::client_secret`] |
    //! | `[9]`–`[11]` | [`crate::oauth::client::lookup()`], [`crate::oauth::client::ClientDocuments`], [`crate::ext::cimd::Cimd::document`], [`crate::ext::cimd::fetch::check_client_id_url`], [`crate::ext::cimd::fetch::fetch_with_ureq`], [`crate::ext::cimd::fetch::PublicOnlyResolver`], [`crate::ext::cimd::document::parse_document`], [`crate::ext::cimd::document::pinned`] |
    //! | `[12]` | [`crate::oauth::authorize::handle`] (`parse`, `identify_client`, `validate`, `decide`), [`crate::oauth::pkce::is_valid_s256_challenge`], [`crate::oauth::url::is_our_resource`], [`crate::oauth::grant_scopes`], [`crate::oauth::error::AuthorizeError`], [`crate::oauth::error::redirect_to_client`] |
    //! | `[13]`–`[14]` | [`crate::oauth::provider::AuthProvider::challenge`], [`crate::oauth::login_form::render`], [`crate::oauth::login_form::csrf_token`], [`crate::oauth::login_form::check_csrf`], [`crate::oauth::provider::AuthProvider::authenticate`], [`crate::crypto::secret::Secret::matches`] |
    //! | `[15]`, `[24]`, `[25]` | [`crate::oauth::authorize`] (`issue_code`), [`crate::oauth::claims::CodeClaims::sign`], [`crate::oauth::provider::SingleUserProvider`] |
    //! | `[16]`–`[23]` | [`crate::ext::upstream::UpstreamProvider`], [`crate::oauth::provider::AuthProvider::challenge`], [`crate::oauth::provider::AuthProvider::route`], [`crate::outbound::Outbound::post_form`], [`crate::ext::upstream::Allowlist::admits`], [`crate::ext::upstream::oidc::Oidc`], [`crate::ext::upstream::oidc::id_token::decode`], [`crate::ext::upstream::UpstreamProvider::access_token`], [`crate::oauth::provider::AuthorizationRequest::resume_path`], [`crate::oauth::provider::LoginStep`] |
    //! | `[26]`–`[27]` | [`crate::oauth::token::handle`], [`crate::oauth::token::authenticate_client`], [`crate::oauth::claims::CodeClaims::verify`], [`crate::oauth::pkce::verify`], [`crate::oauth::store::Store::insert_once`], [`crate::oauth::error::TokenError`], [`crate::oauth::claims::TokenClaims::sign`] |
    //! | `[28]`–`[29]` | [`crate::auth::authenticate`], [`crate::oauth::bearer::check`], [`crate::identity::Identity`], [`crate::mcp::transport::handle`], [`crate::mcp::jsonrpc::parse`], [`crate::mcp::ToolCall::caller`] |
    //! | `[30]`–`[31]` | [`crate::oauth::token`] (`refresh`, `issue`), [`crate::oauth::token::is_family_revoked`], [`crate::oauth::token::revoke_family`] |
    //! | `[32]`–`[33]` | [`crate::oauth::revoke::handle`] |
}

pub mod architecture {
    #![doc = include_str!("../ARCHITECTURE.md")]
}

pub mod design {
    #![doc = include_str!("../docs/DESIGN.md")]
}

pub mod security {
    #![doc = include_str!("../docs/SECURITY.md")]
}
