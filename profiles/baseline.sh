#!/usr/bin/env bash
# Flamegraph recipe: see profiles/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
target/release/ecrust-ecs --config configs/baseline-2000.toml --quiet --flamegraph profiles/baseline.svg
echo "wrote profiles/baseline.svg"
