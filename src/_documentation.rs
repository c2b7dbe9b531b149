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
//! work on GitHub and in an editor; in rustdoc those links lead nowhere, and
//! rustdoc's search finds every item they name (FLOW.md's **Code:** lines
//! are the one map from arrows to functions: no second copy is kept here).

pub mod flow {
    #![doc = include_str!("../docs/FLOW.md")]
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
