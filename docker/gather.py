#!/usr/bin/env python3
"""docker/gather.py: every container's reports as one parbench report.

usage: gather.py DIR      (reads DIR/raw/, writes DIR/report.json)

docker/bench.sh runs it in a container of the image once the containers
are done.  DIR/raw/ holds what each container wrote: its reports (one per
configuration, each with the host and limits parbench saw inside that
container) and info-<hostname>.json (`parbench info` there).  The gathered
report is an ordinary parbench report, so `parbench plot`, `export` and
`compare` read it, with:

- every run's "host": the host object of the report it came from, so the
  container it ran in (hostname) and that container's limits (host.limits)
  stay with the run;
- a run that set no limits of its own ("mechanism": "none") gets its
  container's as its "limits" ("mechanism": "container"), so the charts
  tell the 2-CPU pool from the 4-CPU one and from the 1-CPU MPI head;
- "host" at the top: the Docker host, as an unlimited container sees it
  (`parbench info` where this runs);
- "docker": the scale, the engine, each container's limits, which file
  each run came from, and the one-line notes of skipped containers
  (DIR/skipped.txt).

Prints the number of runs gathered.  Standard library only.
"""
import datetime
import glob
import json
import os
import subprocess
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main(argv):
    if len(argv) != 1:
        print("usage: gather.py DIR", file=sys.stderr)
        return 2
    top = argv[0]
    raw = os.path.join(top, "raw")
    pb = os.environ.get("PB", "parbench")
    containers = {}
    for f in sorted(glob.glob(os.path.join(raw, "info-*.json"))):
        h = load(f)
        containers[h["hostname"]] = h
    runs, sources = [], []
    schema = tool = None
    for f in sorted(glob.glob(os.path.join(raw, "*.json"))):
        if os.path.basename(f).startswith("info-"):
            continue
        r = load(f)
        schema, tool = schema or r.get("schema"), tool or r.get("tool")
        host = r["host"]
        name = host.get("hostname")
        containers.setdefault(name, host)
        hl = host.get("limits") or {}
        for run in r["runs"]:
            run["host"] = host
            lim = run.get("limits") or {}
            if lim.get("mechanism", "none") == "none":
                run["limits"] = {
                    "cpus": hl.get("cpus"),
                    "memory_bytes": hl.get("memory_bytes"),
                    "mechanism": "container",
                    "container": name,
                    "cpus_source": hl.get("cpus_source"),
                    "memory_source": hl.get("memory_source"),
                }
            runs.append(run)
        sources.append({"file": "raw/" + os.path.basename(f), "hostname": name,
                        "runs": len(r["runs"])})
    info = json.loads(subprocess.run([pb, "info"], check=True,
                                     stdout=subprocess.PIPE).stdout)
    skipped = []
    sk = os.path.join(top, "skipped.txt")
    if os.path.exists(sk):
        with open(sk) as f:
            skipped = [line.strip() for line in f if line.strip()]
    if tool is None:
        tool = {"name": "parbench", "version": subprocess.run(
            [pb, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()}
    report = {
        "schema": schema or "parbench.report/1",
        "tool": tool,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": info,
        "runs": runs,
        "docker": {
            "scale": os.environ.get("SCALE"),
            "engine": os.environ.get("ENGINE_VERSION"),
            "builder": os.environ.get("BUILDER"),
            "containers": [{"hostname": n, "limits": h.get("limits")}
                           for n, h in sorted(containers.items())],
            "reports": sources,
            "skipped": skipped,
        },
    }
    out = os.path.join(top, "report.json")
    tmp = out + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)
    print(len(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
