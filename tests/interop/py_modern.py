"""The official Python SDK client (`mcp` 2.3.0) speaking MCP 2026-07-28 to our server.

Usage: python py_modern.py http://127.0.0.1:PORT/mcp [ADMIN_PASSWORD]

Default "auto" mode: the SDK probes `server/discover`; our server answers it, so
the SDK must adopt 2026-07-28 (no `initialize`, no session) and stamp every
request with the `_meta` envelope and the `Mcp-Method`/`Mcp-Name` headers, which
our server checks. With ADMIN_PASSWORD the SDK first runs the OAuth flow (the
browser is played by oauth_py.py's helpers) and sends its bearer token on every
2026-07-28 request. Against examples/quickstart: list and call its tool. Against
examples/everything, also: tools that ask the user (multi round-trip requests,
answered through the SDK's elicitation, sampling and roots callbacks), a prompt
that asks, a resource, the per-request log level, a tool with an `x-mcp-header`
parameter, and a `subscriptions/listen` stream. Exact texts are asserted; exits
non-zero on any failure.
"""

import sys
from contextlib import asynccontextmanager

import anyio
import httpx2
import mcp.types as types
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata
from oauth_py import REDIRECT, Browser, MemoryStorage

MODERN = "2026-07-28"

asked: list[str] = []  # what the server asked us, in order
logged: list[str] = []


async def on_elicit(context, params):
    asked.append(f"elicit:{params.message}")
    answers = {
        "What is your name?": {"name": "Ada"},
        "Step 1: What is your name?": {"name": "Ada"},
        "Step 2: What is your favorite color?": {"color": "green"},
        "What context should the prompt use?": {"context": "code review"},
    }
    return types.ElicitResult(action="accept", content=answers.get(params.message, {}))


async def on_sample(context, params):
    asked.append("sample")
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text="Bonjour!"),
        model="test-model",
        stop_reason="endTurn",
    )


async def on_roots(context):
    asked.append("roots")
    return types.ListRootsResult(roots=[types.Root(uri="file:///work/project", name="project")])


async def on_log(params):
    logged.append(f"{params.level}:{params.data}")


def texts(result) -> list[str]:
    return [c.text for c in result.content if c.type == "text"]


async def quickstart(client: Client) -> None:
    tools = await client.list_tools()
    assert [t.name for t in tools.tools] == ["my_tool"], tools
    result = await client.call_tool("my_tool", {"query": "from python"})
    assert not result.is_error, result
    assert texts(result) == ["Result for: from python"], result
    result = await client.call_tool("my_tool", {})
    assert result.is_error and "`query`" in texts(result)[0], result


async def everything(client: Client) -> None:
    names = [t.name for t in (await client.list_tools()).tools]
    assert "test_simple_text" in names and "test_input_required_result_elicitation" in names, names
    # The SDK's cache keeps the list (ttlMs); a refresh must give the same order.
    again = [t.name for t in (await client.list_tools(cache_mode="refresh")).tools]
    assert again == names, (names, again)

    result = await client.call_tool("test_simple_text", {})
    assert texts(result) == ["This is a simple text response for testing."], result

    # One question (elicitation), answered on the SDK's automatic retry.
    asked.clear()
    result = await client.call_tool("test_input_required_result_elicitation", {})
    assert texts(result) == ["Hello, Ada!"], result
    assert asked == ["elicit:What is your name?"], asked

    # The conformance suite's legacy elicitation tool, unchanged, in the modern era.
    asked.clear()
    result = await client.call_tool("test_elicitation", {"message": "Who are you?"})
    assert asked == ["elicit:Who are you?"], asked
    assert texts(result)[0].startswith("User response: action=accept"), result

    # Two rounds: the second question depends on the first answer.
    asked.clear()
    result = await client.call_tool("test_input_required_result_multi_round", {})
    assert texts(result) == ["Ada likes green"], result
    assert asked == ["elicit:Step 1: What is your name?", "elicit:Step 2: What is your favorite color?"], asked

    # Three questions of three kinds in one round (sampling and roots are deprecated, still served).
    asked.clear()
    result = await client.call_tool("test_input_required_result_multiple_inputs", {})
    assert texts(result) == ["Bonjour! Ada (1 roots)"], result
    assert sorted(asked) == ["elicit:What is your name?", "roots", "sample"], asked

    # A prompt that asks.
    prompt = await client.get_prompt("test_input_required_result_prompt", {})
    assert prompt.messages[0].content.text == "Prompt with context: code review", prompt

    # A resource, and an unknown one (-32602 in 2026-07-28, not -32002).
    read = await client.read_resource("test://static-text")
    assert read.contents[0].text == "This is the content of the static text resource.", read
    try:
        await client.read_resource("test://nope")
        raise AssertionError("an unknown resource was read")
    except Exception as e:  # the SDK raises MCPError
        assert getattr(e, "code", None) == -32602, e

    # A parameter mirrored in an Mcp-Param-Region header (the server checks it).
    result = await client.call_tool("test_mcp_param_header", {"region": "eu-west1"})
    assert texts(result) == ["Region: eu-west1"], result

    # A change announced on a subscriptions/listen stream.
    async with client.listen(tools_list_changed=True) as sub:
        assert sub.honored.tools_list_changed, sub.honored
        await client.call_tool("test_trigger_tool_change", {})
        events = []
        with anyio.fail_after(10):
            async for event in sub:
                events.append(type(event).__name__)
                break
        assert events == ["ToolsListChanged"], events


async def logging_opt_in(url: str) -> None:
    """2026-07-28 logs only to a request that asks for a level in its `_meta`."""
    async with Client(url, logging_callback=on_log) as client:
        await client.call_tool("test_logging_tool", {})
    assert logged == [], logged
    async with Client(url, logging_callback=on_log, log_level="info") as client:
        assert client.protocol_version == MODERN
        await client.call_tool("test_logging_tool", {})
    assert logged == ["info:Logging tool: starting", "info:Logging tool: working", "info:Logging tool: done"], logged


@asynccontextmanager
async def connect(url: str, password: str | None):
    """A Client in the default "auto" mode; through OAuth when there is a password."""
    callbacks = dict(elicitation_callback=on_elicit, sampling_callback=on_sample, list_roots_callback=on_roots)
    if password is None:
        async with Client(url, **callbacks) as client:
            yield client
        return
    browser = Browser(password)
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="python-sdk-modern",
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
        async with Client(streamable_http_client(url, http_client=http), **callbacks) as client:
            assert browser.result is not None, "the server asked for no authorization"
            yield client


async def main(url: str, password: str | None) -> None:
    async with connect(url, password) as client:
        version = client.protocol_version
        assert version == MODERN, f"negotiated {version!r}"
        assert client.session.initialize_result is None, "a modern connection has no initialize"
        info = client.server_info
        assert info is not None, "serverInfo missing from the server/discover _meta"
        if info.name == "my-service":
            await quickstart(client)
        elif info.name == "remote-mcp-everything":
            await everything(client)
        else:
            raise AssertionError(f"unexpected server {info.name!r}")
    if info.name == "remote-mcp-everything":
        await logging_opt_in(url)
    print(f"python sdk: ok (protocol {version}, server {info.name})")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: py_modern.py MCP_URL [ADMIN_PASSWORD]")
    anyio.run(main, sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None)
