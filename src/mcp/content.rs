//! **[28–29](crate::_documentation::flow) Tool calls — what a tool, resource or
//! prompt sends back.** The content blocks of MCP 2025-11-25 (`schema.ts`:
//! `TextContent`, `ImageContent`, `AudioContent`, `ResourceLink`,
//! `EmbeddedResource`) and the resource bodies (`TextResourceContents`,
//! `BlobResourceContents`).
//!
//! Binary data (images, audio, blobs) is given as raw bytes and encoded here as
//! standard base64, which the spec requires on the wire: a tool author never
//! handles base64.
//!
//! # Where this sits
//! Built by tool handlers ([`crate::mcp::ToolResult`]), resource readers
//! ([`crate::ext::capabilities::Resource`]) and prompt handlers ([`crate::ext::capabilities::PromptMessage`]);
//! turned into JSON by [`crate::mcp::dispatch`].

use base64::Engine;
use serde_json::{Map, Value, json};

/// Standard base64 with padding: the encoding `schema.ts` names for `data` and `blob`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One content block of a tool result or a prompt message.
///
/// ```
/// use remote_mcp::mcp::Content;
/// let hello = Content::text("Hello");
/// assert_eq!(hello.to_json()["type"], "text");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// `{"type":"text","text":…}`: the only kind every client shows.
    Text(String),
    /// `{"type":"image","data":base64,"mimeType":…}`.
    Image {
        /// The image bytes (encoded as base64 on the wire).
        data: Vec<u8>,
        /// e.g. `image/png`.
        mime_type: String,
    },
    /// `{"type":"audio","data":base64,"mimeType":…}`.
    Audio {
        /// The audio bytes (encoded as base64 on the wire).
        data: Vec<u8>,
        /// e.g. `audio/wav`.
        mime_type: String,
    },
    /// `{"type":"resource","resource":{…}}`: a resource's contents, inline.
    Resource(ResourceContents),
    /// `{"type":"resource_link","uri":…,"name":…}`: a pointer the client may read.
    ResourceLink {
        /// The resource URI.
        uri: String,
        /// A short name for the link.
        name: String,
        /// Optional media type of the target.
        mime_type: Option<String>,
        /// Optional description.
        description: Option<String>,
    },
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Content {
        Content::Text(text.into())
    }

    /// An image block from raw bytes, e.g. `Content::image(png_bytes, "image/png")`.
    pub fn image(data: impl Into<Vec<u8>>, mime_type: &str) -> Content {
        Content::Image {
            data: data.into(),
            mime_type: mime_type.to_string(),
        }
    }

    /// An audio block from raw bytes, e.g. `Content::audio(wav_bytes, "audio/wav")`.
    pub fn audio(data: impl Into<Vec<u8>>, mime_type: &str) -> Content {
        Content::Audio {
            data: data.into(),
            mime_type: mime_type.to_string(),
        }
    }

    /// An embedded resource block.
    pub fn resource(contents: ResourceContents) -> Content {
        Content::Resource(contents)
    }

    /// A link to a resource the client can read with `resources/read`.
    pub fn resource_link(uri: &str, name: &str) -> Content {
        Content::ResourceLink {
            uri: uri.to_string(),
            name: name.to_string(),
            mime_type: None,
            description: None,
        }
    }

    /// The block as it goes on the wire.
    pub fn to_json(&self) -> Value {
        match self {
            Content::Text(text) => json!({"type": "text", "text": text}),
            Content::Image { data, mime_type } => {
                json!({"type": "image", "data": base64(data), "mimeType": mime_type})
            }
            Content::Audio { data, mime_type } => {
                json!({"type": "audio", "data": base64(data), "mimeType": mime_type})
            }
            Content::Resource(contents) => {
                json!({"type": "resource", "resource": contents.to_json()})
            }
            Content::ResourceLink {
                uri,
                name,
                mime_type,
                description,
            } => {
                let mut link = Map::new();
                link.insert("type".into(), "resource_link".into());
                link.insert("uri".into(), uri.as_str().into());
                link.insert("name".into(), name.as_str().into());
                if let Some(m) = mime_type {
                    link.insert("mimeType".into(), m.as_str().into());
                }
                if let Some(d) = description {
                    link.insert("description".into(), d.as_str().into());
                }
                Value::Object(link)
            }
        }
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Content {
        Content::text(text)
    }
}

impl From<String> for Content {
    fn from(text: String) -> Content {
        Content::Text(text)
    }
}

/// The body of a resource: text, or bytes sent as a base64 `blob`.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceBody {
    /// `"text": …`
    Text(String),
    /// `"blob": base64(…)`
    Blob(Vec<u8>),
}

/// What `resources/read` returns for one URI, and what an embedded resource holds.
///
/// ```
/// use remote_mcp::mcp::ResourceContents;
/// let readme = ResourceContents::text("file:///README.md", "text/markdown", "# Hi");
/// assert_eq!(readme.to_json()["text"], "# Hi");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceContents {
    /// The URI these contents belong to.
    pub uri: String,
    /// The media type, if known.
    pub mime_type: Option<String>,
    /// Text or bytes.
    pub body: ResourceBody,
}

impl ResourceContents {
    /// Text contents with a media type (e.g. `text/plain`).
    pub fn text(uri: &str, mime_type: &str, text: impl Into<String>) -> ResourceContents {
        ResourceContents {
            uri: uri.to_string(),
            mime_type: Some(mime_type.to_string()),
            body: ResourceBody::Text(text.into()),
        }
    }

    /// Binary contents with a media type (e.g. `image/png`), sent as base64.
    pub fn blob(uri: &str, mime_type: &str, bytes: impl Into<Vec<u8>>) -> ResourceContents {
        ResourceContents {
            uri: uri.to_string(),
            mime_type: Some(mime_type.to_string()),
            body: ResourceBody::Blob(bytes.into()),
        }
    }

    /// The contents as they go on the wire.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("uri".into(), self.uri.as_str().into());
        if let Some(m) = &self.mime_type {
            out.insert("mimeType".into(), m.as_str().into());
        }
        match &self.body {
            ResourceBody::Text(t) => out.insert("text".into(), t.as_str().into()),
            ResourceBody::Blob(b) => out.insert("blob".into(), base64(b).into()),
        };
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_content_is_standard_base64() {
        let c = Content::image(vec![0xff, 0xfe], "image/png");
        assert_eq!(
            c.to_json(),
            json!({"type":"image","data":"//4=","mimeType":"image/png"})
        );
        let r = ResourceContents::blob("x://b", "application/octet-stream", vec![1, 2, 3]);
        assert_eq!(r.to_json()["blob"], "AQID");
    }

    #[test]
    fn resource_link_leaves_out_what_is_unknown() {
        assert_eq!(
            Content::resource_link("x://a", "a").to_json(),
            json!({"type":"resource_link","uri":"x://a","name":"a"})
        );
    }
}
