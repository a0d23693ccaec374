#!/usr/bin/env python3
"""The original as the original runs it (issue 27): our `original` protocol on the original
simulator's own network (`--topology line-gradient`) and regime, rule switch by rule switch,
beside the original's 16 recorded runs, with the bounds checked; then v2 on the same network
against that baseline. The figures are deterministic per seed.

    scripts/faithful.py                 # seeds 1-10, every row (about a minute on 2 cores)
    scripts/faithful.py --seeds 3       # seeds 1-3
    BIN=path/to/ecrust-ecs scripts/faithful.py

Exit code 1 if the faithful baseline's medians miss a bound.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

# The original simulator at f3a99ac, run unchanged 16 times (issue 27): (delivered msgs per
# commit, rounds per commit, commits).
ORIGINAL_RUNS = [
    (1554, 22, 219), (1181, 22, 226), (2898, 25, 196), (1654, 43, 115),
    (1451, 22, 219), (1191, 21, 229), (1643, 23, 215), (1710, 38, 129),
    (3281, 25, 195), (2774, 25, 194), (1235, 21, 231), (1935, 23, 210),
    (1525, 23, 216), (1408, 23, 217), (5047, 27, 185), (1410, 22, 219),
]

# The original's regime: its main.rs at f3a99ac. Loss 0.04: it drops N/50 of a round's
# messages from the half it delivers (the other half waits a round), 4 % of those leaving.
REGIME = ["--peers", "2000", "--ticks", "5000",
          "--threshold", "2", "--tokens", "1", "--loss", "0.04"]

# The original's two quirks that its own network needs (docs/protocol.md, "The original on
# its own network"), and every switch at the original's value: the faithful baseline.
QUIRKS = "negative-balance=commits,behind=vote-no"
FAITHFUL = "original"

# (label, protocol, rules, topology if not the original's): every switch alone, then the
# quirks with each C choice reverted, then all of them.
ROWS = [
    ("ours (D1, catch-up)", "original", "default", []),
    ("C4 off: holder-reply=never", "original", "holder-reply=never", []),
    ("C3 off: objectors=any-voter", "original", "objectors=any-voter", []),
    ("requery=once", "original", "requery=once", []),
    ("behind=vote-no", "original", "behind=vote-no", []),
    ("D1 off: negative-balance=commits", "original", "negative-balance=commits", []),
    ("the two quirks: " + QUIRKS, "original", QUIRKS, []),
    ("the quirks + C4 off", "original", QUIRKS + ",holder-reply=never", []),
    ("the quirks + C3 off", "original", QUIRKS + ",objectors=any-voter", []),
    ("the quirks + requery=once", "original", QUIRKS + ",requery=once", []),
    ("faithful: every switch the original's (`original`)", "original", FAITHFUL, []),
    ("ours, ring-gradient (the old baseline)", "original", "default", ["ring-gradient"]),
    ("v2 on the original's network", "v2", None, []),
]

BOUNDS = {
    "delivered": (0.75 * 1600, 1.33 * 1600),
    "rounds": (21, 26),
    "commits": (190, None),
    "votes": (0.93, 0.97),
}


def topology(extra):
    return ["--topology", extra[0] if extra else "line-gradient"]


def run(binary, protocol, rules, extra, seed):
    cmd = [binary, "-q", "--summary", "json", "--protocol", protocol, *topology(extra),
           *REGIME, "--seed", str(seed)]
    if rules is not None:
        cmd += ["--rules", rules]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    s = json.loads(out)
    delivered = s["messages_delivered"]
    return {
        "delivered": s["delivered_per_commit"] or float("inf"),
        "sent": s["messages_per_commit"] or float("inf"),
        "rounds": s["rounds_per_commit"] or float("inf"),
        "commits": s["blocks_committed"],
        "rate": s["commit_rate"] or 0.0,
        "votes": s["messages_by_type"]["vote"] / delivered if delivered else 0.0,
        "violations": s["safety_violations"],
    }


def command(protocol, rules, extra):
    parts = ["ecrust-ecs", "--protocol", protocol, *topology(extra), *REGIME]
    if rules is not None and rules != "default":
        parts += ["--rules", rules]
    return " ".join(parts) + " --seed S"


def verdict(name, value):
    lo, hi = BOUNDS[name]
    if value < lo:
        return f"missed: {value / lo:.2f}x the floor"
    if hi is not None and value > hi:
        return f"missed: {value / hi:.2f}x the ceiling"
    return "met"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds 1..N (default 10)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    binary = os.environ.get("BIN", "target/release/ecrust-ecs")
    seeds = range(1, args.seeds + 1)

    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {(i, seed): pool.submit(run, binary, p, r, x, seed)
                   for i, (_, p, r, x) in enumerate(ROWS) for seed in seeds}
        results = {k: f.result() for k, f in futures.items()}

    def median(i, key):
        return statistics.median(results[(i, s)][key] for s in seeds)

    orig = {
        "delivered": statistics.median(r[0] for r in ORIGINAL_RUNS),
        "rounds": statistics.median(r[1] for r in ORIGINAL_RUNS),
        "commits": statistics.median(r[2] for r in ORIGINAL_RUNS),
    }
    print(f"Medians over seeds 1-{args.seeds}; regime: {' '.join(topology([]) + REGIME)}")
    print()
    print("| rules (`--rules`) | delivered msgs/commit | sent msgs/commit | rounds/commit "
          "| commits | commit rate | votes, share of delivered | safety violations |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| the original at f3a99ac, 16 runs (range) | {orig['delivered']:,.0f} (1,181-5,047) "
          f"| - | {orig['rounds']:.0f} (21-43) | {orig['commits']:.1f} (115-231) | - "
          f"| about 95 % | not checked |")
    for i, (label, protocol, _, _) in enumerate(ROWS):
        print(f"| {label} | {median(i, 'delivered'):,.0f} | {median(i, 'sent'):,.0f} "
              f"| {median(i, 'rounds'):.1f} | {median(i, 'commits'):.0f} "
              f"| {median(i, 'rate'):.3f} | {100 * median(i, 'votes'):.1f} % "
              f"| {median(i, 'violations'):.0f} |")
    print()
    print("Commands (S = the seed):")
    for label, protocol, rules, extra in ROWS:
        print(f"- {label}: `{command(protocol, rules, extra)}`")

    faithful = next(i for i, row in enumerate(ROWS) if row[2] == FAITHFUL)
    v2 = next(i for i, row in enumerate(ROWS) if row[1] == "v2")
    ours = 0
    print()
    print(f"Bounds (issue 27) on the faithful baseline (`--rules {FAITHFUL}`), medians:")
    missed = False
    for name, label in [("delivered", "delivered msgs/commit 1,200-2,128"),
                        ("rounds", "rounds/commit 21-26"), ("commits", "commits >= 190"),
                        ("votes", "votes 93-97 % of delivered")]:
        v = verdict(name, median(faithful, name))
        missed |= v != "met"
        shown = median(faithful, name)
        shown = f"{100 * shown:.1f} %" if name == "votes" else f"{shown:,.1f}"
        print(f"- {label}: {shown}: {v}")
    print()
    print("v2 against the original on the original's network (medians, sent msgs/commit):")
    for i, label in [(faithful, "the faithful baseline"), (ours, "ours (D1)")]:
        print(f"- against {label}: v2 {median(v2, 'sent'):,.0f} vs {median(i, 'sent'):,.0f}: "
              f"{median(i, 'sent') / median(v2, 'sent'):.1f}x fewer; rounds/commit "
              f"{median(v2, 'rounds'):.1f} vs {median(i, 'rounds'):.1f}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
