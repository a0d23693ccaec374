#!/usr/bin/env bash
# v2's safety runs (issue 18's "must" runs), one JSON line per run (for scripts/safety-table.py).
# Usage: scripts/safety-runs.sh SEEDS PEERS TICKS TOKENS [BINARY] > out.jsonl
#   TOKENS = "config" keeps configs/baseline-2000.toml's 1 token.
# Variants: --conflict-rate 0.3, and --byzantine 0.1 with each behaviour (or V2_VARIANTS, ";"-separated);
# --fail-on-violation is on.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
[[ $# -ge 4 ]] || { echo "usage: scripts/safety-runs.sh SEEDS PEERS TICKS TOKENS [BINARY]" >&2; exit 2; }
seeds="$1" peers="$2" ticks="$3" tokens="$4" bin="${5:-target/release/ecrust-ecs}"
tok=(); [[ $tokens != config ]] && tok=(--tokens "$tokens")
variants=("--conflict-rate 0.3" "--byzantine 0.1 --byzantine-behaviour silent"
  "--byzantine 0.1 --byzantine-behaviour equivocate" "--byzantine 0.1 --byzantine-behaviour double-spend"
  "--byzantine 0.1 --byzantine-behaviour flood" "--byzantine 0.1 --byzantine-behaviour withhold"
  "--byzantine 0.1 --byzantine-behaviour late-twin")
[[ -n ${V2_VARIANTS:-} ]] && IFS=';' read -r -a variants <<< "$V2_VARIANTS"
for seed in $(seq 1 "$seeds"); do
  for variant in "${variants[@]}"; do
    # shellcheck disable=SC2086
    cmd="$bin --protocol v2 --config configs/baseline-2000.toml --peers $peers --ticks $ticks ${tok[*]} --seed $seed $variant --fail-on-violation --quiet --summary json --threads 1"
    out=$($cmd); rc=$?
    echo "$out" | python3 -c '
import json,sys
s=json.load(sys.stdin); s["_rc"]=int(sys.argv[1]); s["_variant"]=sys.argv[2]; s["_cmd"]=sys.argv[3]
print(json.dumps({k: s[k] for k in ["_rc","_variant","_cmd","peers","seed","tokens","ticks","blocks_submitted","commit_rate","messages_per_commit","conflict_families","violations","safety_violations"]}))' "$rc" "$variant" "$cmd" \
      || { echo "error: no summary from: $cmd (exit $rc); the table would miss this run" >&2; status=1; }
  done
done
exit $status
