#!/usr/bin/env bash
# Scaling and bounded-memory grid for issue 3: runs the release binary over peers x ticks x
# threads and writes BENCHMARKS.md (table + checks against the targets) via scripts/report.py.
#
#   scripts/scale.sh                                  # the full grid (minus skipped runs)
#   PEERS="1000 10000" TICKS=500 THREADS="1 2" scripts/scale.sh
#   QUICK=1 scripts/scale.sh                          # smoke run, seconds
#   FULL=1 scripts/scale.sh                           # also the runs skipped by default
#   PROTOCOL=v2 scripts/scale.sh                      # another protocol (default: original,
#                                                     # the one BENCHMARKS.md measures)
#
# Skipped unless FULL=1: 1,000,000 peers x 5000 ticks. The issue only asks for 1M x 500; 1M x
# 5000 is 10x that (estimated well over an hour on 2 cores) and adds no evidence the
# 100k x 5000 run does not already give.
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ "${QUICK:-0}" == 1 ]]; then
    PEERS="${PEERS:-1000 2000}"
    TICKS="${TICKS:-100 300}"
    THREADS="${THREADS:-1 2}"
    TIMEOUT="${TIMEOUT:-120}"
    LABEL="${LABEL:-SMOKE RUN (QUICK=1): tiny sizes, noisy machine; not the benchmark}"
else
    PEERS="${PEERS:-1000 10000 50000 100000 1000000}"
    TICKS="${TICKS:-500 5000}"
    THREADS="${THREADS:-1 2}"
    TIMEOUT="${TIMEOUT:-3600}"
    LABEL="${LABEL:-full grid}"
fi
OUT="${OUT:-BENCHMARKS.md}"
# The original protocol unless PROTOCOL says otherwise: BENCHMARKS.md's figures are the
# original's, and the binary's default protocol is v2.
PROTOCOL="${PROTOCOL:-original}"
BIN=target/release/ecrust-ecs

cargo build --release --quiet
# Named now, not after the grid: the binary is built from this tree, and a commit made while
# the grid runs must not be credited with its figures.
commit="$(git rev-parse --short HEAD)"
if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then
    commit="$commit (dirty tree)"
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
: > "$results/runs.jsonl"
: > "$results/skipped.txt"

for p in $PEERS; do
    for t in $TICKS; do
        for n in $THREADS; do
            if [[ "${FULL:-0}" != 1 && "$p" -ge 1000000 && "$t" -gt 500 ]]; then
                echo "skip   peers=$p ticks=$t threads=$n (FULL=1 to run)" >&2
                echo "$p $t $n skipped: 1M peers beyond 500 ticks (set FULL=1)" >> "$results/skipped.txt"
                continue
            fi
            echo "run    peers=$p ticks=$t threads=$n" >&2
            # A timed-out or failed run is recorded and the grid goes on.
            if timeout "$TIMEOUT" "$BIN" --protocol "$PROTOCOL" --peers "$p" --ticks "$t" --threads "$n" \
                --summary json -q > "$results/one.json"; then
                python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' \
                    "$results/one.json" >> "$results/runs.jsonl"
            else
                rc=$?
                echo "$p $t $n failed: exit $rc (124 = timeout after ${TIMEOUT}s)" >> "$results/skipped.txt"
            fi
        done
    done
done

command="PROTOCOL=$PROTOCOL PEERS=\"$PEERS\" TICKS=\"$TICKS\" THREADS=\"$THREADS\" QUICK=${QUICK:-0} FULL=${FULL:-0} scripts/scale.sh"

{
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "kernel: $(uname -srm)"
    echo "memory:"
    free -g
} > "$results/machine.txt"

python3 scripts/report.py \
    --runs "$results/runs.jsonl" \
    --skipped "$results/skipped.txt" \
    --machine "$results/machine.txt" \
    --commit "$commit" \
    --command "$command" \
    --protocol "$PROTOCOL" \
    --label "$LABEL" \
    --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    > "$OUT"
echo "wrote $OUT" >&2
