//! examples/notes.rs through `remote_mcp::testing::TestClient`: every tool in
//! both eras, the confirmation, the export's progress, the resource and the
//! prompt, and the notes file surviving a restart.

#[path = "../examples/notes.rs"]
#[allow(dead_code)]
mod notes;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use remote_mcp::App;
use remote_mcp::testing::{Era, TestClient, TestClientBuilder};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Debug)]
struct Added {
    id: u64,
    title: String,
    tags: Vec<String>,
    uri: String,
}

#[derive(Deserialize, Debug)]
struct Listed {
    count: usize,
    notes: Vec<Value>,
}

fn builder(file: Option<PathBuf>) -> TestClientBuilder {
    TestClient::builder(App::new(
        notes::build(file).expect("the notes server builds"),
    ))
}

/// A client that answers every confirmation with `answer` ("accept", "decline").
fn client(answer: &'static str) -> TestClient {
    builder(None)
        .on_elicit(move |_| json!({"action": answer, "content": {}}))
        .start()
        .unwrap()
}

#[test]
fn every_tool_in_both_eras() {
    let mut c = client("accept");
    for era in [Era::Legacy, Era::Modern] {
        c.set_era(era).unwrap();
        let added: Added = c
            .call_tool_as(
                "add_note",
                json!({"title": "Milk", "body": "Two litres", "tags": ["shop"]}),
            )
            .unwrap();
        assert_eq!(
            (added.title.as_str(), added.tags.as_slice()),
            ("Milk", &["shop".to_string()][..])
        );
        assert_eq!(added.uri, format!("notes://{}", added.id));
        let other: Added = c
            .call_tool_as(
                "add_note",
                json!({"title": "Call Ada", "body": "About the engine"}),
            )
            .unwrap();
        assert!(other.tags.is_empty());

        let shop: Listed = c
            .call_tool_as("list_notes", json!({"tag": "shop"}))
            .unwrap();
        assert_eq!(shop.count, 1);
        assert_eq!(shop.notes[0]["title"], "Milk");
        let all: Listed = c.call_tool_as("list_notes", json!({})).unwrap();
        assert_eq!(all.notes[0]["id"], other.id, "newest first");

        let export = c.call_tool("export_notes", json!({})).unwrap();
        assert!(
            export.text().contains("# Milk\n\nTwo litres\n\nTags: shop"),
            "{}",
            export.text()
        );
        assert_eq!(export.progress(), [1.0, 2.0], "{era:?}");
        let json_export = c
            .call_tool("export_notes", json!({"format": "json"}))
            .unwrap();
        let parsed: Vec<Value> = serde_json::from_str(&json_export.text()).unwrap();
        assert_eq!(parsed.len(), 2);

        let deleted = c.call_tool("delete_note", json!({"id": added.id})).unwrap();
        assert_eq!(
            deleted.text(),
            format!("Deleted note {}, \u{201c}Milk\u{201d}.", added.id)
        );
        let gone = c.call_tool("delete_note", json!({"id": added.id})).unwrap();
        assert!(gone.is_error());
        assert_eq!(
            gone.text(),
            format!("There is no note {}; list_notes shows the ids.", added.id)
        );
        c.call_tool("delete_note", json!({"id": other.id})).unwrap();
        let empty: Listed = c.call_tool_as("list_notes", json!({})).unwrap();
        assert_eq!(empty.count, 0, "{era:?}");
    }
}

#[test]
fn bad_arguments_are_refused_before_the_tool_runs() {
    let mut c = client("accept");
    let r = c
        .call_tool("add_note", json!({"title": "", "tags": "shop"}))
        .unwrap();
    assert!(r.is_error());
    assert_eq!(
        r.text(),
        "Invalid arguments for tool `add_note`:\n- `body` is required\n- `tags` must be an array, not a string\n- `title` must be at least 1 character long"
    );
    let r = c
        .call_tool("export_notes", json!({"format": "pdf"}))
        .unwrap();
    assert!(
        r.text()
            .contains("`format` must be one of \"markdown\", \"json\""),
        "{}",
        r.text()
    );
}

#[test]
fn a_declined_confirmation_deletes_nothing() {
    let mut c = client("decline");
    for era in [Era::Legacy, Era::Modern] {
        c.set_era(era).unwrap();
        let added: Added = c
            .call_tool_as("add_note", json!({"title": "Keep", "body": "me"}))
            .unwrap();
        let r = c.call_tool("delete_note", json!({"id": added.id})).unwrap();
        assert_eq!(r.text(), format!("Note {} was not deleted.", added.id));
        let listed: Listed = c.call_tool_as("list_notes", json!({})).unwrap();
        assert!(listed.notes.iter().any(|n| n["id"] == added.id));
    }
}

#[test]
fn a_legacy_client_without_a_session_is_answered_within_10_s() {
    let mut c = builder(None)
        .era(Era::LegacyWithoutSession)
        .start()
        .unwrap();
    let added: Added = c
        .call_tool_as("add_note", json!({"title": "T", "body": "B"}))
        .unwrap();
    let started = Instant::now();
    let r = c.call_tool("delete_note", json!({"id": added.id})).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(r.is_error());
    // The test client refuses questions it has no closure for, as the SDK
    // clients do; a client that never answers at all gets its result after
    // 5 s (tests/mcp_typed_tools.rs).
    assert!(
        r.text()
            .starts_with("The client refused elicitation/create"),
        "{}",
        r.text()
    );
    let listed: Listed = c.call_tool_as("list_notes", json!({})).unwrap();
    assert_eq!(listed.count, 1, "not deleted without a yes");
}

#[test]
fn each_note_is_a_resource_and_the_prompt_quotes_them() {
    let mut c = client("accept");
    let added: Added = c
        .call_tool_as(
            "add_note",
            json!({"title": "Milk", "body": "Two litres", "tags": ["shop"]}),
        )
        .unwrap();
    c.call_tool("add_note", json!({"title": "Ada", "body": "Call her"}))
        .unwrap();
    for era in [Era::Legacy, Era::Modern] {
        c.set_era(era).unwrap();
        let read = c
            .request("resources/read", json!({"uri": added.uri}))
            .unwrap();
        assert_eq!(
            read["contents"][0]["text"],
            "# Milk\n\nTwo litres\n\nTags: shop\n"
        );
        assert_eq!(read["contents"][0]["mimeType"], "text/markdown");
        let templates = c.request("resources/templates/list", json!({})).unwrap();
        assert_eq!(
            templates["resourceTemplates"][0]["uriTemplate"],
            "notes://{id}"
        );
        let prompt = c
            .request(
                "prompts/get",
                json!({"name": "summarize_notes", "arguments": {"tag": "shop"}}),
            )
            .unwrap();
        let text = prompt["messages"][0]["content"]["text"].as_str().unwrap();
        assert!(text.contains("# Milk") && !text.contains("# Ada"), "{text}");
    }
    let missing = c.request("resources/read", json!({"uri": "notes://999"}));
    assert!(missing.is_err());
}

#[test]
fn the_notes_file_survives_a_restart_and_is_replaced_atomically() {
    let dir = std::env::temp_dir().join(format!("notes-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("notes.json");
    let _ = std::fs::remove_file(&file);
    {
        let mut c = builder(Some(file.clone())).start().unwrap();
        c.call_tool(
            "add_note",
            json!({"title": "Persist", "body": "me", "tags": ["disk"]}),
        )
        .unwrap();
    }
    let on_disk: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(on_disk["notes"][0]["title"], "Persist");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers,
        ["notes.json"],
        "no temporary file is left behind"
    );
    let mut again = builder(Some(file.clone())).start().unwrap();
    let listed: Listed = again
        .call_tool_as("list_notes", json!({"tag": "disk"}))
        .unwrap();
    assert_eq!(listed.count, 1);
    let next: Added = again
        .call_tool_as("add_note", json!({"title": "Next", "body": ""}))
        .unwrap();
    assert_eq!(next.id, 2, "ids continue after a restart");
    // A file that cannot be read stops the server instead of being overwritten.
    std::fs::write(&file, "{not json").unwrap();
    let err = notes::build(Some(file.clone())).map(|_| ()).unwrap_err();
    assert!(err.to_string().starts_with("NOTES_FILE "), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{not json");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resource_changes_reach_a_listening_modern_client() {
    // The notifier fires on every change; here we check the server declares
    // list changes to 2026-07-28 clients (the stream itself is tested in
    // tests/mcp_modern.rs).
    let mut c = builder(None).era(Era::Modern).start().unwrap();
    let discover = c.request("server/discover", json!({})).unwrap();
    assert_eq!(
        discover["capabilities"]["resources"]["listChanged"], true,
        "{discover}"
    );
}
