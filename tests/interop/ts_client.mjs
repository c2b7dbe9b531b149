// The official TypeScript SDK client (@modelcontextprotocol/sdk 1.32.2) against
// examples/quickstart.
//
// Usage: node ts_client.mjs http://127.0.0.1:PORT/mcp
//
// initialize (the SDK then opens GET /mcp, which must get 405 at once),
// tools/list and tools/call with the exact result text asserted. Exits
// non-zero on any failure.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = process.argv[2];
if (!url) {
  console.error("usage: ts_client.mjs MCP_URL");
  process.exit(2);
}

async function main() {
  const client = new Client({ name: "ts-interop", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);

  assert.equal(client.getServerVersion()?.name, "my-service");
  assert.ok(transport.sessionId, "the server issued an Mcp-Session-Id");
  assert.equal(transport.protocolVersion, "2025-11-25");

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), ["my_tool"]);
  assert.deepEqual(tools[0].inputSchema.required, ["query"]);

  const result = await client.callTool({ name: "my_tool", arguments: { query: "from typescript" } });
  assert.equal(result.isError, false);
  assert.deepEqual(result.content, [{ type: "text", text: "Result for: from typescript" }]);

  const missing = await client.callTool({ name: "my_tool", arguments: {} });
  assert.equal(missing.isError, true);
  assert.match(missing.content[0].text, /`query`/);

  await transport.terminateSession();
  await client.close();
  console.log("typescript sdk: ok");
}

main().catch((err) => {
  console.error("typescript sdk: FAILED:", err);
  process.exit(1);
});
