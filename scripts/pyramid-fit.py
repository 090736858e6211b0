#!/usr/bin/env python3
"""scripts/pyramid-fit.py MATRIX DIR OUT: the pyramid experiments of MATRIX
against the free space of DIR (where the pyramid writes its images).

Its inputs are images x side^2 x depth/8 bytes (TIFF adds under 1 %), and
every level above them about a seventh more; one cell at a time is on the
disk, so the need is 1.2 x the inputs of the largest cell, plus 256 MiB to
spare.  Prints nothing and writes nothing when everything fits.  Otherwise
writes OUT, MATRIX with each pyramid experiment's "images" cut to what
fits (or the experiment left out when fewer than 16 images fit), and
prints one line saying so."""
import json
import os
import sys

matrix, where, out = sys.argv[1:4]
with open(matrix) as f:
    m = json.load(f)
st = os.statvfs(where)
free = st.f_bavail * st.f_frsize
spare = 256 << 20
said, keep = [], []
for e in m.get("experiments", []):
    s = e.get("set", {})
    if s.get("workload") != "pyramid":
        keep.append(e)
        continue
    side, depth = int(s.get("side", 1024)), int(s.get("depth", 16))
    images = int(s.get("images", 64))
    per = side * side * depth // 8 * 1.2
    need = images * per + spare
    if need <= free:
        keep.append(e)
        continue
    fit = int((free - spare) // per) if free > spare else 0
    if fit < 16:
        said.append("%s: %d images of %d px need %.1f GB in %s, %.1f GB free: "
                    "left out" % (e.get("name", "pyramid"), images, side,
                                  need / 1e9, where, free / 1e9))
        continue
    s["images"] = fit
    keep.append(e)
    said.append("%s: %d images of %d px need %.1f GB in %s, %.1f GB free: "
                "%d images instead" % (e.get("name", "pyramid"), images, side,
                                       need / 1e9, where, free / 1e9, fit))
if said:
    m["experiments"] = keep
    with open(out, "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    print("disk too small for the pyramid: " + "; ".join(said))
