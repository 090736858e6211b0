#!/usr/bin/env bash
# Charts from hostile or extreme reports (issue 10, item 12): a timeline of
# thousands of workers renders (a real, non-empty PNG), and a runner or
# workload name holding "/" or a line break neither escapes --out nor
# splits the chart data.
. "$(dirname "$0")/lib.sh"

if ! command -v gnuplot >/dev/null; then
    skip "hostile charts" "gnuplot is not installed"
    exit 0
fi
"$PB" run --quiet --repeat 2 --warmup 0 --workload spin --duration 1ms --tasks 8 \
    --runner pthreads --workers 2 --output "$TMPD/base.json"

python3 - "$TMPD" <<'PY'
import copy, json, sys
d = sys.argv[1]
base = json.load(open(d + "/base.json"))
# 3000 workers, one task each.
big = copy.deepcopy(base)
run = big["runs"][0]
run["workers"] = 3000
run["tasks"] = 3000
for rep in run["repetitions"]:
    rep["tasks"] = [{"id": i, "worker": i, "start_s": 0.001 * (i % 7),
                     "end_s": 0.001 * (i % 7) + 0.002} for i in range(3000)]
json.dump(big, open(d + "/big.json", "w"))
# Names that try to leave the directory or break lines.
evil = copy.deepcopy(base)
r2 = copy.deepcopy(evil["runs"][0])
r2["workers"] = 1
for r in (evil["runs"][0], r2):
    r["workload"] = "../../escape\nname"
    r["runner"] = "pth\nreads/../x"
evil["runs"].append(r2)
json.dump(evil, open(d + "/evil.json", "w"))
PY

mkdir -p "$TMPD/big"
ok "timeline of 3000 workers: plot exits 0" "$PB" plot "$TMPD/big.json" --out "$TMPD/big"
png=$(ls "$TMPD"/big/timeline_*.png 2>/dev/null | head -1)
eq "timeline of 3000 workers: a PNG was written" True "$([ -n "$png" ] && echo True || echo False)"
eq "timeline of 3000 workers: not empty, a real PNG" True \
   "$(python3 -c "
import sys
b = open('$png', 'rb').read() if '$png' else b''
print(len(b) > 1000 and b[:8] == b'\x89PNG\r\n\x1a\n')")"

mkdir -p "$TMPD/deep/out"
"$PB" plot "$TMPD/evil.json" --out "$TMPD/deep/out" >/dev/null 2>&1
eq "hostile names: nothing written outside --out" "" \
   "$(find "$TMPD/deep" "$TMPD" -maxdepth 2 -newer "$TMPD/evil.json" ! -path "$TMPD/deep/out*" \
        ! -path "$TMPD/deep" -name '*escape*' 2>/dev/null)"
eq "hostile names: every file name inside --out is one plain name" True \
   "$(python3 -c "
import os
names = os.listdir('$TMPD/deep/out')
print(bool(names) and all('/' not in n and '\n' not in n and not n.startswith('..') for n in names))")"
eq "hostile names: no data line split by a name" True \
   "$(python3 -c "
import glob
ok = True
for f in glob.glob('$TMPD/deep/out/*.dat'):
    for line in open(f):
        s = line.strip()
        # a data line is numbers (and a quoted label); a name fragment alone is not
        ok &= (not s or s.startswith('#') or s.startswith('\"') or s[0] in '-0123456789.' or s.startswith('NaN'))
print(ok)")"
