//! **[13–14, 16–23](crate::_documentation::flow) The advanced layers — read
//! after the core.** The core (`http`, `oauth`, `mcp`) implements the
//! sequence diagram on its own; each folder here adds one thing on top of it
//! through a hook the core defines, and the core never imports from here.
//! Each folder's `mod.rs` says what it adds and which file to read first.
//!
//! | extension | adds | arrows | read first |
//! |---|---|---|---|
//! | [`upstream`] | sign-in through another identity provider (GitHub, OpenID Connect), per-user upstream tokens for the tools | 13–14, 16–23 | [`upstream`]'s "Why each piece is there", then `challenge.rs`, `callback.rs` |

pub mod upstream;
