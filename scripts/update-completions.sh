#!/usr/bin/env bash
# Regenerates the committed shell completions and manual pages (man/) from the CLI definition
# (src/cli.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/agentgw"
"$bin" completions bash > completions/agentgw.bash
"$bin" completions zsh > completions/_agentgw
"$bin" completions fish > completions/agentgw.fish
"$bin" completions powershell > completions/_agentgw.ps1
"$bin" completions elvish > completions/agentgw.elv
echo "completions/ updated"
# Pages of commands that no longer exist go too.
rm -f man/*.1
"$bin" man --out-dir man
