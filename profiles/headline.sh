#!/usr/bin/env bash
# Flamegraph recipe: see profiles/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
target/release/ecrust-ecs --peers 50000 --ticks 500 --threads 2 --quiet --flamegraph profiles/headline.svg
echo "wrote profiles/headline.svg"
