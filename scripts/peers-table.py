#!/usr/bin/env python3
"""scripts/peers-table.py: C runners against Python peers on the same work,
side by side with ratios (make bench-peers).

    peers-table.py REPORT.json [METG.json ...]

For every run of a peer (runner exec:NAME) in REPORT, the run of its C
counterpart in the same matrix experiment with every other option equal:
multiprocessing.Pool and ProcessPoolExecutor against fork,
ThreadPoolExecutor against pthreads (async for url), Dask against mpi
(fork where the experiment has no mpi).  Medians of wall time
(wall_s: the timed region), start-up (the persistent pool's spawn_s) and
peak memory of the whole tree (rss_peak_bytes.total); ratio = peer / C.
A peer's total includes parbench's driver, which holds the shared arenas
and, for image, its own outputs kept to check the peer's; the peer's own
tree (total less the driver) is shown beside it as "tree".
Then METG(50%) of every runner in the METG reports."""
import json
import sys

COUNTERPART = {
    "python-mp-fork": ["fork"], "python-mp-fork-c1": ["fork"],
    "python-mp-spawn": ["fork"], "python-mp-spawn-c1": ["fork"],
    "python-procpool": ["fork"],
    "python-threads": ["pthreads", "async"],
    "python-dask": ["mpi", "fork"],
}


def median(xs):
    xs = sorted(x for x in xs if isinstance(x, (int, float)))
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def rep_median(run, key):
    vals = []
    for rep in run.get("repetitions", []):
        v = rep
        for part in key.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        vals.append(v)
    return median(vals)


def key_without_runner(run):
    cell = run.get("cell", {})
    parts = [p for p in cell.get("key", "").split(" ")
             if not p.startswith("runner=")]
    return cell.get("experiment"), " ".join(parts)


def work_text(run):
    p, w = run.get("params", {}), run["workload"]
    if w == "image":
        what = f"image {p.get('size_bytes', 0) / 1e6:g} MB, {run['tasks']} tasks"
    elif w == "prime":
        what = f"prime < {p.get('limit', 0):,}, {run['tasks']} tasks"
    else:
        what = f"{w}, {run['tasks']} tasks"
    cpus = run.get("limits", {}).get("cpus")
    return f"{what}, {run['workers']} w" + (f", {cpus:g} CPU" if cpus else "")


def fmt_s(x):
    if x is None:
        return "-"
    if x < 1e-6:
        return f"{x * 1e9:.0f} ns"
    if x < 1e-3:
        return f"{x * 1e6:.1f} us"
    return f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    runs = json.load(open(sys.argv[1]))["runs"]
    by_key = {}
    for r in runs:
        by_key.setdefault(key_without_runner(r), {})[r["runner"]] = r
    rows = []
    for r in runs:
        if not r["runner"].startswith("exec:"):
            continue
        peer = r["runner"][5:]
        same = by_key.get(key_without_runner(r), {})
        c = next((same[x] for x in COUNTERPART.get(peer, []) if x in same),
                 None)
        label = r.get("runner_label") or r["runner"]
        if r["status"] != "ok":
            rows.append((work_text(r), c["runner"] if c else "-", "-",
                         label, f"{r['status']}: {(r.get('error') or '')[:60]}",
                         "", "", ""))
            continue
        pw, cw = rep_median(r, "wall_s"), c and rep_median(c, "wall_s")
        pm = rep_median(r, "rss_peak_bytes.total")
        pd = rep_median(r, "rss_peak_bytes.driver")
        cm = c and rep_median(c, "rss_peak_bytes.total")
        start = r.get("pool", {}).get("spawn_s")
        agree = rep_median(r, "agreement")
        rows.append((work_text(r), c["runner"] if c else "-", fmt_s(cw),
                     label, fmt_s(pw),
                     f"{pw / cw:.1f}x" if pw and cw else "-",
                     fmt_s(start),
                     (f"{pm / 2**20:.0f}/{cm / 2**20:.0f} MiB" if pm and cm
                      else "-") + (f" (tree {(pm - pd) / 2**20:.0f})" if pm and pd else "") + (f", agree {agree:.1%}" if agree else "")))
    head = ("work", "C", "C wall", "peer", "peer wall", "peer/C",
            "peer start-up", "memory peer/C")
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(8)]
    line = lambda x: "  ".join(str(v).ljust(widths[i]) for i, v in enumerate(x))
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    for path in sys.argv[2:]:
        try:
            metg = json.load(open(path))
        except (OSError, ValueError) as e:
            print(f"\n{path}: {e}")
            continue
        print(f"\nMETG(50%) ({path}):")
        for e in metg.get("metg", metg.get("entries", [])):
            v = e.get("metg50_s")
            note = e.get("metg50_note", "")
            pts = [pt.get("task_s") for pt in e.get("points") or [] if pt.get("task_s")]
            if v is not None:
                text = fmt_s(v)
            elif "last point" in note and pts:
                text = f"< {fmt_s(min(pts))} (efficiency never fell below 50%)"
            elif "first point" in note and pts:
                text = f"> {fmt_s(max(pts))} (below 50% from the first point)"
            else:
                text = f"not found: {note or e.get('error') or e.get('status')}"
            print(f"  {e.get('label') or e.get('runner'):<44} {text}")


if __name__ == "__main__":
    main()
