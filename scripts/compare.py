#!/usr/bin/env python3
"""Side-by-side tables, original vs v2, for docs/results.md from out/sweep-v2-*.arrow.

    for s in threshold conflict byzantine degree peers block-size partition tolerance tolerance-silent small-world; do
        target/release/ecrust-ecs sweep --config configs/sweep-v2-$s.toml --jobs 2; done
    scripts/compare.py > /tmp/compare-tables.md
"""
import json
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.ipc as ipc
from sweep_tables import fmt, grouped, loglog_slope, mean, table

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
PROTOCOLS = ["original", "v2"]


def rows(name):
    path = OUT / f"sweep-v2-{name}.arrow"
    return ipc.open_file(path).read_all().to_pylist() if path.exists() else None




COLS = ["commit rate", "sent msgs per commit", "bytes per commit", "ticks to commit", "S1"]


def cells(runs):
    return [fmt(mean([r["commit_rate"] for r in runs]), 3),
            fmt(mean([r["messages_per_commit"] for r in runs]), 0),
            fmt(mean([r["bytes_per_commit"] for r in runs]), 0),
            fmt(mean([r["ticks_per_commit_mean"] for r in runs])),
            fmt(sum(r["violations.conflicting_commits"] for r in runs))]


def families(runs):
    one = sum(r["conflict_families.one_committed"] for r in runs)
    total = sum(r["conflict_families.total"] for r in runs)
    forked = sum(r["conflict_families.forked"] for r in runs)
    return f"{int(one)}/{int(total)}" if total else "-", fmt(forked)


def heading(name, what):
    print(f"### {what} (`ecrust-ecs sweep --config configs/sweep-v2-{name}.toml`)\n")


def threshold():
    rs = rows("threshold")
    if not rs:
        return
    heading("threshold", "Threshold or quorum against loss")
    g = grouped(rs, "loss", "protocol", "threshold")
    body = []
    for loss in sorted({r["loss"] for r in rs}):
        for t in sorted({r["threshold"] for r in rs}):
            body.append([f"{loss:.1f}", f"original T={int(t)}"] + cells(g[(loss, "original", t)]))
        # v2 ignores the threshold: every T gives the same run (checked here).
        v2 = [r for t in sorted({r["threshold"] for r in rs}) for r in g[(loss, "v2", t)]]
        assert len({(r["seed"], r["digest"]) for r in v2}) == len({r["seed"] for r in v2}), "v2 depends on T?"
        body.append([f"{loss:.1f}", "**v2** (Q=22/32)"] + cells([r for r in v2 if r["threshold"] == 1]))
    table(["loss", "protocol"] + COLS, body)


def simple(name, what, key, label, fam=False):
    rs = rows(name)
    if not rs:
        return
    heading(name, what)
    key = key if key in rs[0] else "grid_" + key
    g = grouped(rs, key, "protocol")
    body = []
    for k in sorted({r[key] for r in rs}):
        for p in PROTOCOLS:
            runs = g[(k, p)]
            extra = list(families(runs)) if fam else []
            body.append([str(k), p] + cells(runs) + extra)
    table([label, "protocol"] + COLS + (["families with one winner", "forked families"] if fam else []), body)
    return g


def byzantine():
    rs = rows("byzantine")
    if not rs:
        return
    heading("byzantine", "Byzantine fraction and behaviour")
    g = grouped(rs, "byzantine_behaviour", "byzantine", "protocol")
    body = []
    for b in ["silent", "equivocate", "double-spend", "flood"]:
        for f in sorted({r["byzantine"] for r in rs}):
            for p in PROTOCOLS:
                runs = g[(b, f, p)]
                if runs:
                    body.append([b, f"{f:.2f}", p] + cells(runs) + list(families(runs)))
    table(["behaviour", "byzantine", "protocol"] + COLS + ["families with one winner", "forked families"], body)


def peers():
    rs = rows("peers")
    if not rs:
        return
    heading("peers", "Peers, busy workload (1 token per 200 peers)")
    g = grouped(rs, "peers", "protocol")
    body = []
    for n in sorted({r["peers"] for r in rs}):
        for p in PROTOCOLS:
            if g[(n, p)]:
                runs = g[(n, p)]
                body.append([fmt(n), p] + cells(runs) + [fmt(mean([r["wall_seconds"] for r in runs]))])
    table(["peers", "protocol"] + COLS + ["wall seconds"], body)
    for p in PROTOCOLS:
        pts = [(n, mean([r["messages_per_commit"] for r in g[(n, p)]]), mean([r["ticks_per_commit_mean"] for r in g[(n, p)]]))
               for n in sorted({r["peers"] for r in rs}) if g[(n, p)]]
        for label, idx in (("sent messages per commit", 1), ("ticks per commit", 2)):
            slope = loglog_slope([v[0] for v in pts], [v[idx] for v in pts])
            if slope is None:
                continue
            print(f"{p}: fitted exponent of {label} in peers ({fmt(pts[0][0])}..{fmt(pts[-1][0])}, log-log least squares): **{slope:.2f}**\n")


def two_keys(name, what, keys, labels, show):
    """Rows per (first key, second key, protocol), `show` formatting the two keys."""
    rs = rows(name)
    if not rs:
        return
    heading(name, what)
    g = grouped(rs, *keys, "protocol")
    body = []
    for a in sorted({r[keys[0]] for r in rs}):
        for b in sorted({r[keys[1]] for r in rs}):
            for p in PROTOCOLS:
                if g[(a, b, p)]:
                    body.append(list(show(a, b)) + [p] + cells(g[(a, b, p)]))
    table(list(labels) + ["protocol"] + COLS, body)


def degree():
    two_keys("degree", "Connectivity: topology and degree", ("topology", "degree"),
             ("topology", "degree"), lambda t, d: (t, fmt(d)))


def block_size():
    g = simple("block-size", "Parts per block", "block_size", "parts per block")
    if g:
        print("Sent messages per token moved (per commit / parts): " + "; ".join(
            f"{p} {k}: {fmt(mean([r['messages_per_commit'] for r in runs]) / int(k.split('..')[0]), 0)}"
            for (k, p), runs in sorted(g.items())) + "\n")


def partition():
    rs = rows("partition")
    if not rs:
        return
    heading("partition", "A 50/50 partition, healed")
    body = []
    def spec(r):
        p = r["grid_partition"]
        p = json.loads(p) if isinstance(p, str) else p
        return p[0] if isinstance(p, list) else p

    for r in sorted(rs, key=lambda r: (spec(r)["heal"] - spec(r)["at"], r["protocol"], r["seed"])):
        p = spec(r)
        rec = r.get("partitions")
        rec = json.loads(rec) if isinstance(rec, str) else rec
        rec = rec[0] if rec else {}
        body.append([f"{p['heal'] - p['at']} ticks from {p['at']}", r["protocol"], str(int(r["seed"])),
                     fmt(r["commit_rate"], 3), fmt(r["messages_per_commit"], 0), fmt(rec.get("level_before"), 2),
                     "never" if rec.get("recovery_ticks") is None else str(rec["recovery_ticks"]),
                     fmt(r["safety_violations"])])
    table(["50/50 partition", "protocol", "seed", "commit rate", "sent msgs per commit", "commits/tick before",
           "recovery ticks after heal", "violations"], body)


def small_world():
    two_keys("small-world", "On `--topology small-world` (routed hop by hop)", ("loss", "peers"),
             ("loss", "peers"), lambda loss, n: (f"{loss:.2f}", f"{int(n):,}"))


def tolerance(name, key, label, what):
    """v2 alone: its tolerance b (quorum Q) against a network condition, one cell per b."""
    rs = rows(name)
    if not rs:
        return
    heading(name, what)
    key = key if key in rs[0] else "grid_" + key
    bs = sorted({int(r["tolerance"]) for r in rs})
    g = grouped(rs, key, "tolerance")
    body = []
    for k in sorted({r[key] for r in rs}):
        row = [f"{k:.2f}"]
        for b in bs:
            runs = g[(k, b)]
            row.append(f"{fmt(mean([r['commit_rate'] for r in runs]), 3)} / "
                       f"{fmt(mean([r['messages_per_commit'] for r in runs]), 0)} / "
                       f"{fmt(mean([r['ticks_per_commit_mean'] for r in runs]))}")
        body.append(row)
    quorum = lambda b: (32 + b) // 2 + 1
    table([label] + [f"b={b} (Q={quorum(b)})" for b in bs], body)


threshold()
tolerance("tolerance", "loss", "loss", "v2's tolerance b (quorum Q) against loss: commit rate / sent msgs per commit / ticks to commit")
tolerance("tolerance-silent", "byzantine", "silent share",
          "v2's tolerance b (quorum Q) against silent peers: commit rate / sent msgs per commit / ticks to commit")
simple("conflict", "Conflict rate (double-signing owners)", "conflict_rate", "conflict rate", fam=True)
byzantine()
degree()
peers()
block_size()
partition()
small_world()
