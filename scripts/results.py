#!/usr/bin/env python3
"""Markdown tables for docs/results.md from the sweep outputs (out/sweep-*.arrow).

    for s in threshold adaptive partition degree block-size peers-quick byzantine peers; do
        ecrust-ecs sweep --config configs/sweep-$s.toml; done
    scripts/results.py > /tmp/results-tables.md
"""
import json
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.ipc as ipc
from sweep_tables import fmt, grouped, loglog_slope, mean, table

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "out")


def rows(name):
    path = OUT / f"sweep-{name}.arrow"
    if not path.exists():
        return None
    return ipc.open_file(path).read_all().to_pylist()




def threshold_vs_loss():
    rs = rows("threshold")
    if not rs:
        return
    print("### Threshold against loss (`ecrust-ecs sweep --config configs/sweep-threshold.toml`)\n")
    g = grouped(rs, "loss", "threshold")
    losses = sorted({r["loss"] for r in rs})
    ts = sorted({r["threshold"] for r in rs})
    body = []
    for loss in losses:
        cells = [f"{loss:.1f}"]
        best = None
        for t in ts:
            runs = g[(loss, t)]
            cr = mean([r["commit_rate"] for r in runs])
            mpc = mean([r["messages_per_commit"] for r in runs])
            lat = mean([r["ticks_per_commit_mean"] for r in runs])
            cells.append(f"{fmt(cr, 3)} / {fmt(mpc, 0)} / {fmt(lat)}")
            if cr is not None and cr >= 0.9 and (best is None or mpc < best[1]):
                best = (t, mpc)
        cells.append(str(int(best[0])) if best else "none")
        body.append(cells)
    table(["loss"] + [f"T={int(t)}: commit rate / sent msgs per commit / ticks" for t in ts] + ["best T (commit rate >= 0.9, fewest messages)"], body)
    adaptive = rows("adaptive")
    if adaptive:
        print("### Adaptive threshold (`ecrust-ecs sweep --config configs/sweep-adaptive.toml`)\n")
        g2 = grouped(adaptive, "loss", "threshold_policy")
        body = []
        for loss in losses:
            cells = [f"{loss:.1f}"]
            for pol in sorted({r["threshold_policy"] for r in adaptive}):
                runs = g2[(loss, pol)]
                cells.append(
                    f"{fmt(mean([r['commit_rate'] for r in runs]), 3)} / {fmt(mean([r['messages_per_commit'] for r in runs]), 0)} / T_end {fmt(mean([r['final_threshold'] for r in runs]))}"
                )
            body.append(cells)
        table(["loss"] + sorted({r["threshold_policy"] for r in adaptive}), body)


def by_key(name, key, title, extra=()):
    rs = rows(name)
    if not rs:
        return
    print(f"### {title} (`ecrust-ecs sweep --config configs/sweep-{name}.toml`)\n")
    keys = (key,) + tuple(extra)
    g = grouped(rs, *keys)
    body = []
    for k in sorted(g, key=lambda x: tuple((0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v)) for v in x)):
        runs = g[k]
        body.append(
            [fmt(v, 2) if isinstance(v, (int, float)) else str(v) for v in k]
            + [
                fmt(mean([r["commit_rate"] for r in runs]), 3),
                fmt(mean([r["messages_per_commit"] for r in runs]), 0),
                fmt(mean([r["ticks_per_commit_mean"] for r in runs])),
                fmt(mean([r["safety_violations"] for r in runs])),
                str(len(runs)),
            ]
        )
    table(list(keys) + ["commit rate", "sent msgs per commit", "ticks to commit", "violations", "runs"], body)
    return g


def peers_scaling(name):
    rs = rows(name)
    if not rs:
        return
    by_type = by_key(name, "peers", f"Scaling with peers, {name}")
    pts = [(r["peers"], r["messages_per_commit"], r["ticks_per_commit_mean"]) for r in rs if r["messages_per_commit"]]
    for label, idx in (("sent messages per commit", 1), ("ticks per commit", 2)):
        slope = loglog_slope([v[0] for v in pts], [v[idx] for v in pts])
        if slope is not None:
            print(f"Fitted exponent of {label} in peers (log-log least squares): **{slope:.2f}**\n")
    return by_type


def partitions():
    rs = rows("partition")
    if not rs:
        return
    print("### Partition duration (`ecrust-ecs sweep --config configs/sweep-partition.toml`)\n")
    body = []
    for r in rs:
        p = r["grid_partition"]
        rec = r.get("partitions")
        p = json.loads(p) if isinstance(p, str) else p
        rec = json.loads(rec) if isinstance(rec, str) else rec
        p = p[0] if isinstance(p, list) else p
        rec = rec[0] if rec else {}
        body.append([f"{p['heal'] - p['at']} ticks from {p['at']}", str(int(r["seed"])), fmt(r["commit_rate"], 3), fmt(r["messages_per_commit"], 0), fmt(rec.get("level_before"), 2), str(rec.get("recovery_ticks")), fmt(r["safety_violations"])])
    table(["50/50 partition", "seed", "commit rate", "sent msgs per commit", "commits/tick before", "recovery ticks after heal", "violations"], body)


threshold_vs_loss()
partitions()
by_key("degree", "topology", "Connectivity", ("degree",))
by_key("block-size", "grid_block_size", "Block size")
peers_scaling("peers-quick")
peers_scaling("peers")
by_key("byzantine", "byzantine_behaviour", "Byzantine peers", ("byzantine", "threshold"))
