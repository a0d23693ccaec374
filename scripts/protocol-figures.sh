#!/usr/bin/env bash
# Prints the figures of docs/protocol.md as markdown rows: the original's scenarios (section 1)
# and the threshold table under double-signing owners (section 5). Seed 1 throughout; every
# run says --protocol original (v2 is the binary's default).
#   scripts/protocol-figures.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/ecrust-ecs}
[[ -x "$bin" ]] || { echo "error: $bin is not built (cargo build --release)" >&2; exit 2; }
row() { python3 -c '
import json, sys
d = json.load(sys.stdin)
f = lambda x, p=1: "-" if x is None else f"{x:,.{p}f}"
print("|", sys.argv[1], "|", f(d["messages_per_commit"], 0), "|", f(d["delivered_per_commit"], 0),
      "|", f(d["rounds_per_commit"]), "|", f(d["ticks_per_commit_mean"]), "/", d["ticks_per_commit_p50"],
      "/", d["ticks_per_commit_p99"], "|", f(d["commit_rate"], 3), "|", d["safety_violations"], "|")' "$1"; }
echo "| scenario (command) | sent msgs/commit | delivered msgs/commit | rounds/commit | latency mean / p50 / p99 | commit rate | violations |"
echo "|---|---|---|---|---|---|---|"
for c in original-t2-random30 original-t1-random90 baseline-2000 lossy-30; do
  "$bin" --protocol original --config "configs/$c.toml" --quiet --summary json |
    row "\`ecrust-ecs --protocol original --config configs/$c.toml\`"
done
echo
echo "| T | commit rate | sent msgs/commit | delivered msgs/commit | conflicting commits (S1) | conflict families: all / one committed / none / forked |"
echo "|---|---|---|---|---|---|"
for t in 2 3 4 5 6; do
  "$bin" --protocol original --peers 3000 --ticks 400 --tokens 100 --conflict-rate 0.1 --threshold "$t" --quiet --summary json |
    python3 -c '
import json, sys
d = json.load(sys.stdin); c = d["conflict_families"]
cells = [sys.argv[1], "%.3f" % d["commit_rate"], "{:,.0f}".format(d["messages_per_commit"]),
         "{:,.0f}".format(d["delivered_per_commit"]), str(d["violations"]["conflicting_commits"]),
         "%d / %d / %d / %d" % (c["total"], c["one_committed"], c["none_committed"], c["forked"])]
print("| " + " | ".join(cells) + " |")' "$t"
done
