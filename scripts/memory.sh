#!/usr/bin/env bash
# Bounded-memory evidence for issue 3 only: the same peers at 500 vs 5000 ticks (flat in ticks)
# and 10k vs 100k peers (linear in peers). Writes BENCHMARKS-memory.md unless OUT is set; the
# full grid of scripts/scale.sh contains these runs and reports the same checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS="${PEERS:-10000 100000}" TICKS="${TICKS:-500 5000}" THREADS="${THREADS:-2}" \
    OUT="${OUT:-BENCHMARKS-memory.md}" LABEL="${LABEL:-bounded-memory runs}" \
    exec scripts/scale.sh
