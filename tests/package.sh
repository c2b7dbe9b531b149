#!/usr/bin/env bash
# What `cargo publish` would upload: the package builds on its own (cargo
# package compiles the unpacked .crate against crates.io dependencies), and it
# holds what a user needs — the library, the examples, the documents rustdoc
# compiles in — and none of the tests, fuzz corpora, bench results or deploy
# tooling (Cargo.toml `include`).
set -euo pipefail
cd "$(dirname "$0")/.."

list=$(cargo package --list --allow-dirty --locked)
failed=0
need() { grep -qx "$1" <<<"$list" || { echo "FAIL the package lacks $1"; failed=1; }; }
never() { ! grep -q "$1" <<<"$list" || { echo "FAIL the package holds $1: $(grep "$1" <<<"$list" | head -3 | tr '\n' ' ')"; failed=1; }; }
need src/lib.rs
need src/bin/mcp-doctor.rs
need examples/quickstart.rs
need README.md
need docs/FLOW.md
need ARCHITECTURE.md
never '^tests/'
never '^fuzz/'
never '^bench/'
never '^deploy.sh$'
never '^Dockerfile$'
[ "$failed" -eq 0 ] || exit 1
echo "package: $(wc -l <<<"$list") files, none of tests/, fuzz/, bench/"
cargo package --allow-dirty --locked --quiet
echo "package: cargo package built the crate from its .crate file"
