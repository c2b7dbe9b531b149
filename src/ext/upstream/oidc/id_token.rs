//! **[20–21](crate::_documentation::flow) `I → S` the ID token — who signed
//! in, as the OpenID provider signed it.** The token endpoint's answer carries
//! an `id_token` (a JWS, RFC 7515, compact form); this module decides whether
//! to believe it.
//!
//! ```text
//!   I → S  {access_token, id_token = header.claims.signature, …}
//!            decode ─▶ alg allowed? ─▶ key by kid (JWKS) ─▶ signature ─▶ claims
//!                                        └ unknown kid: the caller fetches the JWKS once more
//!          Claims { sub, email, email_verified, name, hd, tid }  or  IdTokenError (a reason)
//! ```
//!
//! # The rules (OpenID Connect Core 1.0 §3.1.3.7), and why each
//! 1. **`alg` from an allow-list** (RS256, ES256), never `none` and never an
//!    HMAC: with `none` anyone could write a token; with HS256 the "key" would
//!    be our client secret, known to more than the provider.
//! 2. **The signature**, with the provider's key named by `kid` in its JWKS
//!    (RFC 7517). The key's type must fit the `alg` (RSA for RS256, P-256 for
//!    ES256), and a key marked for encryption (`use: enc`) is not used.
//! 3. **`iss`** equals the configured issuer exactly (Entra's multi-tenant
//!    `{tenantid}` placeholder filled in from the token's own `tid`).
//! 4. **`aud`** contains our client id; with several audiences `azp` must be
//!    present, and `azp`, when present, must be our client id: a token minted
//!    for another application is not a sign-in to ours.
//! 5. **`exp`** is in the future, **`iat`** not in the future, both with
//!    [`CLOCK_SKEW_SECS`] of tolerance for clocks that disagree a little.
//! 6. **`nonce`** equals the one we sent with this sign-in: a token taken
//!    from another sign-in (replay, injection) does not match.
//!
//! # Spec
//! OpenID Connect Core 1.0 §2 (claims), §3.1.3.7 (validation); RFC 7515
//! (JWS), RFC 7517 (JWK), RFC 7518 §3.3 (RS256), §3.4 (ES256: `r‖s`, 64
//! bytes), §6.2.1 / §6.3.1 (EC and RSA key parameters).
//!
//! # Where this sits
//! Called by [`super::Oidc`]'s identity layer at the callback; the JWKS comes
//! from there too (fetched through [`crate::outbound`], cached). The
//! signature checks are `ring`'s, already in the tree through rustls.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;

/// Clock difference tolerated on `exp` and `iat`, in seconds.
pub const CLOCK_SKEW_SECS: u64 = 60;
/// Longer ID tokens are refused before any parsing (real ones are ~1–2 KiB).
pub const MAX_ID_TOKEN_BYTES: usize = 16 * 1024;

/// A signature algorithm this crate verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the OpenID default; Google, Entra, Okta, Auth0, Keycloak).
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
}

impl Alg {
    /// `RS256` → [`Alg::Rs256`], `ES256` → [`Alg::Es256`]; anything else `None`.
    pub fn parse(name: &str) -> Option<Alg> {
        match name {
            "RS256" => Some(Alg::Rs256),
            "ES256" => Some(Alg::Es256),
            _ => None,
        }
    }

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
        }
    }
}

/// One usable public key of the provider's JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Jwk {
    kid: Option<String>,
    key: Key,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    /// Modulus and exponent, big-endian.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed P-256 point: `04 ‖ x ‖ y`.
    P256(Vec<u8>),
}

impl Key {
    fn fits(&self, alg: Alg) -> bool {
        matches!(
            (self, alg),
            (Key::Rsa { .. }, Alg::Rs256) | (Key::P256(_), Alg::Es256)
        )
    }

    fn verifies(&self, message: &[u8], sig: &[u8]) -> bool {
        match self {
            Key::Rsa { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok(),
            Key::P256(point) => UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(message, sig)
                .is_ok(),
        }
    }
}

/// The provider's signing keys (a parsed JWKS). Keys this crate cannot use
/// (other types, other curves, `use: enc`) are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

impl KeySet {
    /// Reads `{"keys": [...]}`.
    pub fn parse(jwks: &Value) -> Result<KeySet, String> {
        let list = jwks
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("the JWKS has no \"keys\" array")?;
        let b64 = |k: &Value, name: &str| {
            k.get(name)
                .and_then(Value::as_str)
                .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
        };
        let mut keys = Vec::new();
        for k in list {
            if k.get("use")
                .and_then(Value::as_str)
                .is_some_and(|u| u != "sig")
            {
                continue;
            }
            let kid = k.get("kid").and_then(Value::as_str).map(str::to_string);
            let key = match k.get("kty").and_then(Value::as_str) {
                Some("RSA") => match (b64(k, "n"), b64(k, "e")) {
                    (Some(n), Some(e)) => Key::Rsa { n, e },
                    _ => continue,
                },
                Some("EC") if k.get("crv").and_then(Value::as_str) == Some("P-256") => {
                    match (b64(k, "x"), b64(k, "y")) {
                        (Some(x), Some(y)) if x.len() == 32 && y.len() == 32 => {
                            Key::P256([&[4u8][..], &x, &y].concat())
                        }
                        _ => continue,
                    }
                }
                _ => continue,
            };
            // A key published for one algorithm is used for that one only.
            let other_alg = k
                .get("alg")
                .and_then(Value::as_str)
                .is_some_and(|alg| Alg::parse(alg).is_none_or(|a| !key.fits(a)));
            if other_alg {
                continue;
            }
            keys.push(Jwk { kid, key });
        }
        Ok(KeySet { keys })
    }

    /// How many usable keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether a key with this `kid` (any key, without one) fits `alg`.
    pub fn has(&self, alg: Alg, kid: Option<&str>) -> bool {
        self.candidates(alg, kid).next().is_some()
    }

    fn candidates(&self, alg: Alg, kid: Option<&str>) -> impl Iterator<Item = &Jwk> {
        self.keys
            .iter()
            .filter(move |k| k.key.fits(alg) && (kid.is_none() || k.kid.as_deref() == kid))
    }
}

/// Why an ID token is not believed. `Display` is the reason shown to the
/// user on the error page (after "the ID token …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTokenError {
    /// Not three base64url parts of JSON, or too long.
    Malformed(String),
    /// An algorithm outside the allow-list (`none`, `HS256`, …).
    Alg(String),
    /// No key in the JWKS (even after fetching it again) has this `kid`.
    UnknownKey(Option<String>),
    /// The signature does not verify.
    BadSignature,
    /// `iss` is not the issuer.
    Issuer {
        /// What the token says.
        got: String,
        /// What we expected.
        want: String,
    },
    /// `aud` does not contain our client id.
    Audience,
    /// `azp` is missing (several audiences) or not our client id.
    AuthorizedParty,
    /// `exp` is past (beyond the skew), or missing.
    Expired,
    /// `iat` is in the future (beyond the skew), or missing.
    IssuedInFuture,
    /// `nonce` is not the one sent with this sign-in.
    Nonce,
    /// No `sub`.
    NoSubject,
}

impl fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdTokenError::Malformed(why) => write!(f, "is malformed ({why})"),
            IdTokenError::Alg(alg) => write!(
                f,
                "is signed with {alg:?}, which this server never accepts (only RS256 and ES256)"
            ),
            IdTokenError::UnknownKey(Some(kid)) => write!(
                f,
                "is signed with a key ({kid:?}) that the provider does not publish"
            ),
            IdTokenError::UnknownKey(None) => {
                f.write_str("names no key, and no published key fits it")
            }
            IdTokenError::BadSignature => {
                f.write_str("has a signature that does not verify with the provider's key")
            }
            IdTokenError::Issuer { got, want } => {
                write!(f, "was issued by {got:?}, not by {want:?}")
            }
            IdTokenError::Audience => f.write_str("was issued to another application"),
            IdTokenError::AuthorizedParty => {
                f.write_str("was issued to several applications, not to this one (azp)")
            }
            IdTokenError::Expired => f.write_str("has expired"),
            IdTokenError::IssuedInFuture => {
                f.write_str("claims to be issued in the future (check the server's clock)")
            }
            IdTokenError::Nonce => {
                f.write_str("belongs to another sign-in (its nonce does not match this one)")
            }
            IdTokenError::NoSubject => f.write_str("names no subject"),
        }
    }
}

/// A decoded, not yet trusted, ID token.
#[derive(Debug)]
pub struct Unverified<'a> {
    alg: Alg,
    kid: Option<String>,
    signed: &'a str,
    signature: Vec<u8>,
    claims: Value,
}

/// Splits and decodes `header.claims.signature`, checking the `alg`
/// against `allowed` (never `none`).
pub fn decode<'a>(token: &'a str, allowed: &[Alg]) -> Result<Unverified<'a>, IdTokenError> {
    let bad = |why: &str| IdTokenError::Malformed(why.into());
    if token.len() > MAX_ID_TOKEN_BYTES {
        return Err(bad("too long"));
    }
    let (signed, sig) = token.rsplit_once('.').ok_or_else(|| bad("not a JWS"))?;
    let (header, claims) = signed.split_once('.').ok_or_else(|| bad("not a JWS"))?;
    let json = |part: &str, what: &str| -> Result<Value, IdTokenError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| bad(&format!("the {what} is not base64url")))?;
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| bad(&format!("the {what} is not a JSON object")))
    };
    let header = json(header, "header")?;
    let claims = json(claims, "claims")?;
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let alg = Alg::parse(alg_name)
        .filter(|a| allowed.contains(a))
        .ok_or_else(|| IdTokenError::Alg(alg_name.to_string()))?;
    // RFC 7515 §4.1.11: extensions we do not understand must be refused.
    if header.get("crit").is_some() {
        return Err(bad("it has critical header extensions"));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| bad("the signature is not base64url"))?;
    Ok(Unverified {
        alg,
        kid: header
            .get("kid")
            .and_then(Value::as_str)
            .map(str::to_string),
        signed,
        signature,
        claims,
    })
}

/// What a valid ID token must say (§3.1.3.7 items 2–3, 9–11).
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The issuer; may contain Entra's `{tenantid}`.
    pub issuer: &'a str,
    /// Another accepted form of the same issuer (Google's `accounts.google.com`).
    pub issuer_alias: Option<&'a str>,
    /// Our client id.
    pub client_id: &'a str,
    /// The nonce sent with this sign-in.
    pub nonce: &'a str,
    /// Unix seconds.
    pub now: u64,
}

/// The claims of a valid ID token that decide who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The subject: stable and unique at this issuer.
    pub sub: String,
    /// The e-mail address, if the provider sent one (an identity only when verified).
    pub email: Option<String>,
    /// Whether the provider says it verified `email`.
    pub email_verified: bool,
    /// The display name.
    pub name: Option<String>,
    /// A fallback display name (`preferred_username`: Entra, Keycloak, Okta).
    pub preferred_username: Option<String>,
    /// Google Workspace's hosted domain.
    pub hd: Option<String>,
    /// Entra ID's tenant id.
    pub tid: Option<String>,
}

impl Unverified<'_> {
    /// The `kid` of the header.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm of the header (from the allow-list).
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// Checks the signature with the key that `kid` names in `keys`
    /// ([`IdTokenError::UnknownKey`]: fetch the JWKS again, then retry).
    pub fn verify_signature(&self, keys: &KeySet) -> Result<(), IdTokenError> {
        let mut candidates = keys.candidates(self.alg, self.kid()).peekable();
        if candidates.peek().is_none() {
            return Err(IdTokenError::UnknownKey(self.kid.clone()));
        }
        let message = self.signed.as_bytes();
        if candidates.any(|k| k.key.verifies(message, &self.signature)) {
            Ok(())
        } else {
            Err(IdTokenError::BadSignature)
        }
    }

    /// Checks the claims (after the signature).
    pub fn check_claims(&self, want: &Expected<'_>) -> Result<Claims, IdTokenError> {
        let c = &self.claims;
        let text = |name: &str| c.get(name).and_then(Value::as_str).map(str::to_string);
        let tid = text("tid");
        // ── iss ──
        let issuer = match (&tid, want.issuer.contains("{tenantid}")) {
            (Some(tid), true) => want.issuer.replace("{tenantid}", tid),
            _ => want.issuer.to_string(),
        };
        let iss = text("iss").unwrap_or_default();
        if iss != issuer && Some(iss.as_str()) != want.issuer_alias {
            return Err(IdTokenError::Issuer {
                got: iss,
                want: issuer,
            });
        }
        // ── aud, azp ──
        let audiences: Vec<&str> = match c.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !audiences.contains(&want.client_id) {
            return Err(IdTokenError::Audience);
        }
        let azp = text("azp");
        if (audiences.len() > 1 && azp.is_none())
            || azp.as_deref().is_some_and(|a| a != want.client_id)
        {
            return Err(IdTokenError::AuthorizedParty);
        }
        // ── exp, iat ──
        let exp = c.get("exp").and_then(Value::as_u64).unwrap_or(0);
        if exp.saturating_add(CLOCK_SKEW_SECS) <= want.now {
            return Err(IdTokenError::Expired);
        }
        let iat = c.get("iat").and_then(Value::as_u64);
        if iat.is_none_or(|iat| iat > want.now.saturating_add(CLOCK_SKEW_SECS)) {
            return Err(IdTokenError::IssuedInFuture);
        }
        // ── nonce ──
        let nonce = text("nonce").unwrap_or_default();
        if want.nonce.is_empty()
            || !crate::crypto::secret::constant_time_eq(nonce.as_bytes(), want.nonce.as_bytes())
        {
            return Err(IdTokenError::Nonce);
        }
        let sub = text("sub")
            .filter(|s| !s.is_empty())
            .ok_or(IdTokenError::NoSubject)?;
        // Some providers send `"true"` as a string (older Cognito, some proxies).
        let email_verified = c.get("email_verified") == Some(&Value::Bool(true))
            || c.get("email_verified").and_then(Value::as_str) == Some("true");
        Ok(Claims {
            sub,
            email: text("email"),
            email_verified,
            name: text("name"),
            preferred_username: text("preferred_username"),
            hd: text("hd"),
            tid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use serde_json::json;

    /// A fresh P-256 key, its JWK, and a signer.
    fn es256_key(kid: &str) -> (EcdsaKeyPair, Value) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..])});
        (pair, jwk)
    }

    fn sign(pair: &EcdsaKeyPair, header: &Value, claims: &Value) -> String {
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = pair.sign(&SystemRandom::new(), signed.as_bytes()).unwrap();
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }

    fn claims() -> Value {
        json!({"iss": "https://op.example", "aud": "client-1", "sub": "u1", "nonce": "n1",
               "exp": 2000, "iat": 1000, "email": "a@example.com", "email_verified": true})
    }

    const WANT: Expected<'static> = Expected {
        issuer: "https://op.example",
        issuer_alias: None,
        client_id: "client-1",
        nonce: "n1",
        now: 1500,
    };

    fn check(claims: &Value) -> Result<Claims, IdTokenError> {
        let (pair, jwk) = es256_key("k1");
        let keys = KeySet::parse(&json!({"keys": [jwk]})).unwrap();
        let token = sign(&pair, &json!({"alg": "ES256", "kid": "k1"}), claims);
        let t = decode(&token, &[Alg::Rs256, Alg::Es256])?;
        t.verify_signature(&keys)?;
        t.check_claims(&WANT)
    }

    #[test]
    fn a_good_es256_token_passes_and_gives_its_claims() {
        let c = check(&claims()).unwrap();
        assert_eq!(c.sub, "u1");
        assert_eq!(c.email.as_deref(), Some("a@example.com"));
        assert!(c.email_verified);
    }

    #[test]
    fn each_claim_rule_refuses_with_its_reason() {
        let with = |k: &str, v: Value| {
            let mut c = claims();
            c[k] = v;
            check(&c).unwrap_err()
        };
        assert!(matches!(
            with("iss", json!("https://evil.example")),
            IdTokenError::Issuer { .. }
        ));
        assert_eq!(with("aud", json!("client-2")), IdTokenError::Audience);
        assert_eq!(
            with("aud", json!(["client-1", "client-2"])),
            IdTokenError::AuthorizedParty
        );
        assert_eq!(
            with("azp", json!("client-2")),
            IdTokenError::AuthorizedParty
        );
        assert_eq!(
            with("exp", json!(1500 - CLOCK_SKEW_SECS)),
            IdTokenError::Expired
        );
        assert!(
            check(&{
                let mut c = claims();
                c["exp"] = json!(1500 - CLOCK_SKEW_SECS + 1);
                c
            })
            .is_ok(),
            "within the skew"
        );
        assert_eq!(
            with("iat", json!(1500 + CLOCK_SKEW_SECS + 1)),
            IdTokenError::IssuedInFuture
        );
        assert_eq!(with("nonce", json!("n2")), IdTokenError::Nonce);
        assert_eq!(with("sub", json!("")), IdTokenError::NoSubject);
        let mut several = claims();
        several["aud"] = json!(["client-1", "client-2"]);
        several["azp"] = json!("client-1");
        assert!(check(&several).is_ok());
    }

    #[test]
    fn entra_tenant_placeholder_is_filled_from_tid() {
        let want = Expected {
            issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
            ..WANT
        };
        let (pair, jwk) = es256_key("k1");
        let keys = KeySet::parse(&json!({"keys": [jwk]})).unwrap();
        let mut c = claims();
        c["iss"] = json!("https://login.microsoftonline.com/t-1/v2.0");
        c["tid"] = json!("t-1");
        let ok = sign(&pair, &json!({"alg": "ES256", "kid": "k1"}), &c);
        let t = decode(&ok, &[Alg::Es256]).unwrap();
        t.verify_signature(&keys).unwrap();
        assert_eq!(t.check_claims(&want).unwrap().tid.as_deref(), Some("t-1"));
        c["tid"] = json!("t-2"); // the tenant in iss must be the token's own
        let bad = sign(&pair, &json!({"alg": "ES256", "kid": "k1"}), &c);
        let t = decode(&bad, &[Alg::Es256]).unwrap();
        assert!(matches!(
            t.check_claims(&want),
            Err(IdTokenError::Issuer { .. })
        ));
    }

    #[test]
    fn none_hmac_and_unknown_algs_are_refused_before_any_key_is_looked_at() {
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        assert_eq!(
            decode(&unsigned, &[Alg::Rs256, Alg::Es256]).unwrap_err(),
            IdTokenError::Alg("none".into())
        );
        let hs = format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#));
        assert_eq!(
            decode(&hs, &[Alg::Rs256]).unwrap_err(),
            IdTokenError::Alg("HS256".into())
        );
        // ES256 is refused when the provider only signs with RS256.
        let es = format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256"}"#));
        assert!(matches!(
            decode(&es, &[Alg::Rs256]),
            Err(IdTokenError::Alg(_))
        ));
        assert!(matches!(
            decode("a.b", &[Alg::Rs256]),
            Err(IdTokenError::Malformed(_))
        ));
        assert!(matches!(
            decode(&"a".repeat(MAX_ID_TOKEN_BYTES + 1), &[Alg::Rs256]),
            Err(IdTokenError::Malformed(_))
        ));
    }

    #[test]
    fn a_signature_by_another_key_or_an_unknown_kid_is_refused() {
        let (pair, _) = es256_key("k1");
        let (_, other_jwk) = es256_key("k1");
        let keys = KeySet::parse(&json!({"keys": [other_jwk]})).unwrap();
        let token = sign(&pair, &json!({"alg": "ES256", "kid": "k1"}), &claims());
        let t = decode(&token, &[Alg::Es256]).unwrap();
        assert_eq!(t.verify_signature(&keys), Err(IdTokenError::BadSignature));
        let token = sign(&pair, &json!({"alg": "ES256", "kid": "k9"}), &claims());
        let t = decode(&token, &[Alg::Es256]).unwrap();
        assert_eq!(
            t.verify_signature(&keys),
            Err(IdTokenError::UnknownKey(Some("k9".into())))
        );
        // A tampered payload fails with the right key too.
        let (pair, jwk) = es256_key("k1");
        let keys = KeySet::parse(&json!({"keys": [jwk]})).unwrap();
        let token = sign(&pair, &json!({"alg": "ES256", "kid": "k1"}), &claims());
        let mut parts: Vec<&str> = token.split('.').collect();
        let mut forged = claims();
        forged["sub"] = json!("admin");
        let forged = URL_SAFE_NO_PAD.encode(forged.to_string());
        parts[1] = &forged;
        let tampered = parts.join(".");
        let t = decode(&tampered, &[Alg::Es256]).unwrap();
        assert_eq!(t.verify_signature(&keys), Err(IdTokenError::BadSignature));
    }

    #[test]
    fn the_jwks_keeps_only_signing_keys_it_can_use() {
        let (_, ec) = es256_key("ec");
        let keys = KeySet::parse(&json!({"keys": [
            ec,
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "ps", "alg": "PS256", "n": "AQAB", "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"},
            {"kty": "RSA", "kid": "rs", "n": "AQAB", "e": "AQAB"},
        ]}))
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys.has(Alg::Es256, Some("ec")) && keys.has(Alg::Rs256, Some("rs")));
        assert!(!keys.has(Alg::Rs256, Some("ec")) && !keys.has(Alg::Rs256, Some("enc")));
        assert!(KeySet::parse(&json!({"nokeys": []})).is_err());
    }
}
