#!/usr/bin/env bash
# Deterministic simulation testing: N random small scenarios (loss, delay models, topologies,
# partitions, churn, Byzantine peers below tolerance) with the safety checker on. Prints any
# failing scenario with the command that replays it, then one summary line.
#   scripts/fuzz.sh              # 10,000 scenarios from seed 1
#   N=1000 SEED=50000 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec target/release/ecrust-ecs fuzz --scenarios "${N:-10000}" --seed "${SEED:-1}" --jobs "${JOBS:-0}"
