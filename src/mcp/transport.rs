//! **Tool calls — Streamable HTTP.** PROVISIONAL stub.

use std::sync::Arc;

use crate::app::Shared;
use crate::auth::Identity;
use crate::http::{Request, Response};

/// Answers `POST`, `GET` and `DELETE /mcp`.
pub fn handle(_shared: &Arc<Shared>, _request: Request, _caller: Option<Identity>) -> Response {
    Response::empty(501)
}
