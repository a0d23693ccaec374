#!/usr/bin/env bash
# Prints each protocol's digest on every scenario of its file tests/data/<protocol>-digests.txt
# (original, v2) and whether it matches the recorded one; `--update` records the new digests
# instead.
# Usage: scripts/digests.sh [--update] [--threads N] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
update=0 threads=2 bin=target/release/ecrust-ecs
while [[ $# -gt 0 ]]; do
  case "$1" in
    --update) update=1 ;;
    --threads) threads="$2"; shift ;;
    *) bin="$1" ;;
  esac
  shift
done
[[ -x "$bin" ]] || { echo "error: $bin is not built (cargo build --release)" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
for file in tests/data/*-digests.txt; do
: >"$out"
echo "${file#tests/data/}:" >&2
while IFS= read -r line; do
  if [[ "$line" == \#* || -z "$line" ]]; then echo "$line" >>"$out"; continue; fi
  name=$(echo "$line" | cut -d'|' -f1 | xargs)
  want=$(echo "$line" | cut -d'|' -f2 | xargs)
  args=$(echo "$line" | cut -d'|' -f3- | xargs)
  # shellcheck disable=SC2086
  got=$("$bin" $args --threads "$threads" --quiet --summary json | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
  mark=same; [[ "$got" == "$want" ]] || { mark="DIFFERS (recorded $want)"; status=1; }
  printf '%-40s %s %s\n' "$name" "$got" "$mark" >&2
  echo "$name | $got | $args" >>"$out"
done <"$file"
if [[ $update == 1 ]]; then cp "$out" "$file"; echo "recorded in $file" >&2; fi
done
[[ $update == 1 ]] && exit 0
exit $status
