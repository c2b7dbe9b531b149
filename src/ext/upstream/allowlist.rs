//! **[21](crate::_documentation::flow) The allowlist — may this upstream user
//! sign in?** Decided after the IdP said who signed in, by login or by stable
//! id. Empty admits nobody: a server that forgot its list must not open itself
//! to every GitHub account.
//!
//! ```text
//!   "alice, @Bob, id:583231" ─▶ Allowlist::parse
//!   UpstreamUser { id: "583231", login: "octocat" } ─▶ Allowlist::admits ─▶ true
//! ```
//!
//! Logins are compared without case, ids exactly. Where it matters, list
//! `id:` entries: a login can be renamed and then taken by someone else, an
//! id cannot.
//!
//! # Where this sits
//! Checked by [`super::callback`] at `[21]`. With an identity layer (OpenID
//! Connect) the layer's own rules decide instead ([`super::oidc::allow`]).

use super::idp::UpstreamUser;

/// The upstream users allowed to sign in. Empty admits nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    logins: Vec<String>,
    ids: Vec<String>,
}

impl Allowlist {
    /// Parses `alice, Bob, id:583231`: logins (compared without case) and, with
    /// `id:`, stable ids. Blank entries are ignored.
    pub fn parse(list: &str) -> Allowlist {
        let mut allowed = Allowlist::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry.strip_prefix("id:") {
                Some(id) => allowed.ids.push(id.trim().to_string()),
                None => allowed
                    .logins
                    .push(entry.trim_start_matches('@').to_ascii_lowercase()),
            }
        }
        allowed
    }

    /// Whether nobody is admitted.
    pub fn is_empty(&self) -> bool {
        self.logins.is_empty() && self.ids.is_empty()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.logins.len() + self.ids.len()
    }

    /// Whether `user` may sign in.
    pub fn admits(&self, user: &UpstreamUser) -> bool {
        self.ids.contains(&user.id)
            || self
                .logins
                .iter()
                .any(|login| login.eq_ignore_ascii_case(&user.login))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowlist_matches_logins_without_case_and_ids_exactly() {
        let list = Allowlist::parse(" alice, @Bob ,, id:583231 ");
        assert_eq!(list.len(), 3);
        let user = |id: &str, login: &str| UpstreamUser {
            id: id.into(),
            login: login.into(),
        };
        assert!(list.admits(&user("1", "ALICE")));
        assert!(list.admits(&user("2", "bob")));
        assert!(list.admits(&user("583231", "octocat")));
        assert!(!list.admits(&user("5832310", "mallory")));
        assert!(
            !list.admits(&user("alice", "eve")),
            "ids and logins are not mixed"
        );
        assert!(Allowlist::parse(" , ").is_empty());
        assert!(!Allowlist::parse(" , ").admits(&user("1", "")));
    }
}
