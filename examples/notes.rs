//! A notes service, written the way the typed tool API intends: parameters
//! declared with `Param`, arguments read into structs, results serialized from
//! structs, the store given once as the server's state, a deletion confirmed
//! by the user, an export with progress and cancellation, a resource per note,
//! list-changed notifications and a prompt.
//!
//! ```text
//! cargo run --example notes                          # notes in memory
//! NOTES_FILE=notes.json cargo run --example notes    # notes kept in a file
//! ```
//!
//! | MCP | what |
//! |---|---|
//! | tool `add_note(title, body, tags?)` | adds a note; structured output (the note) |
//! | tool `list_notes(tag?)` | the notes, newest first; structured output |
//! | tool `delete_note(id)` | deletes one note after the user confirms (elicitation) |
//! | tool `export_notes(format?)` | all notes as Markdown or JSON, with progress; stops when cancelled |
//! | resource template `notes://{id}` | one note as Markdown |
//! | prompt `summarize_notes(tag?)` | asks the model to summarize the notes |
//!
//! # Keeping notes
//! With `NOTES_FILE` set, every change rewrites the file **atomically**: the
//! new content goes to a temporary file in the same directory, is flushed to
//! disk, and is renamed over the old one — a crash leaves either the old file
//! or the new one, never half of one. A file that exists but cannot be read
//! stops the server at start-up rather than be overwritten. Without
//! `NOTES_FILE` the notes live in memory. One process owns the file: on
//! several instances use a database instead.
//!
//! # Confirming a deletion
//! `delete_note` asks the user (`ToolCall::confirm`). A client that cannot
//! answer is told so at once when it declared its capabilities, and after
//! `McpServer::unknown_client_wait` (5 s) when it has no session; nothing is
//! deleted without a yes.
//!
//! Tests: `tests/notes.rs` (with `remote_mcp::testing::TestClient`) and
//! `tests/interop/notes_py.py` (the official Python SDK, both eras).

use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use remote_mcp::ext::capabilities::{
    Prompt, PromptError, PromptMessage, ResourceError, ResourceTemplate,
};
use remote_mcp::ext::era_2026::Notifier;
use remote_mcp::mcp::{ResourceContents, Type};
use remote_mcp::{App, McpServer, Param, Tool, ToolCall, ToolError, ToolResult};
use serde::{Deserialize, Serialize};

fn main() -> Result<(), Box<dyn Error>> {
    let file = std::env::var_os("NOTES_FILE").map(PathBuf::from);
    App::new(build(file)?).run()
}

/// The MCP server over a store kept in `file` (or in memory when `None`).
pub fn build(file: Option<PathBuf>) -> Result<McpServer, Box<dyn Error>> {
    let mcp = McpServer::new("notes")
        .title("Notes")
        .instructions(
            "A personal notebook. add_note writes a note, list_notes shows them (by tag), \
             delete_note removes one after the user confirms, export_notes returns them all. \
             Each note is also the resource notes://{id}.",
        )
        .announce_list_changes();
    let notes = Arc::new(Notes::open(file, mcp.notifier())?);
    let (for_resources, for_completion, for_prompt) = (notes.clone(), notes.clone(), notes.clone());
    Ok(mcp
        .with_state(notes)
        .tool(
            Tool::new("add_note", "Adds a note and returns it with its id.")
                .title("Add a note")
                .arg(Param::string("title", "A short title").range(1, 200))
                .arg(Param::string("body", "The text of the note"))
                .arg(Param::array("tags", Type::String, "Words to find it by later").max(20).optional())
                .returns(Param::integer("id", "The note's id"))
                .returns(Param::string("title", "Its title"))
                .returns(Param::string("body", "Its text"))
                .returns(Param::array("tags", Type::String, "Its tags"))
                .returns(Param::integer("created", "When it was written (Unix seconds)"))
                .returns(Param::string("uri", "The note as a resource"))
                .destructive(false)
                .handler_with_state(add_note),
        )
        .tool(
            Tool::new("list_notes", "Lists the notes, newest first, optionally only those with a tag.")
                .title("List notes")
                .arg(Param::string("tag", "Only notes with this tag").optional())
                .returns(Param::integer("count", "How many notes are listed"))
                .returns(Param::array("notes", Type::Object, "Each note: id, title, tags, uri"))
                .read_only()
                .handler_with_state(list_notes),
        )
        .tool(
            Tool::new("delete_note", "Deletes a note, after the user confirms.")
                .title("Delete a note")
                .arg(Param::integer("id", "The note's id (see list_notes)").min(1))
                .destructive(true)
                .idempotent(true)
                .handler_with_state(delete_note),
        )
        .tool(
            Tool::new("export_notes", "Every note in one document, as Markdown or JSON.")
                .title("Export notes")
                .arg(Param::string("format", "The document's format").one_of(["markdown", "json"]).default("markdown"))
                .read_only()
                .handler_with_state(export_notes),
        )
        .resource_template(
            ResourceTemplate::new("notes://{id}", "note")
                .title("A note")
                .description("One note as Markdown")
                .mime_type("text/markdown")
                .read(move |request| {
                    let id = request.var("id").and_then(|id| id.parse::<u64>().ok());
                    let book = for_resources.book().map_err(|e| ResourceError::Failed(e.to_string()))?;
                    match id.and_then(|id| book.notes.iter().find(|n| n.id == id)) {
                        Some(note) => Ok(ResourceContents::text(request.uri, "text/markdown", note.markdown())),
                        None => Err(ResourceError::NotFound(request.uri.to_string())),
                    }
                })
                .complete("id", move |typed, _| {
                    let Ok(book) = for_completion.book() else { return Vec::new() };
                    book.notes.iter().map(|n| n.id.to_string()).filter(|id| id.starts_with(typed)).collect()
                }),
        )
        .prompt(
            Prompt::new("summarize_notes", "Asks the model to summarize the notes.")
                .title("Summarize notes")
                .optional_argument("tag", "Only notes with this tag")
                .get(move |request| {
                    let book = for_prompt.book().map_err(|e| PromptError::Failed(e.to_string()))?;
                    let tag = request.arg("tag");
                    let chosen: Vec<String> = book.notes.iter().filter(|n| n.has(tag)).map(Note::markdown).collect();
                    let text = if chosen.is_empty() {
                        "There are no notes yet. Say so, and suggest writing one with add_note.".to_string()
                    } else {
                        format!("Summarize these notes in a few bullet points, grouping related ones:\n\n{}", chosen.join("\n---\n"))
                    };
                    Ok(vec![PromptMessage::user(text)])
                }),
        ))
}

// ── The tools ──────────────────────────────────────────────────────────────

/// `add_note`'s arguments.
#[derive(Deserialize)]
struct AddNote {
    title: String,
    body: String,
    #[serde(default)]
    tags: Vec<String>,
}

fn add_note(notes: &Arc<Notes>, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let AddNote { title, body, tags } = call.args()?;
    let note = notes.change(|book| {
        book.next_id += 1;
        let note = Note {
            id: book.next_id,
            title,
            body,
            tags,
            created: now(),
        };
        book.notes.push(note.clone());
        note
    })?;
    notes.notifier.resource_updated(&note.uri());
    ToolResult::json(&Added::from(note))
}

/// `list_notes`' arguments.
#[derive(Deserialize)]
struct ListNotes {
    tag: Option<String>,
}

/// `list_notes`' result.
#[derive(Serialize)]
struct Listed {
    count: usize,
    notes: Vec<Summary>,
}

/// One note in a list: everything but the body.
#[derive(Serialize)]
struct Summary {
    id: u64,
    title: String,
    tags: Vec<String>,
    uri: String,
}

fn list_notes(notes: &Arc<Notes>, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let ListNotes { tag } = call.args()?;
    let book = notes.book()?;
    let listed: Vec<Summary> = book
        .notes
        .iter()
        .rev()
        .filter(|n| n.has(tag.as_deref()))
        .map(|n| Summary {
            id: n.id,
            title: n.title.clone(),
            tags: n.tags.clone(),
            uri: n.uri(),
        })
        .collect();
    ToolResult::json(&Listed {
        count: listed.len(),
        notes: listed,
    })
}

/// `delete_note`'s arguments.
#[derive(Deserialize)]
struct DeleteNote {
    id: u64,
}

fn delete_note(notes: &Arc<Notes>, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let DeleteNote { id } = call.args()?;
    let title = match notes.book()?.notes.iter().find(|n| n.id == id) {
        Some(note) => note.title.clone(),
        None => return Err(format!("There is no note {id}; list_notes shows the ids.").into()),
    };
    // The question first, the deletion after: in MCP 2026-07-28 this handler
    // runs again from the top when the client comes back with the answer.
    if !call.confirm(&format!(
        "Delete note {id}, \u{201c}{title}\u{201d}? This cannot be undone."
    ))? {
        return Ok(format!("Note {id} was not deleted.").into());
    }
    let removed = notes.change(|book| {
        let before = book.notes.len();
        book.notes.retain(|n| n.id != id);
        before != book.notes.len()
    })?;
    if removed {
        notes.notifier.resource_updated(&format!("notes://{id}"));
    }
    // Idempotent: a second confirmation of the same deletion is no error.
    Ok(format!("Deleted note {id}, \u{201c}{title}\u{201d}.").into())
}

/// `export_notes`' arguments.
#[derive(Deserialize)]
struct Export {
    #[serde(default = "markdown")]
    format: String,
}

fn markdown() -> String {
    "markdown".into()
}

fn export_notes(notes: &Arc<Notes>, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let Export { format } = call.args()?;
    let all = notes.book()?.notes.clone();
    let total = all.len() as f64;
    let mut parts = Vec::with_capacity(all.len());
    for (i, note) in all.iter().enumerate() {
        if call.is_cancelled() {
            return Err(ToolError::Cancelled);
        }
        parts.push(match format.as_str() {
            "json" => serde_json::to_string(note)?,
            _ => note.markdown(),
        });
        call.progress(
            (i + 1) as f64,
            Some(total),
            Some(&format!("note {}", note.id)),
        );
    }
    Ok(match format.as_str() {
        "json" => format!("[{}]", parts.join(",")),
        _ if parts.is_empty() => "No notes yet.".to_string(),
        _ => parts.join("\n---\n"),
    }
    .into())
}

// ── The store ──────────────────────────────────────────────────────────────

/// One note.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Note {
    /// Its id, never reused.
    pub id: u64,
    /// A short title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Words to find it by.
    #[serde(default)]
    pub tags: Vec<String>,
    /// When it was written, Unix seconds.
    pub created: u64,
}

impl Note {
    fn uri(&self) -> String {
        format!("notes://{}", self.id)
    }

    fn has(&self, tag: Option<&str>) -> bool {
        tag.is_none_or(|t| self.tags.iter().any(|x| x == t))
    }

    fn markdown(&self) -> String {
        let tags = if self.tags.is_empty() {
            String::new()
        } else {
            format!("\n\nTags: {}", self.tags.join(", "))
        };
        format!("# {}\n\n{}{tags}\n", self.title, self.body)
    }
}

/// `add_note`'s result: the note and where to read it.
#[derive(Serialize)]
struct Added {
    #[serde(flatten)]
    note: Note,
    uri: String,
}

impl From<Note> for Added {
    fn from(note: Note) -> Added {
        Added {
            uri: note.uri(),
            note,
        }
    }
}

/// What the file holds.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Book {
    /// The last id given.
    pub next_id: u64,
    /// The notes, oldest first.
    pub notes: Vec<Note>,
}

/// The notes and where they are kept: the server's state.
pub struct Notes {
    file: Option<PathBuf>,
    book: Mutex<Book>,
    notifier: Notifier,
}

impl Notes {
    /// Reads `file` if it exists (an unreadable file is an error, never
    /// overwritten); starts empty otherwise.
    pub fn open(file: Option<PathBuf>, notifier: Notifier) -> Result<Notes, Box<dyn Error>> {
        let book = match &file {
            Some(path) if path.exists() => {
                let text = fs::read_to_string(path)?;
                serde_json::from_str(&text)
                    .map_err(|e| format!("NOTES_FILE {}: {e}", path.display()))?
            }
            _ => Book::default(),
        };
        Ok(Notes {
            file,
            book: Mutex::new(book),
            notifier,
        })
    }

    fn book(&self) -> Result<MutexGuard<'_, Book>, ToolError> {
        self.book
            .lock()
            .map_err(|_| ToolError::msg("The notes are unavailable after an earlier failure."))
    }

    /// Applies `change` and saves: the change counts only once it is on disk.
    fn change<T>(&self, change: impl FnOnce(&mut Book) -> T) -> Result<T, ToolError> {
        let mut book = self.book()?;
        let mut next = book.clone();
        let out = change(&mut next);
        if let Some(path) = &self.file {
            save(path, &next)?;
        }
        *book = next;
        self.notifier.resources_changed();
        Ok(out)
    }
}

/// Writes `book` to `path` atomically: a temporary file in the same
/// directory (a rename is atomic only within one file system), flushed to
/// disk, then renamed over `path`.
fn save(path: &Path, book: &Book) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut file = fs::File::create(&tmp)?;
    file.write_all(serde_json::to_string_pretty(book)?.as_bytes())?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
