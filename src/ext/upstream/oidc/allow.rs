//! **[21](crate::_documentation::flow) `S` the allowlist — may this
//! OpenID Connect user sign in?** Decided from the claims of a *valid* ID
//! token ([`super::id_token::Claims`]), after every check of §3.1.3.7.
//!
//! ```text
//!   Claims { sub, email, email_verified, hd, tid } ─▶ OidcAllowlist::decide ─▶ Admitted | Refused(reason)
//! ```
//!
//! `OIDC_ALLOWED` (comma- or space-separated):
//!
//! | entry | admits |
//! |---|---|
//! | `sub:248289761001` | the user with this subject (stable at the issuer) |
//! | `alice@example.com` | the user with this e-mail, **only when `email_verified` is true** |
//! | `@example.com` | any verified e-mail at this domain; where the token has Google's `hd` (hosted domain), `hd` must be this domain, and at Google it must be present (a personal Google account can carry a verified `@example.com` address without belonging to the Workspace) |
//! | `tid:{tenant-id}` | any user of this Microsoft Entra tenant |
//! | `*` | any user the issuer signs in — said explicitly; refused where the issuer is multi-tenant (Google, Entra `common`/`organizations`/`consumers`), where it would mean "anyone on the internet" |
//!
//! Empty admits nobody. At Microsoft Entra ID, e-mail and domain entries are
//! refused at start-up: Entra tokens can carry an `email` that the tenant's
//! administrator — any tenant's — typed in unverified ("nOAuth"); admit Entra
//! users by `sub:` or `tid:`.
//!
//! # Spec
//! OpenID Connect Core 1.0 §5.1 (`email`, `email_verified`), §5.7 (only
//! `sub` with `iss` is a stable identifier); Google's `hd` claim.

use super::id_token::Claims;

/// Which kind of issuer the allowlist is for (its rules differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerKind {
    /// `https://accounts.google.com`: anyone with a Google account; `hd` for Workspace.
    Google,
    /// Microsoft Entra ID for one tenant.
    Entra,
    /// Entra `common`/`organizations`/`consumers`: any Microsoft account.
    EntraMultiTenant,
    /// Any other provider (Okta, Auth0, Keycloak, …): its own user directory.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Subject(String),
    Email(String),
    Domain(String),
    Tenant(String),
    Anyone,
}

/// Who may sign in through the OpenID provider. Empty admits nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcAllowlist {
    entries: Vec<Entry>,
    kind: IssuerKind,
}

/// The allowlist's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// May sign in.
    Admitted,
    /// May not; the reason, for the user.
    Refused(String),
}

impl OidcAllowlist {
    /// Parses `OIDC_ALLOWED` for an issuer of this kind; an entry that is
    /// unsafe there (e-mail at Entra, `*` at Google) or unknown is an error
    /// naming it.
    pub fn parse(list: &str, kind: IssuerKind) -> Result<OidcAllowlist, String> {
        let mut entries = Vec::new();
        for raw in list
            .split([',', ' ', '\n', '\t'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let entry = if raw == "*" {
                Entry::Anyone
            } else if let Some(sub) = raw.strip_prefix("sub:") {
                Entry::Subject(sub.to_string())
            } else if let Some(tid) = raw.strip_prefix("tid:") {
                Entry::Tenant(tid.to_string())
            } else if let Some(domain) = raw.strip_prefix('@') {
                Entry::Domain(domain.to_ascii_lowercase())
            } else if raw.contains('@') && !raw.contains(':') {
                Entry::Email(raw.to_ascii_lowercase())
            } else {
                return Err(format!(
                    "{raw:?} is not an allowlist entry: use sub:SUBJECT, name@example.com, \
                     @example.com, tid:TENANT-ID or * (any user of the tenant)"
                ));
            };
            match (&entry, kind) {
                (
                    Entry::Email(_) | Entry::Domain(_),
                    IssuerKind::Entra | IssuerKind::EntraMultiTenant,
                ) => {
                    return Err(format!(
                        "{raw:?}: Microsoft Entra ID users are never admitted by e-mail (an Entra \
                         token's email can be set, unverified, by any tenant's administrator). \
                         Use sub:SUBJECT or tid:TENANT-ID"
                    ));
                }
                (Entry::Anyone, IssuerKind::Google | IssuerKind::EntraMultiTenant) => {
                    return Err(
                        "\"*\" would admit anyone with an account at this multi-tenant issuer \
                         (anyone on the internet). List @your-domain, e-mails or subjects \
                         (or tid:TENANT-ID at Microsoft)"
                            .to_string(),
                    );
                }
                _ => {}
            }
            entries.push(entry);
        }
        Ok(OidcAllowlist { entries, kind })
    }

    /// How many entries there are (`0` admits nobody).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nobody is admitted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the user of these (validated) claims may sign in.
    pub fn decide(&self, c: &Claims) -> Decision {
        let email = c.email.as_deref().map(str::to_ascii_lowercase);
        let domain = email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d.to_string());
        let hd = c.hd.as_deref().map(str::to_ascii_lowercase);
        // Would this entry admit the user if their e-mail were verified?
        let by_email = |entry: &Entry| match entry {
            Entry::Email(e) => email.as_deref() == Some(e),
            Entry::Domain(d) => match (&hd, self.kind) {
                (Some(hd), _) => hd == d,
                (None, IssuerKind::Google) => false,
                (None, _) => domain.as_deref() == Some(d),
            },
            _ => false,
        };
        let admitted = self.entries.iter().any(|entry| match entry {
            Entry::Anyone => true,
            Entry::Subject(s) => *s == c.sub,
            Entry::Tenant(t) => c.tid.as_deref() == Some(t),
            Entry::Email(_) | Entry::Domain(_) => c.email_verified && by_email(entry),
        });
        if admitted {
            return Decision::Admitted;
        }
        let shown = email.clone().unwrap_or_else(|| c.sub.clone());
        if !c.email_verified && self.entries.iter().any(by_email) {
            return Decision::Refused(format!(
                "Your e-mail address {shown} is not verified by the sign-in provider, so it \
                 cannot admit you. Verify it there, or ask this server's operator to add you."
            ));
        }
        let google_personal = self.kind == IssuerKind::Google
            && hd.is_none()
            && domain
                .as_deref()
                .is_some_and(|d| self.entries.contains(&Entry::Domain(d.to_string())));
        if google_personal {
            return Decision::Refused(format!(
                "{shown} signed in with a personal Google account, not one of the \
                 organisation's Google Workspace: sign in with your work account."
            ));
        }
        Decision::Refused(format!(
            "{shown} is not allowed to use this server. Ask its operator to add you."
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(sub: &str, email: Option<&str>, verified: bool) -> Claims {
        Claims {
            sub: sub.into(),
            email: email.map(str::to_string),
            email_verified: verified,
            name: None,
            preferred_username: None,
            hd: None,
            tid: None,
        }
    }

    fn admitted(list: &OidcAllowlist, c: &Claims) -> bool {
        list.decide(c) == Decision::Admitted
    }

    #[test]
    fn subjects_verified_emails_and_domains() {
        let list =
            OidcAllowlist::parse("sub:42, Alice@Example.com @corp.example", IssuerKind::Other)
                .unwrap();
        assert_eq!(list.len(), 3);
        assert!(admitted(&list, &user("42", None, false)));
        assert!(!admitted(&list, &user("420", None, false)));
        assert!(admitted(&list, &user("1", Some("alice@example.COM"), true)));
        assert!(admitted(&list, &user("2", Some("bob@corp.example"), true)));
        assert!(!admitted(
            &list,
            &user("3", Some("bob@evilcorp.example"), true)
        ));
        assert!(!admitted(
            &list,
            &user("4", Some("bob@corp.example.evil"), true)
        ));
        // Unverified: refused, and told why.
        match list.decide(&user("1", Some("alice@example.com"), false)) {
            Decision::Refused(why) => assert!(why.contains("is not verified"), "{why}"),
            d => panic!("{d:?}"),
        }
        match list.decide(&user("5", Some("eve@else.example"), true)) {
            Decision::Refused(why) => {
                assert!(why.contains("eve@else.example is not allowed"), "{why}")
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn empty_admits_nobody_and_star_admits_the_tenant() {
        let empty = OidcAllowlist::parse(" , ", IssuerKind::Other).unwrap();
        assert!(empty.is_empty());
        assert!(!admitted(&empty, &user("1", Some("a@b.c"), true)));
        let any = OidcAllowlist::parse("*", IssuerKind::Other).unwrap();
        assert!(admitted(&any, &user("1", None, false)));
        assert!(OidcAllowlist::parse("*", IssuerKind::Google).is_err());
        assert!(OidcAllowlist::parse("*", IssuerKind::EntraMultiTenant).is_err());
        assert!(OidcAllowlist::parse("*", IssuerKind::Entra).is_ok());
        assert!(OidcAllowlist::parse("root", IssuerKind::Other).is_err());
    }

    #[test]
    fn google_domains_go_by_hd() {
        let list = OidcAllowlist::parse("@example.com", IssuerKind::Google).unwrap();
        let mut workspace = user("1", Some("alice@example.com"), true);
        workspace.hd = Some("example.com".into());
        assert!(admitted(&list, &workspace));
        // A personal Google account with a verified @example.com address.
        let personal = user("2", Some("mallory@example.com"), true);
        match list.decide(&personal) {
            Decision::Refused(why) => assert!(why.contains("personal Google account"), "{why}"),
            d => panic!("{d:?}"),
        }
        // Another Workspace's user whose address is ours.
        let mut other = user("3", Some("x@example.com"), true);
        other.hd = Some("other.example".into());
        assert!(!admitted(&list, &other));
    }

    #[test]
    fn entra_is_never_authorized_by_email() {
        assert!(OidcAllowlist::parse("alice@example.com", IssuerKind::Entra).is_err());
        assert!(OidcAllowlist::parse("@example.com", IssuerKind::EntraMultiTenant).is_err());
        let list = OidcAllowlist::parse("tid:t-1, sub:s-9", IssuerKind::EntraMultiTenant).unwrap();
        let mut member = user("s-1", Some("ceo@victim.example"), true);
        member.tid = Some("t-1".into());
        assert!(admitted(&list, &member));
        member.tid = Some("t-2".into());
        assert!(!admitted(&list, &member));
        assert!(admitted(&list, &user("s-9", None, false)));
    }
}
