//! **[all](crate::_documentation::flow) mcp-doctor — check any remote MCP
//! server the way claude.ai will, and say exactly what to fix.** The library
//! half of `cargo run --bin mcp-doctor -- https://host/mcp`: it takes the
//! client's side of every arrow of docs/FLOW.md against a server it does not
//! know (ours or one built with any other SDK), and reports each step as
//! PASS / WARN / FAIL / SKIP with one line of evidence and, when something is
//! wrong, the rule and the fix.
//!
//! ```text
//!   1 the URL            https, port, path, where the host resolves      (before [1])
//!   2 the challenge      POST without a token → 401 + resource_metadata   [1]–[2]
//!   3 resource metadata  path and root forms, `resource`, AS list         [3]–[4]
//!   4 AS metadata        RFC 8414 then OpenID form, issuer, S256, grants  [5]–[6]
//!   5 registration       DCR as claude.ai, /authorize, bogus /token       [7]–[12], [26]
//!   6 a token, then MCP  password form / --token / single user, discover,
//!                        initialize, tools/list, GET, refresh             [13]–[15], [25]–[31]
//!   7 timing             every request; the first one (a cold start?)
//!   8 claude.ai's quirks port, private hosts, redirects, 406, Claude-User,
//!                        claude.com callback, schema sizes and shapes
//! ```
//!
//! Each finding is a [`Check`]; the whole run is a [`Report`], printed for a
//! person ([`Report::render`]) or as JSON ([`Report::to_json`]). A failed
//! check names, besides the spec rule, the setting of *this* crate that fixes
//! it (`PUBLIC_URL`, …) on a separate `remote-mcp:` line, for readers who
//! run it.
//!
//! # Loopback
//! The host checks (a public IPv4 address, port 443, HTTPS) are about what
//! claude.ai's cloud can reach. A loopback URL (`localhost`, `127.0.0.1`,
//! `[::1]`) is a local test: those checks are SKIPped with a message instead
//! of failing, and everything else runs as usual. `--via ORIGIN` checks a
//! public URL while sending the requests to a local copy (a container before
//! its deploy): `mcp-doctor https://svc.example/mcp --via http://127.0.0.1:8080`.
//!
//! # Spec
//! * MCP 2025-11-25 *Authorization* (discovery order, PKCE S256, `resource`),
//!   *Transports* (Streamable HTTP, GET → 405 or a stream); MCP 2026-07-28
//!   *Versioning* (`server/discover` and the fallback to `initialize`).
//! * RFC 9728 §3, §3.3, §5.1; RFC 8414 §2, §3, §3.3; RFC 7591 §3; RFC 6749
//!   §5.2; RFC 7636 §4; OAuth 2.1 §4.3.1 (refresh rotation).
//!
//! # Where this sits
//! [`run()`] drives [`host`], [`discovery`] and [`metadata`] (the URL, the challenge, both metadata documents),
//! [`signin`] and [`register`] (registration and the sign-in, with [`form`] for
//! `--password` and [`callback`] for the code), [`mcp`], [`tools`] and
//! [`timing`] (MCP, timing, what claude.ai trips on), all through [`probe`], which sends every request
//! with [`crate::outbound`]. Underneath them all are the leaves: [`report`]
//! (what a run finds), [`options`] (the command line), [`context`] (the
//! state of a run), [`urls`] (URLs compared as claude.ai compares them) and
//! [`rpc`] (MCP messages as claude.ai sends them). Each file imports only
//! files below it, never its caller. The binary `src/bin/mcp-doctor.rs` only
//! parses the command line ([`Options::parse`]), prints and exits.
//!
//! # Not implemented (on purpose)
//! * Calling a tool unasked: tools may change things. `--call NAME=JSON`
//!   calls one, and checks its result.
//! * Following a redirect to an upstream identity provider: a person must
//!   sign in there; pass `--token` to check the rest.
//! * A Client ID Metadata Document of the doctor's own: it cannot host one
//!   the server could fetch. It signs in with a DCR registration when the
//!   server offers DCR (claude.ai would pick CIMD when both are on), and
//!   checks that `/authorize` takes claude.ai's own CIMD client id.

pub mod callback;
pub mod context;
pub mod discovery;
pub mod form;
pub mod host;
pub mod mcp;
pub mod metadata;
pub mod options;
pub mod probe;
pub mod register;
pub mod report;
pub mod rpc;
pub mod run;
pub mod signin;
pub mod timing;
pub mod tools;
pub mod urls;

pub use context::Doctor;
pub use options::{Options, USAGE};
pub use report::{Check, Report, Section, Status};
pub use run::run;
pub use urls::public_url_fix;
