#!/usr/bin/env python3
"""Charts from a run's Arrow files.

    pip install pyarrow matplotlib
    ecrust-ecs --protocol original --peers 10000 --ticks 1000 --arrow out/   # docs/img/*-10k.png
    scripts/plot.py out/            # writes out/commits.png, latency.png, messages.png

Charts: commits and delivered messages per tick; the ticks-to-commit histogram; messages by
protocol phase (delivered and lost).
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.ipc as ipc  # noqa: E402

PHASES = ["vote_request", "vote_echo", "block_query", "parent_query", "block_reply", "parent_reply"]


def main(out: Path) -> None:
    ticks = ipc.open_file(out / "ticks.arrow").read_all()
    blocks = ipc.open_file(out / "blocks.arrow").read_all()
    tick = ticks["tick"].to_numpy()

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(tick, ticks["blocks_committed"].to_numpy(), label="blocks committed", lw=0.8)
    ax.set_xlabel("tick")
    ax.set_ylabel("blocks committed per tick")
    ax2 = ax.twinx()
    delivered = sum(ticks[f"delivered_{p}"].to_numpy() for p in PHASES)
    ax2.plot(tick, delivered, color="tab:orange", label="messages delivered", lw=0.8)
    ax2.set_ylabel("messages delivered per tick")
    fig.legend(loc="upper right")
    ax.set_title("Commits and messages per tick")
    fig.tight_layout()
    fig.savefig(out / "commits.png", dpi=110)

    latency = pc.drop_null(blocks["ticks_to_commit"]).to_numpy()
    fig, ax = plt.subplots(figsize=(8, 4))
    if len(latency):
        ax.hist(latency, bins=range(0, int(latency.max()) + 2), color="tab:green")
    ax.set_xlabel("ticks from submission to commit at the origin")
    ax.set_ylabel("blocks")
    ax.set_title(f"Latency of {len(latency)} committed blocks")
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)

    fig, ax = plt.subplots(figsize=(8, 4))
    delivered = [pc.sum(ticks[f"delivered_{p}"]).as_py() for p in PHASES]
    dropped = [pc.sum(ticks[f"dropped_{p}"]).as_py() for p in PHASES]
    ax.bar(PHASES, delivered, label="delivered")
    ax.bar(PHASES, dropped, bottom=delivered, label="lost")
    ax.set_yscale("log")
    ax.set_ylabel("messages")
    ax.set_title("Messages by protocol phase")
    ax.legend()
    plt.setp(ax.get_xticklabels(), rotation=20)
    fig.tight_layout()
    fig.savefig(out / "messages.png", dpi=110)
    print(f"wrote {out / 'commits.png'}, {out / 'latency.png'}, {out / 'messages.png'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/plot.py RUN_DIR (a directory written by ecrust-ecs --arrow)")
    main(Path(sys.argv[1]))
