#!/usr/bin/env bash
# Deterministic simulation testing that attacks safety: N random small scenarios (loss, delay
# models, topologies, partitions, churn, double-signing owners, Byzantine peers of every
# behaviour up to and past the protocol's claimed bound) with the safety checker on. Prints
# each failure with the command that replays it, then one summary line; SHRINK=1 shrinks the
# first failure to the smallest command that still fails.
#   scripts/fuzz.sh                          # 10,000 scenarios from seed 1, protocol original
#   N=1000 SEED=50000 PROTOCOL=original SHRINK=1 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
shrink=()
[[ "${SHRINK:-0}" == 1 ]] && shrink=(--shrink)
exec target/release/ecrust-ecs fuzz --protocol "${PROTOCOL:-original}" --scenarios "${N:-10000}" \
  --seed "${SEED:-1}" --jobs "${JOBS:-0}" "${shrink[@]}"
