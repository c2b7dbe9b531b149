//! **[setup](crate::_documentation::flow) Configuration errors.** A
//! variable that could not be used: its name, and what is wrong with it and
//! what is expected, never its value when that may be a secret.
//!
//! # Where this sits
//! A leaf: returned by [`super::Config::from_env`] and the readers of
//! `env.rs`.

use std::fmt;

/// A configuration variable that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable's name, e.g. `PORT`.
    pub variable: &'static str,
    /// What is wrong with it and what is expected.
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}
