#!/usr/bin/env bash
# Installs the real MCP clients the interop tests drive, at pinned versions, into
# tests/interop/node_modules and tests/interop/venv (both git-ignored):
#   - Node.js 22 (the conformance CLI needs it; it comes from the npm registry),
#   - @modelcontextprotocol/conformance, the TypeScript SDK and the MCP Inspector,
#   - the official Python SDK (`mcp`) with every dependency pinned.
# Safe to run again: it does nothing when the pinned versions are already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if ! command -v npm >/dev/null || ! command -v python3 >/dev/null; then
  echo "install.sh: needs npm and python3 on PATH" >&2
  exit 1
fi

stamp_npm="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
if [ ! -e "$stamp_npm" ]; then
  echo "interop: installing npm packages (pinned by package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp_npm"
fi

stamp_py="venv/.installed-$(sha256sum requirements.txt | cut -c1-16)"
if [ ! -e "$stamp_py" ]; then
  echo "interop: installing the Python SDK (pinned by requirements.txt)"
  rm -rf venv
  python3 -m venv venv
  venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  touch "$stamp_py"
fi
