#!/usr/bin/env bash
# The charts of docs/results.md ("Charts") and the README, regenerated from small runs so they
# follow the protocols when these change: 2,000-20,000 peers, 300-500 ticks, about a minute on
# 2 cores. Sweeps and runs go to out/, the PNGs to docs/img/. Needs pyarrow and matplotlib.
#
#     scripts/charts.sh            # BIN=path/to/ecrust-ecs to skip the build
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BIN:-}" ]]; then
  cargo build --release --quiet
  BIN=target/release/ecrust-ecs
fi
IMG=docs/img
mkdir -p "$IMG" out
Y=messages_per_commit,ticks_per_commit_mean,commit_rate

for s in peers loss byzantine; do
  "$BIN" sweep --config "configs/sweep-chart-$s.toml" --jobs 2
done
# --check makes an empty chart fail the script instead of landing in the docs.
scripts/plot.py --check --sweep out/sweep-chart-peers.arrow --x peers --y "$Y" --by protocol \
  --title "Growth with peers (tokens = peers / 200, 300 ticks, 2 % loss)" \
  --out "$IMG/sweep-peers.png"
scripts/plot.py --check --sweep out/sweep-chart-loss.arrow --x loss --y "$Y" --by protocol \
  --title "Message loss (5,000 peers, 25 tokens, 300 ticks)" \
  --out "$IMG/sweep-loss.png"
scripts/plot.py --check --sweep out/sweep-chart-byzantine.arrow --x byzantine --y "$Y" \
  --by protocol,byzantine_behaviour \
  --title "Byzantine share, silent or equivocating (5,000 peers, 25 tokens, 300 ticks)" \
  --out "$IMG/sweep-byzantine.png"

# One run of each protocol, v2 as Arrow and the original as Parquet: plot.py reads both.
for run in "v2 arrow" "original parquet"; do
  set -- $run
  dir="out/run-$1-10k"
  "$BIN" --quiet --summary json --protocol "$1" --peers 10000 --ticks 500 "--$2" "$dir" >/dev/null
  scripts/plot.py --check "$dir"
  for chart in commits latency messages phases; do
    cp "$dir/$chart.png" "$IMG/run-$1-10k-$chart.png"
  done
done
echo "charts: written to $IMG/ (sweep-*.png, run-*-10k-*.png)"
