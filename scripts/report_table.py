#!/usr/bin/env python3
"""scripts/report_table.py: print runs from parbench reports as a table.

usage: report_table.py REPORT.json... [--baseline single]

One row per run: configuration, median wall time with its 95% CI, CPU
utilisation, peak RSS (driver / largest worker / total) and the speedup
against the first run whose runner is the baseline (same workload); for a
report gathered from Docker containers, the container and its limits first.
Used by the bench-* make targets; standard library only.
"""
import json
import sys


def main(argv):
    baseline = "single"
    files = []
    it = iter(argv)
    for a in it:
        if a == "--baseline":
            baseline = next(it)
        else:
            files.append(a)
    runs = []
    for f in files:
        with open(f) as fh:
            runs.extend(json.load(fh)["runs"])
    base = {}
    for r in runs:
        if r["runner"] == baseline and r["status"] == "ok":
            base.setdefault(r["workload"], r["summary"]["wall_s"]["median"])
    hdr = ("workload", "runner", "workers", "transfer", "tasks", "median s",
           "95% CI", "cpu %", "rss MiB drv/max/tot", "speedup", "status")
    rows = []
    for r in runs:
        s = r["summary"]
        w = s["wall_s"]
        med = w.get("median")
        ci = w.get("ci95")
        mib = lambda k: "%.0f" % (s[k]["max"] / 1048576) if s.get(k, {}).get("max") else "-"
        sp = "-"
        if med and r["workload"] in base:
            sp = "%.2fx" % (base[r["workload"]] / med)
        rows.append((r["workload"], r["runner"], str(r["workers"]),
                     r["params"].get("transfer", ""), str(r["tasks"]),
                     "%.4f" % med if med else "-",
                     "%.4f-%.4f" % tuple(ci) if ci else "-",
                     "%.0f" % (100 * s["cpu_utilization"]["mean"]) if s["cpu_utilization"].get("mean") is not None else "-",
                     "/".join((mib("rss_driver_bytes"), mib("rss_worker_max_bytes"), mib("rss_total_bytes"))),
                     sp, r["status"]))
    # A gathered Docker report (docker/gather.py): where each run ran, and
    # under which limits.
    if any("host" in r for r in runs):
        hdr = ("container", "limits") + hdr
        def lim(r):
            l = r.get("limits") or {}
            c, m = l.get("cpus"), l.get("memory_bytes")
            parts = (["%g CPU" % c] if c else []) + (["%.3gG" % (m / 2**30)] if m else [])
            return ", ".join(parts) or "none"
        rows = [(r.get("host", {}).get("hostname", "-"), lim(r)) + row
                for r, row in zip(runs, rows)]
    width = [max(len(h), *(len(x[i]) for x in rows)) if rows else len(h)
             for i, h in enumerate(hdr)]
    line = lambda cols: "  ".join(c.rjust(width[i]) for i, c in enumerate(cols))
    print(line(hdr))
    for row in rows:
        print(line(row))


if __name__ == "__main__":
    main(sys.argv[1:])
