//! **[all](crate::_documentation::flow) Every arrow — the one numbering.** The
//! sequence diagram of [docs/FLOW.md](crate::_documentation::flow) has 33
//! numbered arrows; this enum is their only definition in code. The router
//! says which arrow each request is ([`crate::router::route`]), the
//! `MCP_TRACE=1` narration prints it ([`crate::ext::trace`]),
//! `cargo run --example walkthrough` and the tests name arrows with it, and
//! `tests/flow_doc.rs` checks that every variant's number and label are the
//! heading of the same arrow in FLOW.md.
//!
//! ```
//! use remote_mcp::arrow::{Arrow, Party};
//!
//! assert_eq!(Arrow::TokenRequest.number(), 26);
//! assert_eq!(Arrow::TokenRequest.to_string(), "[26]");
//! assert_eq!(Arrow::TokenRequest.from(), Party::Client);
//! assert_eq!(Arrow::TokenRequest.answer(), Some(Arrow::Tokens));
//! assert_eq!(Arrow::ALL.len(), 33);
//! ```
//!
//! # Where this sits
//! A leaf: it imports nothing from the crate but the HTTP [`Response`] type
//! it reads in [`Arrow::answered_by`].

use std::fmt;

use crate::http::{Body, Response};

/// Who sends or receives an arrow: the four lifelines of the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// `C`: the MCP client (claude.ai, an SDK client) and the user's browser.
    Client,
    /// `S`: this server.
    Server,
    /// `W`: the client's web site, serving its Client ID Metadata Document.
    Website,
    /// `I`: the upstream identity provider (GitHub, an OpenID provider).
    Idp,
}

impl Party {
    /// The letter the diagram uses.
    pub fn letter(self) -> char {
        match self {
            Party::Client => 'C',
            Party::Server => 'S',
            Party::Website => 'W',
            Party::Idp => 'I',
        }
    }
}

/// One arrow of the sequence diagram, numbered as in docs/FLOW.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arrow {
    /// `[1]` C → S `POST /mcp` without a token.
    McpWithoutToken = 1,
    /// `[2]` S → C `401` with the challenge.
    Challenge,
    /// `[3]` C → S `GET /.well-known/oauth-protected-resource/mcp`.
    ResourceMetadataRequest,
    /// `[4]` S → C the protected resource metadata.
    ResourceMetadata,
    /// `[5]` C → S `GET /.well-known/oauth-authorization-server`.
    ServerMetadataRequest,
    /// `[6]` S → C the authorization server metadata.
    ServerMetadata,
    /// `[7]` C → S `POST /register` (Dynamic Client Registration).
    Register,
    /// `[8]` S → C `201` the registration.
    Registration,
    /// `[9]` C → S `GET /authorize?client_id=https://…` (Client ID Metadata
    /// Document): the same request as `[12]`.
    AuthorizeWithDocumentUrl,
    /// `[10]` S → W `GET` the metadata document.
    FetchDocument,
    /// `[11]` W → S the document.
    Document,
    /// `[12]` C → S `GET /authorize`.
    Authorize,
    /// `[13]` S → C `200` the login and consent form (password branch).
    ConsentForm,
    /// `[14]` C → S `POST /authorize` (the user presses "Allow").
    Allow,
    /// `[15]` S → C `302 redirect_uri?code&state&iss`.
    CodeRedirect,
    /// `[16]` S → C `302` to the upstream IdP (upstream branch).
    ToUpstream,
    /// `[17]` C → I the IdP's login page.
    UpstreamLogin,
    /// `[18]` I → C `302 /auth/github/callback?code&state`.
    UpstreamRedirect,
    /// `[19]` C → S `GET /auth/github/callback?code&state`.
    UpstreamCallback,
    /// `[20]` S → I `POST` code → token.
    UpstreamTokenRequest,
    /// `[21]` I → S the IdP's access token.
    UpstreamToken,
    /// `[22]` S → C `302 /authorize?…` + `Set-Cookie: mcp_session`.
    ResumeAuthorize,
    /// `[23]` C → S `GET /authorize?…` + `Cookie: mcp_session`.
    AuthorizeWithSession,
    /// `[24]` S → C `302 redirect_uri?code&state&iss`.
    SessionCodeRedirect,
    /// `[25]` S → C `302 redirect_uri?code&state&iss` (single user).
    SingleUserCodeRedirect,
    /// `[26]` C → S `POST /token` `grant_type=authorization_code`.
    TokenRequest,
    /// `[27]` S → C `200` the tokens.
    Tokens,
    /// `[28]` C → S `POST /mcp` with `Authorization: Bearer …`.
    ToolCall,
    /// `[29]` S → C the answer.
    ToolAnswer,
    /// `[30]` C → S `POST /token` `grant_type=refresh_token`.
    RefreshRequest,
    /// `[31]` S → C `200` a rotated pair.
    RotatedTokens,
    /// `[32]` C → S `POST /revoke`.
    Revoke,
    /// `[33]` S → C `200`.
    Revoked,
}

use Arrow::*;
use Party::{Client, Idp, Server, Website};

impl Arrow {
    /// Every arrow, in diagram order.
    pub const ALL: [Arrow; 33] = [
        McpWithoutToken,
        Challenge,
        ResourceMetadataRequest,
        ResourceMetadata,
        ServerMetadataRequest,
        ServerMetadata,
        Register,
        Registration,
        AuthorizeWithDocumentUrl,
        FetchDocument,
        Document,
        Authorize,
        ConsentForm,
        Allow,
        CodeRedirect,
        ToUpstream,
        UpstreamLogin,
        UpstreamRedirect,
        UpstreamCallback,
        UpstreamTokenRequest,
        UpstreamToken,
        ResumeAuthorize,
        AuthorizeWithSession,
        SessionCodeRedirect,
        SingleUserCodeRedirect,
        TokenRequest,
        Tokens,
        ToolCall,
        ToolAnswer,
        RefreshRequest,
        RotatedTokens,
        Revoke,
        Revoked,
    ];

    /// Its number in docs/FLOW.md, 1 to 33.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The arrow with this number.
    pub fn from_number(number: u8) -> Option<Arrow> {
        Arrow::ALL.get(usize::from(number).checked_sub(1)?).copied()
    }

    /// Who sends it and who receives it.
    pub fn parties(self) -> (Party, Party) {
        match self {
            FetchDocument => (Server, Website),
            Document => (Website, Server),
            UpstreamLogin => (Client, Idp),
            UpstreamRedirect => (Idp, Client),
            UpstreamTokenRequest => (Server, Idp),
            UpstreamToken => (Idp, Server),
            McpWithoutToken
            | ResourceMetadataRequest
            | ServerMetadataRequest
            | Register
            | AuthorizeWithDocumentUrl
            | Authorize
            | Allow
            | UpstreamCallback
            | AuthorizeWithSession
            | TokenRequest
            | ToolCall
            | RefreshRequest
            | Revoke => (Client, Server),
            Challenge
            | ResourceMetadata
            | ServerMetadata
            | Registration
            | ConsentForm
            | CodeRedirect
            | ToUpstream
            | ResumeAuthorize
            | SessionCodeRedirect
            | SingleUserCodeRedirect
            | Tokens
            | ToolAnswer
            | RotatedTokens
            | Revoked => (Server, Client),
        }
    }

    /// Who sends it.
    pub fn from(self) -> Party {
        self.parties().0
    }

    /// Who receives it.
    pub fn to(self) -> Party {
        self.parties().1
    }

    /// What the arrow carries, as FLOW.md's heading says it (without the
    /// number and the parties).
    pub fn label(self) -> &'static str {
        match self {
            McpWithoutToken => "`POST /mcp` without a token",
            Challenge => "`401` with the challenge",
            ResourceMetadataRequest => "`GET /.well-known/oauth-protected-resource/mcp`",
            ResourceMetadata => "the protected resource metadata",
            ServerMetadataRequest => "`GET /.well-known/oauth-authorization-server`",
            ServerMetadata => "the authorization server metadata",
            Register => "`POST /register` (Dynamic Client Registration)",
            Registration => "`201` the registration",
            AuthorizeWithDocumentUrl => {
                "`GET /authorize?client_id=https://…` (Client ID Metadata Document)"
            }
            FetchDocument => "`GET` the metadata document",
            Document => "the document",
            Authorize => "`GET /authorize`",
            ConsentForm => "`200` the login and consent form (password branch)",
            Allow => "`POST /authorize` (the user presses \"Allow\")",
            CodeRedirect => "`302 redirect_uri?code&state&iss`",
            ToUpstream => "`302` to the upstream IdP (upstream branch)",
            UpstreamLogin => "the IdP's login page",
            UpstreamRedirect => "`302 /auth/github/callback?code&state`",
            UpstreamCallback => "`GET /auth/github/callback?code&state`",
            UpstreamTokenRequest => "`POST` code → token",
            UpstreamToken => "the IdP's access token",
            ResumeAuthorize => "`302 /authorize?…` + `Set-Cookie: mcp_session`",
            AuthorizeWithSession => "`GET /authorize?…` + `Cookie: mcp_session`",
            SessionCodeRedirect => "`302 redirect_uri?code&state&iss`",
            SingleUserCodeRedirect => "`302 redirect_uri?code&state&iss` (single user)",
            TokenRequest => "`POST /token` `grant_type=authorization_code`",
            Tokens => "`200` the tokens",
            ToolCall => "`POST /mcp` with `Authorization: Bearer …`",
            ToolAnswer => "the answer",
            RefreshRequest => "`POST /token` `grant_type=refresh_token`",
            RotatedTokens => "`200` a rotated pair",
            Revoke => "`POST /revoke`",
            Revoked => "`200`",
        }
    }

    /// The heading of this arrow in docs/FLOW.md:
    /// ``[26]` C → S `POST /token` `grant_type=authorization_code``.
    pub fn heading(self) -> String {
        let (from, to) = self.parties();
        format!(
            "`{self}` {} → {} {}",
            from.letter(),
            to.letter(),
            self.label()
        )
    }

    /// The arrow that answers this request when all goes well, if the
    /// answer is always the same one (`[26]` → `[27]`); `None` for an answer,
    /// and for the requests whose answer depends on the branch
    /// ([`Arrow::answered_by`] decides those).
    pub fn answer(self) -> Option<Arrow> {
        match self {
            McpWithoutToken => Some(Challenge),
            ResourceMetadataRequest => Some(ResourceMetadata),
            ServerMetadataRequest => Some(ServerMetadata),
            Register => Some(Registration),
            FetchDocument => Some(Document),
            UpstreamLogin => Some(UpstreamRedirect),
            UpstreamCallback => Some(ResumeAuthorize),
            UpstreamTokenRequest => Some(UpstreamToken),
            AuthorizeWithSession => Some(SessionCodeRedirect),
            TokenRequest => Some(Tokens),
            ToolCall => Some(ToolAnswer),
            RefreshRequest => Some(RotatedTokens),
            Revoke => Some(Revoked),
            _ => None,
        }
    }

    /// Which arrow `response` is, as the answer to this request arrow; `None`
    /// when the answer leaves the flow (an OAuth error, a 401 for a bad
    /// token, an error page).
    ///
    /// `GET`/`POST /authorize` has several answers: the form (`[13]`), a code
    /// (`[15]` after the form, `[25]` for the single user, `[24]` after an
    /// upstream sign-in), or the way to the IdP (`[16]`).
    pub fn answered_by(self, response: &Response) -> Option<Arrow> {
        let status = response.status;
        let location = response.header("Location").unwrap_or("");
        let query = location.split_once('?').map_or("", |(_, q)| q);
        let says = |name: &str| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some(name))
        };
        match self {
            McpWithoutToken => (status == 401).then_some(Challenge),
            ToolCall => match (&response.body, status) {
                (Body::Deferred(_), _) | (_, 200 | 202 | 204) => Some(ToolAnswer),
                _ => None,
            },
            ResourceMetadataRequest
            | ServerMetadataRequest
            | TokenRequest
            | RefreshRequest
            | Revoke => (status == 200).then(|| self.answer()).flatten(),
            Register => (status == 201).then_some(Registration),
            UpstreamCallback => (matches!(status, 302 | 303) && location.starts_with("/authorize"))
                .then_some(ResumeAuthorize),
            Authorize | AuthorizeWithDocumentUrl | Allow | AuthorizeWithSession => match status {
                200 => Some(ConsentForm),
                302 | 303 if says("error") => None,
                302 | 303 if says("code") => Some(match self {
                    Allow => CodeRedirect,
                    AuthorizeWithSession => SessionCodeRedirect,
                    _ => SingleUserCodeRedirect,
                }),
                302 | 303 => Some(ToUpstream),
                _ => None,
            },
            _ => None,
        }
    }
}

impl fmt::Display for Arrow {
    /// `[26]`, as FLOW.md, the module docs and the trace write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_run_from_1_to_33_in_order() {
        for (i, arrow) in Arrow::ALL.iter().enumerate() {
            assert_eq!(usize::from(arrow.number()), i + 1, "{arrow:?}");
            assert_eq!(Arrow::from_number(arrow.number()), Some(*arrow));
        }
        assert_eq!(Arrow::from_number(0), None);
        assert_eq!(Arrow::from_number(34), None);
    }

    #[test]
    fn every_fixed_answer_goes_back_the_other_way() {
        for arrow in Arrow::ALL {
            if let Some(answer) = arrow.answer() {
                assert_eq!(arrow.from(), answer.to(), "{arrow:?} → {answer:?}");
                assert_eq!(arrow.to(), answer.from(), "{arrow:?} → {answer:?}");
                assert!(answer.number() > arrow.number());
            }
        }
    }

    #[test]
    fn authorize_answers_follow_the_branch() {
        let redirect = |to: &str| Response::empty(302).with_header("Location", to);
        let code = redirect("https://claude.ai/cb?code=mcp_code.x&state=s");
        assert_eq!(Allow.answered_by(&code), Some(CodeRedirect));
        assert_eq!(Authorize.answered_by(&code), Some(SingleUserCodeRedirect));
        assert_eq!(
            AuthorizeWithSession.answered_by(&code),
            Some(SessionCodeRedirect)
        );
        let refused = redirect("https://claude.ai/cb?error=access_denied&state=s");
        assert_eq!(Allow.answered_by(&refused), None);
        let idp = redirect("https://github.com/login/oauth/authorize?client_id=x");
        assert_eq!(Allow.answered_by(&idp), Some(ToUpstream));
        assert_eq!(
            Authorize.answered_by(&Response::empty(200)),
            Some(ConsentForm)
        );
        assert_eq!(Authorize.answered_by(&Response::empty(400)), None);
    }
}
