#!/usr/bin/env bash
# Prints how messages and ticks per commit grow with the ring size on `--topology small-world`
# (busy workload: the default tokens = peers / 200), for each protocol, and the exponent of a
# log-log least-squares fit of messages per commit in N (the target: at most 0.1).
# Usage: scripts/small-world-growth.sh [--peers "1000 10000 100000 1000000"] [--ticks 200]
#          [--protocols "v2"] [--threads 2] [--extra "MORE FLAGS"] [BINARY]
# (--extra "--block-size 1" fixes the parts a block, which the busy workload lets grow with N.)
# The default run (issue 18's target: 1k..1M) takes about a minute on 2 cores and 0.5 GiB at
# 1M peers; docs/topology.md gives its output.
set -euo pipefail
cd "$(dirname "$0")/.."
peers="1000 10000 100000 1000000" ticks=200 protocols="v2" threads=2 extra=""
bin=target/release/ecrust-ecs
while [[ $# -gt 0 ]]; do
  case "$1" in
    --peers) peers="$2"; shift ;;
    --ticks) ticks="$2"; shift ;;
    --protocols) protocols="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --extra) extra="$2"; shift ;;
    *) bin="$1" ;;
  esac
  shift
done
[[ -x "$bin" ]] || { echo "error: $bin is not built (cargo build --release)" >&2; exit 2; }
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for protocol in $protocols; do
  for n in $peers; do
    # shellcheck disable=SC2086
    "$bin" --topology small-world --protocol "$protocol" --peers "$n" --ticks "$ticks" \
      --threads "$threads" $extra --quiet --summary json >>"$rows"
  done
done
python3 - "$rows" "$ticks" "$extra" <<'PY'
import json, sys
sys.path.insert(0, "scripts")
from sweep_tables import loglog_slope
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(f"small-world, {sys.argv[2]} ticks, busy workload (tokens = peers / 200) {sys.argv[3]}")
print(f"{'protocol':<9} {'peers':>8} {'commits':>8} {'rate':>6} {'msgs/commit':>12} "
      f"{'delivered/commit':>16} {'sent/delivered':>14} {'ticks/commit':>12} {'violations':>10}")
by = {}
for r in runs:
    commits = r["blocks_committed"]
    print(f"{r['protocol']:<9} {r['peers']:>8} {commits:>8} {r['commit_rate']:>6.3f} "
          f"{r['messages_per_commit'] or 0:>12.1f} "
          f"{r['messages_delivered'] / max(commits, 1):>16.1f} "
          f"{r['messages_sent'] / max(r['messages_delivered'], 1):>14.2f} "
          f"{r['ticks_per_commit_mean'] or 0:>12.1f} {r['safety_violations']:>10}")
    by.setdefault(r["protocol"], []).append((r["peers"], r["messages_per_commit"] or 0))
for protocol, pts in by.items():
    empty = [n for n, m in pts if m <= 0]
    if empty:
        # A size without commits has no messages per commit: the target cannot be judged.
        print(f"{protocol}: no commits at {empty} peers (misses the N^0.1 target)")
        continue
    slope = loglog_slope([n for n, _ in pts], [m for _, m in pts])
    if slope is None:
        continue
    verdict = "meets" if slope <= 0.1 else "misses"
    print(f"{protocol}: messages per commit ~ N^{slope:.3f} ({verdict} the N^0.1 target)")
PY
