#!/usr/bin/env python3
"""Markdown table from scripts/safety-runs.sh outputs (JSON lines), one row per
topology x peers x tokens x ticks x variant.

    scripts/safety-table.py out/safety-*.jsonl

Runs beyond the claimed bound (Byzantine share above the summary's byzantine_bound, the
fuzzer's rule) are counted apart: their violations are not in the S1, certificate and
violation columns. "One winner" is conflict_families.one_winner_rate summed: families with
exactly one member committed out of those not ending with none (frozen ones left out;
docs/outputs.md). Lines written before a field existed read as ring-gradient, within the bound.
"""
import json
import sys
from collections import defaultdict

g = defaultdict(list)
for path in sys.argv[1:]:
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            key = (r.get("topology", "ring-gradient"), r["peers"], r["tokens"], r["ticks"], r["_variant"])
            g[key].append(r)

print("| topology | peers | tokens | ticks | variant | runs (seeds) | blocks submitted | commit rate (mean) "
      "| conflict families: one / none / forked | one winner, none left out | conflicting certificates | S1 "
      "| all violations | beyond the bound: runs (violations) | exit 1 |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
tot = defaultdict(int)
for (topo, peers, tokens, ticks, variant), rs in sorted(g.items()):
    within = [r for r in rs if not r.get("_beyond_bound", False)]
    beyond = [r for r in rs if r.get("_beyond_bound", False)]
    fam = lambda k: sum(r["conflict_families"][k] for r in rs)
    one, none, forked, total = fam("one_committed"), fam("none_committed"), fam("forked"), fam("total")
    certs = sum(r["violations"].get("conflicting_certificates", 0) for r in within)
    s1 = sum(r["violations"]["conflicting_commits"] for r in within)
    viol = sum(r["safety_violations"] for r in within)
    beyond_viol = sum(r["safety_violations"] for r in beyond)
    fails = sum(r["_rc"] != 0 for r in within)
    share = f"{one}/{one + forked} ({100 * one / (one + forked):.1f} %)" if one + forked else "-"
    seeds = f"{len(rs)} ({min(r['seed'] for r in rs)}-{max(r['seed'] for r in rs)})"
    cr = sum(r["commit_rate"] or 0 for r in rs) / len(rs)
    fams = f"{one} / {none} / {forked}" if total else "-"
    print(f"| {topo} | {peers:,} | {tokens} | {ticks} | `{variant}` | {seeds} | {sum(r['blocks_submitted'] for r in rs):,} "
          f"| {cr:.3f} | {fams} | {share} | {certs} | {s1} | {viol} | {len(beyond)} ({beyond_viol}) | {fails} |")
    for k, v in [("runs", len(rs)), ("one", one), ("total", total), ("s1", s1), ("certs", certs), ("viol", viol),
                 ("fails", fails), ("none", none), ("forked", forked), ("beyond", len(beyond)),
                 ("beyond_viol", beyond_viol)]:
        tot[k] += v
decided = tot["one"] + tot["forked"]
share = f"{100 * tot['one'] / decided:.1f} %" if decided else "-"
print(f"\nAll: {tot['runs']} runs; within the claimed bound: conflicting certificates {tot['certs']}, "
      f"S1 {tot['s1']}, all violations {tot['viol']}, runs exiting 1: {tot['fails']}; beyond it: {tot['beyond']} runs "
      f"({tot['beyond_viol']} violations, not failures). Conflict families: {tot['total']}, exactly one member "
      f"committed {tot['one']}, none {tot['none']} (frozen or stalled, left out of the share), forked {tot['forked']}: "
      f"one winner in {tot['one']} of {decided} ({share}).")
for (topo, peers, tokens, ticks, variant), rs in sorted(g.items()):
    for r in rs:
        if r["_rc"] != 0:
            where = "beyond the bound" if r.get("_beyond_bound", False) else "within the bound"
            print(f"\nFAILED (exit {r['_rc']}, {where}): `{r['_cmd']}`")
