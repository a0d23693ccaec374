#!/usr/bin/env bash
# Flamegraph recipe: see profiles/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
target/release/ecrust-ecs --peers 50000 --ticks 300 --threads 1 --quiet --flamegraph profiles/single-thread.svg
echo "wrote profiles/single-thread.svg"
