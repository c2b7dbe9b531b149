"""The official Python SDK client (`mcp` 2.3.0) calling every tool of examples/notes,
in both protocol eras, through the server's OAuth flow.

Usage: python notes_py.py http://127.0.0.1:PORT/mcp

The server signs in with the single-user provider (examples/notes sets none), so
the browser step is a GET of /authorize that answers 302 with the code. For each
era ("legacy": initialize and a session; "2026-07-28": `_meta` on every request)
the SDK lists the tools and calls each one; it validates every structured result
against the tool's `outputSchema` itself (a mismatch raises), so this also shows
that the schemas the server generates are ones the SDK accepts. `delete_note`
asks for confirmation: accepted through the SDK's elicitation callback in each
era. Exact texts are asserted; exits non-zero on any failure.
"""

import sys
import urllib.parse

import anyio
import httpx2
import mcp.types as types
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata
from oauth_py import REDIRECT, MemoryStorage

asked: list[str] = []


async def on_elicit(context, params):
    asked.append(params.message)
    return types.ElicitResult(action="accept", content={})


class OpenBrowser:
    """The browser at /authorize of a server that signs in at once: take the 302."""

    def __init__(self) -> None:
        self.result: AuthorizationCodeResult | None = None

    async def redirect_handler(self, authorize_url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False, timeout=10) as http:
            answer = await http.get(authorize_url)
            assert answer.status_code == 302, f"GET /authorize: {answer.status_code} {answer.text[:300]}"
            location = answer.headers["location"]
            assert location.startswith(REDIRECT + "?"), location
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
            self.result = AuthorizationCodeResult(code=q["code"][0], state=q.get("state", [None])[0], iss=q.get("iss", [None])[0])

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None, "the redirect handler did not run"
        return self.result


def texts(result) -> list[str]:
    return [c.text for c in result.content if c.type == "text"]


async def every_tool(client: Client, era: str) -> None:
    tools = (await client.list_tools()).tools
    assert [t.name for t in tools] == ["add_note", "list_notes", "delete_note", "export_notes"], tools
    limit = {t.name: t for t in tools}["add_note"].input_schema["properties"]["title"]
    assert (limit["minLength"], limit["maxLength"]) == (1, 200), limit

    added = await client.call_tool("add_note", {"title": f"Milk ({era})", "body": "Two litres", "tags": ["shop"]})
    assert not added.is_error, added
    note = added.structured_content
    assert note["title"] == f"Milk ({era})" and note["tags"] == ["shop"], note
    assert note["uri"] == f"notes://{note['id']}", note

    listed = await client.call_tool("list_notes", {"tag": "shop"})
    assert not listed.is_error, listed
    assert note["id"] in [n["id"] for n in listed.structured_content["notes"]], listed
    everyone = await client.call_tool("list_notes", {})
    assert everyone.structured_content["count"] >= 1, everyone

    exported = await client.call_tool("export_notes", {"format": "markdown"})
    assert f"# Milk ({era})" in texts(exported)[0], exported

    read = await client.read_resource(note["uri"])
    assert read.contents[0].text.startswith(f"# Milk ({era})"), read

    prompt = await client.get_prompt("summarize_notes", {"tag": "shop"})
    assert f"# Milk ({era})" in prompt.messages[0].content.text, prompt

    asked.clear()
    deleted = await client.call_tool("delete_note", {"id": note["id"]})
    assert texts(deleted) == [f"Deleted note {note['id']}, \u201cMilk ({era})\u201d."], deleted
    assert asked == [f"Delete note {note['id']}, \u201cMilk ({era})\u201d? This cannot be undone."], asked

    # Bad arguments: one isError result naming every problem, no exception.
    bad = await client.call_tool("add_note", {"title": "", "tags": "shop"})
    assert bad.is_error, bad
    assert texts(bad) == [
        "Invalid arguments for tool `add_note`:\n- `body` is required\n"
        "- `tags` must be an array, not a string\n- `title` must be at least 1 character long"
    ], bad


async def main(url: str) -> None:
    for mode in ("legacy", "2026-07-28"):
        browser = OpenBrowser()
        provider = OAuthClientProvider(
            server_url=url,
            client_metadata=OAuthClientMetadata(
                client_name=f"python-sdk-notes-{mode}",
                redirect_uris=[REDIRECT],
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
                token_endpoint_auth_method="none",
            ),
            storage=MemoryStorage(),
            redirect_handler=browser.redirect_handler,
            callback_handler=browser.callback_handler,
        )
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
            transport = streamable_http_client(url, http_client=http)
            async with Client(transport, mode=mode, elicitation_callback=on_elicit) as client:
                expected = "2025-11-25" if mode == "legacy" else "2026-07-28"
                assert client.protocol_version == expected, client.protocol_version
                await every_tool(client, mode)
                # (A pinned 2026-07-28 client connects on its first request.)
                assert browser.result is not None, "the server asked for no authorization"
        print(f"python sdk notes: ok ({mode})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: notes_py.py MCP_URL")
    anyio.run(main, sys.argv[1])
