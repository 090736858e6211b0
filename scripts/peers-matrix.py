#!/usr/bin/env python3
"""scripts/peers-matrix.py: a benchmark matrix with the peers that can run
here (make bench, make bench-peers).

    peers-matrix.py PARBENCH PEERS.json OUT.json [BASE.json]

Reads PEERS.json (bench/matrices/peers-*.json), drops every exec:NAME runner
that `PARBENCH list` shows unavailable (a Python module missing: those
cells are listed on standard error with the reason, not run and not
failed), and writes OUT.json.  With BASE.json (the reference experiments'
matrix), OUT.json is BASE's experiments followed by the peer experiments,
each peer experiment carrying PEERS.json's defaults in its own "set", so
one report holds C runners and peers side by side."""
import json
import re
import subprocess
import sys


def unavailable(parbench):
    out = subprocess.run([parbench, "list"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    gone = {}
    for i, line in enumerate(out):
        m = re.match(r"\s+(exec:\S+)\s+\[unavailable\]", line)
        if m:
            why = next((l.split("UNAVAILABLE:", 1)[1].strip()
                        for l in out[i + 1:i + 4] if "UNAVAILABLE:" in l),
                       "unavailable")
            gone[m.group(1)] = why
    return gone


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    parbench, peers_path, out_path = sys.argv[1:4]
    peers = json.load(open(peers_path))
    gone = unavailable(parbench)
    for name, why in sorted(gone.items()):
        used = any(name in e.get("grid", {}).get("runner", [])
                   for e in peers["experiments"])
        if used:
            print(f"unavailable here, left out: {name}: {why}",
                  file=sys.stderr)
    experiments = []
    defaults = peers.get("defaults", {})
    for e in peers["experiments"]:
        grid = e.get("grid", {})
        if "runner" in grid:
            grid["runner"] = [r for r in grid["runner"] if r not in gone]
            if not any(r.startswith("exec:") for r in grid["runner"]):
                continue
        if len(sys.argv) == 5:
            e["set"] = {**defaults, **e.get("set", {})}
        experiments.append(e)
    if len(sys.argv) == 5:
        base = json.load(open(sys.argv[4]))
        base["name"] += " with the Python peers"
        base["experiments"] += experiments
        doc = base
    else:
        peers["experiments"] = experiments
        doc = peers
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
