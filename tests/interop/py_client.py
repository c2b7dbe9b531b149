"""The official Python SDK client (`mcp` 2.3.0) in its legacy mode against examples/quickstart.

Usage: python py_client.py http://127.0.0.1:PORT/mcp

`mode="legacy"`: the SDK opens with `initialize` (2025-11-25), exactly as the
clients of the 2025 revisions do, and must get a session-era answer from our
dual-era server. Then tools/list and tools/call, with the exact result text
asserted. (The default "auto" mode now negotiates 2026-07-28: py_modern.py.)
Exits non-zero on any failure.
"""

import sys

import anyio
from mcp.client import Client


async def main(url: str) -> None:
    async with Client(url, mode="legacy") as client:
        version = client.protocol_version
        assert version == "2025-11-25", f"negotiated {version!r}"
        assert client.server_info is not None and client.server_info.name == "my-service", client.server_info

        tools = await client.list_tools()
        names = [t.name for t in tools.tools]
        assert names == ["my_tool"], names
        schema = tools.tools[0].input_schema
        assert schema["required"] == ["query"], schema

        result = await client.call_tool("my_tool", {"query": "from python"})
        assert not result.is_error, result
        texts = [c.text for c in result.content if c.type == "text"]
        assert texts == ["Result for: from python"], texts

        # A missing argument is a tool error naming it, not a protocol error.
        result = await client.call_tool("my_tool", {})
        assert result.is_error, result
        assert "`query`" in result.content[0].text, result.content
    print(f"python sdk: ok (protocol {version})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: py_client.py MCP_URL")
    anyio.run(main, sys.argv[1])
