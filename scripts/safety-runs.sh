#!/usr/bin/env bash
# v2's safety runs (issue 18's "must" runs, issue 24's list), one JSON line per run, in
# seed x variant order (for scripts/safety-table.py).
# Usage: scripts/safety-runs.sh SEEDS PEERS TICKS TOKENS [BINARY] > out.jsonl
#   TOKENS = "config" keeps configs/baseline-2000.toml's 1 token.
# Variants: --conflict-rate 0.3, and --byzantine 0.1 with each behaviour the binary lists (its
# error for an unknown behaviour names them all), or V2_VARIANTS, ";"-separated.
# V2_ARGS: more arguments for every run (e.g. "--topology small-world"). JOBS: runs at once
# (default 1; each run has one thread). --fail-on-violation is on; a run is beyond the claimed
# bound, as the fuzzer judges it, when its Byzantine share exceeds the summary's byzantine_bound
# or some committee holds more than b Byzantine members (captured_committees > 0).
# Exit 1 if a run gave no summary, 2 on bad usage.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
[[ $# -ge 4 ]] || { echo "usage: scripts/safety-runs.sh SEEDS PEERS TICKS TOKENS [BINARY]" >&2; exit 2; }
seeds="$1" peers="$2" ticks="$3" tokens="$4" bin="${5:-target/release/ecrust-ecs}" jobs="${JOBS:-1}"
for n in "$seeds" "$peers" "$ticks" "$jobs"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "error: '$n' is not a positive whole number" >&2; exit 2; }
done
[[ $tokens == config || $tokens =~ ^[1-9][0-9]*$ ]] || { echo "error: TOKENS: '$tokens' is neither a count nor 'config'" >&2; exit 2; }
[[ -x "$bin" ]] || { echo "error: $bin is not built (cargo build --release)" >&2; exit 2; }
tok=(); [[ $tokens != config ]] && tok=(--tokens "$tokens")
behaviours=$("$bin" --byzantine-behaviour '?' 2>&1 >/dev/null | sed -n 's/.*allowed: //p' | tr -d ,) || true
[[ -n $behaviours ]] || { echo "error: $bin did not list its Byzantine behaviours" >&2; exit 2; }
variants=("--conflict-rate 0.3")
for b in $behaviours; do variants+=("--byzantine 0.1 --byzantine-behaviour $b"); done
[[ -n ${V2_VARIANTS:-} ]] && IFS=';' read -r -a variants <<< "$V2_VARIANTS"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
one() { # index, seed, variant
  local cmd out rc
  # shellcheck disable=SC2086
  cmd="$bin --protocol v2 --config configs/baseline-2000.toml --peers $peers --ticks $ticks ${tok[*]} --seed $2 $3 ${V2_ARGS:-} --fail-on-violation --quiet --summary json --threads 1"
  out=$($cmd); rc=$?
  echo "$out" | python3 -c '
import json,sys
s=json.load(sys.stdin); s["_rc"]=int(sys.argv[1]); s["_variant"]=sys.argv[2]; s["_cmd"]=sys.argv[3]
s["_beyond_bound"] = s["byzantine"] > s["byzantine_bound"] or (s["captured_committees"] or 0) > 0
print(json.dumps({k: s[k] for k in ["_rc","_variant","_cmd","_beyond_bound","peers","seed","tokens","ticks","topology","byzantine","byzantine_bound","byzantine_placement","captured_committees","blocks_submitted","commit_rate","messages_per_commit","conflict_families","violations","safety_violations"]}))' "$rc" "$3" "$cmd" >"$tmp/$1.json" \
    || { echo "error: no summary from: $cmd (exit $rc); the table would miss this run" >&2; return 1; }
}
i=0
for seed in $(seq 1 "$seeds"); do
  for variant in "${variants[@]}"; do
    # A run's failure shows as its missing line below, so wait's own status is not needed.
    while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
    one "$i" "$seed" "$variant" &
    i=$((i + 1))
  done
done
wait
for ((k = 0; k < i; k++)); do cat "$tmp/$k.json" 2>/dev/null || status=1; done
exit $status
