#!/usr/bin/env python3
"""Charts of one run, or of a sweep, from ecrust-ecs's tables (Arrow or Parquet alike).

    pip install pyarrow matplotlib

One run (any protocol: the phases are read from the table's `sent_*` / `delivered_*` /
`dropped_*` columns, keeping those with data):

    ecrust-ecs --peers 10000 --ticks 500 --arrow out/v2-10k      # or --parquet
    scripts/plot.py out/v2-10k        # out/v2-10k/{commits,latency,messages,phases}.png

A sweep table (`ecrust-ecs sweep`, `gather`, shards, or many runs' run.parquet): the mean of
each y over the runs that share x and --by (seeds, other grid keys; pin those with --where),
log axes where a value spans decades; several y (comma-separated) give one panel each:

    scripts/plot.py --sweep out/sweep-chart-peers.arrow --x peers \\
        --y messages_per_commit,ticks_per_commit_mean --by protocol --out peers.png
    scripts/plot.py --sweep 'out/*/run.parquet' --x loss --y commit_rate --by protocol

--check prints every chart's data series (points and sum) and exits 1 if a chart has none;
the charts are written all the same. Bad input (a missing file, an unknown column) is one
line on stderr and exit code 2.
"""
import argparse
import glob
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

# Stage prefixes of the ticks table's per-phase columns (docs/outputs.md).
STAGES = ("sent", "delivered", "dropped")
CHARTS = ("commits", "latency", "messages", "phases")
# Axis labels of the summary's usual columns (docs/outputs.md); others show their name.
LABELS = {
    "messages_per_commit": "messages sent per commit",
    "delivered_per_commit": "messages delivered per commit",
    "bytes_per_commit": "bytes sent per commit",
    "ticks_per_commit_mean": "ticks to commit (mean)",
    "ticks_per_commit_p99": "ticks to commit (p99)",
    "commit_rate": "commit rate (committed / submitted)",
    "byzantine": "Byzantine share of the peers",
    "loss": "message loss probability",
}


class Bad(Exception):
    """Bad input: reported as one line, exit code 2."""


def fail(message: str, code: int = 2) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


# ---- reading tables -------------------------------------------------------------------------


def read_table(path: Path):
    """An Arrow IPC or Parquet file as a pyarrow Table, by its extension or its magic bytes."""
    import pyarrow as pa
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    if not path.is_file():
        raise Bad(f"{path}: no such file")
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
        if magic[:4] == b"PAR1":
            return pq.read_table(path)
        if magic == b"ARROW1":
            return ipc.open_file(path).read_all()
        raise Bad(f"{path}: neither an Arrow IPC nor a Parquet file")
    except (pa.ArrowException, OSError) as e:
        raise Bad(f"{path}: cannot read: {str(e).splitlines()[0]}") from None


def run_table(directory: Path, name: str):
    """`name.arrow` or `name.parquet` in a run's directory, whichever was written."""
    for ext in ("arrow", "parquet"):
        path = directory / f"{name}.{ext}"
        if path.is_file():
            return read_table(path)
    return None


def describe_run(directory: Path, ticks) -> str:
    """'v2, 10000 peers, 500 ticks' from the run table, else the files' config metadata."""
    run = run_table(directory, "run")
    if run is not None and run.num_rows:
        row = run.slice(0, 1).to_pylist()[0]
        if all(k in row for k in ("protocol", "peers", "ticks")):
            return f"{row['protocol']}, {row['peers']:,} peers, {row['ticks']:,} ticks"
    meta = ticks.schema.metadata or {}
    try:
        config = json.loads(meta.get(b"ecrust.config", b"{}"))
    except ValueError:
        config = {}
    protocol = config.get("protocol")
    if isinstance(protocol, dict):
        protocol = protocol.get("kind") or protocol.get("name")
    return f"{protocol or 'protocol ?'}, {config.get('peers', '?')} peers"


def phases(ticks):
    """The phases with data in this run, in column order: every `<stage>_<phase>` column of
    the ticks table whose sent, delivered or lost messages add up to more than 0."""
    import pyarrow.compute as pc

    names = ticks.column_names
    found = []
    for name in names:
        for stage in STAGES:
            if name.startswith(stage + "_"):
                phase = name[len(stage) + 1:]
                if phase not in found:
                    found.append(phase)
    with_data = []
    for phase in found:
        total = sum(pc.sum(ticks[f"{s}_{phase}"]).as_py() or 0
                    for s in STAGES if f"{s}_{phase}" in names)
        if total > 0:
            with_data.append(phase)
    return with_data


def column(table, name: str, what: str):
    if name not in table.column_names:
        import difflib

        near = difflib.get_close_matches(name, table.column_names, n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise Bad(f"{what} has no column {name!r}{hint}")
    return table[name]


# ---- one run --------------------------------------------------------------------------------


def plot_run(directory: Path, out: Path, check: bool) -> bool:
    import matplotlib.pyplot as plt
    import numpy as np
    import pyarrow.compute as pc

    if not directory.is_dir():
        raise Bad(f"{directory}: no such directory (write one with ecrust-ecs --arrow DIR "
                  "or --parquet DIR)")
    ticks = run_table(directory, "ticks")
    blocks = run_table(directory, "blocks")
    if ticks is None or blocks is None:
        raise Bad(f"{directory} holds no ticks and blocks table (.arrow or .parquet); "
                  "write them with ecrust-ecs --arrow DIR or --parquet DIR")
    out.mkdir(parents=True, exist_ok=True)
    title = describe_run(directory, ticks)
    ph = phases(ticks)
    tick = column(ticks, "tick", "the ticks table").to_numpy()
    series = {}  # chart -> [(series name, values)]

    def stage_sum(stage):
        cols = [ticks[f"{stage}_{p}"].to_numpy() for p in ph if f"{stage}_{p}" in ticks.column_names]
        return np.sum(cols, axis=0) if cols else np.zeros(len(tick), dtype=np.uint64)

    committed = column(ticks, "blocks_committed", "the ticks table").to_numpy()
    delivered = stage_sum("delivered")
    # Per-tick counts jump with the delay draws; a moving mean shows the trend, the raw
    # values stay faint behind it.
    w = max(1, len(tick) // 50)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(tick, committed, lw=0.5, alpha=0.3, color="tab:blue")
    a = ax.plot(tick, smooth(committed, w), lw=1.5, color="tab:blue",
                label=f"blocks committed (mean of {w} ticks)")
    ax.set_xlabel("tick")
    ax.set_ylabel("blocks committed per tick")
    ax.set_ylim(bottom=0)
    ax2 = ax.twinx()
    ax2.plot(tick, delivered, lw=0.5, alpha=0.3, color="tab:orange")
    b = ax2.plot(tick, smooth(delivered, w), lw=1.5, color="tab:orange",
                 label=f"messages delivered (mean of {w} ticks)")
    ax2.set_ylabel("messages delivered per tick")
    ax2.set_ylim(bottom=0)
    ax.legend(handles=a + b, loc="lower center", fontsize="small")
    ax.set_title(f"Commits and messages per tick ({title})")
    fig.tight_layout()
    fig.savefig(out / "commits.png", dpi=110)
    plt.close(fig)
    series["commits"] = [("blocks committed", committed), ("messages delivered", delivered)]

    latency = pc.drop_null(column(blocks, "ticks_to_commit", "the blocks table")).to_numpy()
    fig, ax = plt.subplots(figsize=(8, 4))
    if len(latency):
        # One bar per whole tick, centred on it.
        ax.hist(latency, bins=np.arange(-0.5, int(latency.max()) + 1.5), color="tab:green",
                edgecolor="white")
    ax.set_xlabel("ticks from submission to commit at the origin")
    ax.set_ylabel("blocks")
    ax.set_title(f"Latency of {len(latency):,} committed blocks ({title})")
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    series["latency"] = [("ticks to commit", latency)]

    # Sent, delivered and lost side by side per phase; log scale, as phases differ by decades.
    totals = {s: [pc.sum(ticks[f"{s}_{p}"]).as_py() or 0 for p in ph] for s in STAGES}
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(ph))
    for i, (stage, label) in enumerate(zip(STAGES, ("sent", "delivered", "lost"))):
        ax.bar(x + (i - 1) * 0.27, totals[stage], width=0.27, label=label)
    ax.set_xticks(x, ph)
    if any(v > 0 for vs in totals.values() for v in vs):
        ax.set_yscale("log")
    ax.set_ylabel("messages")
    ax.set_title(f"Messages by protocol phase ({title})")
    ax.legend()
    plt.setp(ax.get_xticklabels(), rotation=20)
    fig.tight_layout()
    fig.savefig(out / "messages.png", dpi=110)
    plt.close(fig)
    series["messages"] = [(f"{label} {p}", np.array([totals[stage][i]]))
                          for stage, label in zip(STAGES, ("sent", "delivered", "lost"))
                          for i, p in enumerate(ph)]

    fig, ax = plt.subplots(figsize=(8, 4))
    series["phases"] = []
    for p in ph:
        sent = ticks[f"sent_{p}"].to_numpy()
        ax.plot(tick, smooth(sent, w), label=p, lw=1.2)
        series["phases"].append((f"sent {p}", sent))
    ax.set_xlabel("tick")
    ax.set_ylabel(f"messages sent per tick (mean of {w} ticks)")
    # Phases that differ by decades (the original's votes and parent queries) need a log
    # scale; symlog, since a phase may send nothing for a while.
    if spans_decades([float(v.sum()) for _, v in series["phases"] if v.sum() > 0]):
        ax.set_yscale("symlog", linthresh=1)
    ax.set_title(f"Messages sent per tick, by phase ({title})")
    if ph:
        ax.legend(fontsize="small", ncol=2)
    fig.tight_layout()
    fig.savefig(out / "phases.png", dpi=110)
    plt.close(fig)

    written = ", ".join(str(out / f"{c}.png") for c in CHARTS)
    print(f"wrote {written} ({title}; phases: {', '.join(ph) or 'none'})")
    return report(series) if check else True


def smooth(values, w: int):
    """The moving mean over `w` ticks (centred, shorter at the ends)."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    if w <= 1 or len(values) == 0:
        return values
    kernel = np.ones(w)
    return np.convolve(values, kernel, "same") / np.convolve(np.ones(len(values)), kernel, "same")


def report(series) -> bool:
    """Prints each chart's series (points, sum); False if some chart has no data at all."""
    ok = True
    for chart, items in series.items():
        chart_total = 0
        for name, values in items:
            values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
            total = sum(float(v) for v in values)
            chart_total += total
            shown = f"{total:.0f}" if total.is_integer() else f"{total:.6g}"
            print(f"check {chart} | {name} | points {len(values)} | sum {shown}")
        if not items or chart_total == 0:
            print(f"check {chart} | EMPTY: no data to draw")
            ok = False
    return ok


# ---- a sweep --------------------------------------------------------------------------------


def sweep_rows(patterns):
    import pyarrow as pa

    paths = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
        if not found:
            raise Bad(f"{pattern}: no file matches")
        paths.extend(Path(p) for p in found)
    tables = [read_table(p) for p in paths]
    try:
        table = pa.concat_tables(
            [t.replace_schema_metadata(None) for t in tables], promote_options="permissive")
    except pa.ArrowException as e:
        raise Bad(f"cannot stack {len(tables)} tables: {str(e).splitlines()[0]}") from None
    return table, paths


def parse_where(items, table):
    """--where KEY=VALUE filters, VALUE read as the column's type."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise Bad(f"--where {item!r}: expected KEY=VALUE")
        column(table, key, "the sweep table")
        out.append((key, value))
    return out


def matches(row, where):
    for key, value in where:
        v = row[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if str(v).lower() != value.lower():
                return False
        else:
            try:
                if float(value) != v:
                    return False
            except ValueError:
                return False
    return True


def spans_decades(values) -> bool:
    """Log axis when every value is positive and the largest is 10x the smallest or more."""
    vs = [v for v in values if isinstance(v, (int, float))]
    return bool(vs) and min(vs) > 0 and max(vs) / min(vs) >= 10


def plot_sweep(args) -> bool:
    import matplotlib
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401

    table, paths = sweep_rows(args.sweep)
    ys = [y for y in args.y.split(",") if y]
    if not ys:
        raise Bad("--y names no column")
    by = [b for b in (args.by or "").split(",") if b]
    for name in [args.x, *ys, *by]:
        column(table, name, "the sweep table")
    where = parse_where(args.where, table)
    rows = [r for r in table.to_pylist() if matches(r, where)]
    if not rows:
        raise Bad(f"no run matches --where {' '.join(args.where)}")
    for y in ys:
        kinds = {type(r[y]) for r in rows if r[y] is not None}
        if not kinds or not kinds <= {int, float}:
            raise Bad(f"column {y!r} holds no numbers to plot")
    categorical = any(isinstance(r[args.x], str) for r in rows)
    xs = sorted({r[args.x] for r in rows if r[args.x] is not None}, key=lambda v: (str(type(v)), v))

    def group(r):
        return " ".join(str(r[b]) for b in by)

    groups = sorted({group(r) for r in rows})

    fig, axes = plt.subplots(1, len(ys), figsize=(5.2 * len(ys) + 0.6, 4), squeeze=False)
    series = {}
    for i, (ax, y) in enumerate(zip(axes[0], ys)):
        cells = defaultdict(list)
        for r in rows:
            if r[y] is not None and r[args.x] is not None:
                cells[(group(r), r[args.x])].append(r[y])
        items = []
        all_y = []
        for n, g in enumerate(groups):
            pts = [(x, sum(cells[(g, x)]) / len(cells[(g, x)])) for x in xs if cells[(g, x)]]
            if not pts:
                continue
            px = [xs.index(x) for x, _ in pts] if categorical else [x for x, _ in pts]
            py = [v for _, v in pts]
            all_y += py
            # Markers shrink from line to line, so lines on the same points stay visible.
            ax.plot(px, py, marker="osD^v<>"[n % 7], ms=max(3, 8 - 1.5 * n), lw=1.2,
                    label=g or y)
            items.append((g or y, py))
        series[y] = items
        ax.set_xlabel(LABELS.get(args.x, args.x))
        ax.set_ylabel(LABELS.get(y, y))
        if categorical:
            ax.set_xticks(range(len(xs)), [str(x) for x in xs])
            plt.setp(ax.get_xticklabels(), rotation=20)
        else:
            if args.log in ("x", "xy") or (args.log == "auto" and spans_decades(xs)):
                ax.set_xscale("log")
            if len(xs) <= 8:
                # Ticks at the sweep's own values, written out (2,000 rather than 2x10^3).
                ax.set_xticks(xs, [f"{x:,}" if isinstance(x, int) else f"{x:g}" for x in xs])
                ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        if args.log in ("y", "xy") or (args.log == "auto" and spans_decades(all_y)):
            ax.set_yscale("log")
        elif y.endswith("_rate") and all(0 <= v <= 1 for v in all_y):
            # A share: the whole 0..1 range, so 0.98 does not look like a collapse.
            ax.set_ylim(0, 1.05)
        ax.grid(True, which="major", alpha=0.3)
        if by and i == 0:
            ax.legend(fontsize="small", title=", ".join(by), title_fontsize="small")
    per_point = max((len(v) for v in cells.values()), default=0)
    title = args.title or f"{', '.join(ys)} against {args.x}" + (f", by {', '.join(by)}" if by else "")
    if where:
        title += " (" + ", ".join(f"{k} = {v}" for k, v in where) + ")"
    fig.suptitle(title + (f"; mean of {per_point} runs a point" if per_point > 1 else ""),
                 fontsize="medium")
    fig.tight_layout()
    out = Path(args.out) if args.out else paths[0].with_name(
        f"{paths[0].stem}-{'-'.join(ys)}-vs-{args.x}.png")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=110)
    except OSError as e:
        raise Bad(f"cannot write {out}: {e.strerror}") from None
    plt.close(fig)
    print(f"wrote {out} ({len(rows)} runs from {len(paths)} file(s))")
    return report(series) if args.check else True


# ---- command line ---------------------------------------------------------------------------


def parse(argv):
    p = argparse.ArgumentParser(
        prog="scripts/plot.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", nargs="?", help="a run's directory (ecrust-ecs --arrow/--parquet DIR)")
    p.add_argument("--out", help="run: directory for the charts (default RUN_DIR); sweep: the PNG")
    p.add_argument("--check", action="store_true",
                   help="print every chart's series (points, sum); exit 1 if a chart is empty")
    p.add_argument("--sweep", nargs="+", metavar="TABLE",
                   help="sweep, gather or run tables (globs allowed), Arrow or Parquet")
    p.add_argument("--x", help="sweep: the column on the x axis (peers, loss, byzantine, ...)")
    p.add_argument("--y", help="sweep: column(s) on the y axis, comma-separated: one panel each")
    p.add_argument("--by", help="sweep: one line per value of this column (protocol, ...); "
                   "several, comma-separated: one line per combination")
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                   help="sweep: keep only runs where KEY equals VALUE (repeatable)")
    p.add_argument("--log", choices=["auto", "x", "y", "xy", "none"], default="auto",
                   help="log axes: auto (where values span 20x or more), or as named")
    p.add_argument("--title", help="sweep: the chart's title")

    # argparse's own errors are two lines (usage, then the message); keep them to one.
    p.error = lambda message: fail(f"{message} (scripts/plot.py --help)")
    args = p.parse_args(argv)
    if args.sweep:
        if args.run_dir:
            fail("give either RUN_DIR or --sweep, not both")
        if not args.x or not args.y:
            fail("--sweep needs --x COLUMN and --y COLUMN")
    elif not args.run_dir:
        fail("usage: scripts/plot.py RUN_DIR [--check] | --sweep TABLE --x COL --y COL [--by COL]")
    return args


def main(argv) -> int:
    args = parse(argv)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import pyarrow  # noqa: F401
    except ImportError as e:
        fail(f"{e.name} is not installed (pip install pyarrow matplotlib)")
    try:
        if args.sweep:
            ok = plot_sweep(args)
        else:
            run_dir = Path(args.run_dir)
            ok = plot_run(run_dir, Path(args.out) if args.out else run_dir, args.check)
    except Bad as e:
        fail(str(e))
    except BrokenPipeError:
        # Output piped into head: not an error of the charts.
        sys.stderr.close()
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
