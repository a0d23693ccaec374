#!/usr/bin/env python3
"""Markdown table from scripts/safety-runs.sh outputs (JSON lines), one row per peers x tokens x variant.

    scripts/safety-table.py out/safety-*.jsonl
"""
import json
import sys
from collections import defaultdict

g = defaultdict(list)
for path in sys.argv[1:]:
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            g[(r["peers"], r["tokens"], r["ticks"], r["_variant"])].append(r)

print("| peers | tokens | ticks | variant | runs (seeds) | blocks submitted | commit rate (mean) "
      "| families with one winner | none committed | forked | S1 | all violations | exit 1 |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
tot = defaultdict(int)
for (peers, tokens, ticks, variant), rs in sorted(g.items()):
    fam = lambda k: sum(r["conflict_families"][k] for r in rs)
    one, total = fam("one_committed"), fam("total")
    s1 = sum(r["violations"]["conflicting_commits"] for r in rs)
    viol = sum(r["safety_violations"] for r in rs)
    fails = sum(r["_rc"] != 0 for r in rs)
    share = f"{one}/{total} ({100 * one / total:.1f} %)" if total else "-"
    seeds = f"{len(rs)} ({min(r['seed'] for r in rs)}-{max(r['seed'] for r in rs)})"
    cr = sum(r["commit_rate"] or 0 for r in rs) / len(rs)
    print(f"| {peers:,} | {tokens} | {ticks} | `{variant}` | {seeds} | {sum(r['blocks_submitted'] for r in rs):,} "
          f"| {cr:.3f} | {share} | {fam('none_committed')} | {fam('forked')} | {s1} | {viol} | {fails} |")
    for k, v in [("runs", len(rs)), ("one", one), ("total", total), ("s1", s1), ("viol", viol), ("fails", fails),
                 ("none", fam("none_committed")), ("forked", fam("forked"))]:
        tot[k] += v
share = f"{100 * tot['one'] / tot['total']:.1f} %" if tot["total"] else "-"
print(f"\nAll: {tot['runs']} runs, S1 {tot['s1']}, all violations {tot['viol']}, runs exiting 1: {tot['fails']}; "
      f"conflict families with exactly one member committed: {tot['one']} of {tot['total']} ({share}), "
      f"none committed {tot['none']}, forked {tot['forked']}.")
for (peers, tokens, ticks, variant), rs in sorted(g.items()):
    for r in rs:
        if r["_rc"] != 0:
            print(f"\nFAILED (exit {r['_rc']}): `{r['_cmd']}`")
