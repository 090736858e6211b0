#!/usr/bin/env bash
# parbench plot: every chart kind rendered by the real gnuplot from a
# synthetic report (tests/fixtures/make_reports.py); each PNG decoded
# (python3 stdlib: IHDR size, zlib-inflated and unfiltered pixels, not one
# colour), each SVG checked for its title, axes and series; small
# multiples of a crowded report (panels and series per panel from the
# .dat files); end-to-end times against the report; the METG chart; a
# planted symlink; a real report; gnuplot missing; bad input.
. "$(dirname "$0")/lib.sh"

python3 "$ROOT/tests/fixtures/make_reports.py" "$TMPD" || { _record FAIL "fixtures" "make_reports.py failed"; exit 1; }
M=$TMPD/matrix.json

# pngcheck.py FILE W H: "ok" when FILE is a W x H PNG that is not blank
# (H 0: any height from 400 pixels: small multiples grow with their rows).
cat >"$TMPD/pngcheck.py" <<'PY'
import struct, sys, zlib
path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0], "CRC"
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
assert w == want_w and (h == want_h or (want_h == 0 and h >= 400)), \
    "size %dx%d, wanted %dx%s" % (w, h, want_w, want_h or "(400 or more)")
assert interlace == 0, "not interlaced"
channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
bpp = max(1, channels * depth // 8)
stride = (w * channels * depth + 7) // 8
raw = zlib.decompress(idat)
assert len(raw) == h * (stride + 1), "IDAT length"
prev, rows = bytearray(stride), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
counts = {}
for line in rows:
    for i in range(0, stride - bpp + 1, bpp):
        px = line[i:i + bpp]
        counts[px] = counts.get(px, 0) + 1
total = sum(counts.values())
background = max(counts.values())
assert len(counts) > 2, "only %d colours" % len(counts)
assert total - background > total * 0.01, "%.2f%% of the pixels drawn" % (100 * (total - background) / total)
print("ok")
PY

if [ -n "${GNUPLOT:-}" ] || command -v gnuplot >/dev/null 2>&1; then
    out=$("$PB" plot "$M" --out "$TMPD/png" 2>"$TMPD/plot.err"); rc=$?
    eq "plot png: exit 0" 0 "$rc"
    charts="time_tasks_image:1000:0 speedup_image:1000:0 memory_image:1200:0 timeline_image:1000:600
            speedup_prime:1000:0 timeline_prime:1000:600 workers_prime:1000:0
            speedup_url:1000:0 timeline_url:1000:600 workers_url:1000:0"
    for c in $charts; do
        IFS=: read -r name w h <<<"$c"
        f=$TMPD/png/$name.png
        case $out in *"$f"*) ;; *) _record FAIL "png $name: listed on stdout" "$out"; continue ;; esac
        eq "png $name: ${w} wide, decodes, not blank" ok "$(python3 "$TMPD/pngcheck.py" "$f" "$w" "$h" 2>&1 | tail -1)"
        [ -s "$TMPD/png/$name.dat" ] && _record PASS "png $name: data file kept" || _record FAIL "png $name: data file kept" ""
    done
    eq "plot: says which charts the report cannot show" 1 "$(grep -c 'prime: no time chart' "$TMPD/plot.err")"

    "$PB" plot "$M" --out "$TMPD/svg" --format svg >/dev/null 2>&1
    svg_has() { # name text...: the SVG names each text
        local name=$1 f=$TMPD/svg/$1.svg; shift
        for t in "$@"; do
            if grep -qF -- ">$t<" "$f" 2>/dev/null || grep -qF -- "$t" "$f" 2>/dev/null; then _record PASS "svg $name: '$t'"
            else _record FAIL "svg $name: '$t'" "not in $f"; fi
        done
        grep -q 'width="1[0-5]00" height="[0-9]*"' "$f" && _record PASS "svg $name: fixed size" || _record FAIL "svg $name: fixed size" ""
    }
    svg_has time_tasks_image "image: execution time (timed region) vs number of tasks" "host fixture-host" \
        "tasks (pieces the work is split into)" "execution time (s)" \
        "1 worker" "2 workers" "8 workers" "single" "pthreads" "fork" "fork, cpus=2"
    svg_has speedup_image "speedup and parallel efficiency" "speedup = T(baseline) / T(run)" \
        "efficiency = speedup / workers" "ideal (dashed)" "pthreads, 10 tasks" "fork, 50 tasks"
    svg_has memory_image "peak memory (RSS" "driver process" "largest worker process" \
        "total, all processes (upper bound)" "peak RSS (MiB)" "4 workers" "single" "fork, cpus=2"
    svg_has timeline_image "task timeline: pthreads, 8 workers, 50 tasks" "worker 7:" \
        "task: a bar from its start to its end" "end of the timed region" "time since the start of the timed region (s)"
    svg_has workers_prime "prime: execution time (timed region) vs workers" "workers (log scale)" "8 CPUs" \
        "single" "pthreads" "fork"
    svg_has workers_url "url: execution time (timed region) vs workers" "pthreads"
    svg_has speedup_prime "ideal: min(workers, 8)"

    # A real report from this machine: one run, so only its timeline.
    "$PB" run --quiet --workload image --runner pthreads --workers 2 --tasks 6 --size 600KB \
        --repeat 3 --warmup 0 --output "$TMPD/real.json"
    out=$("$PB" plot "$TMPD/real.json" --out "$TMPD/real" 2>/dev/null)
    eq "real report: timeline drawn" "$TMPD/real/timeline_image.png" "$out"
    eq "real report: timeline decodes" ok "$(python3 "$TMPD/pngcheck.py" "$TMPD/real/timeline_image.png" 1000 600 2>&1 | tail -1)"
    out=$("$PB" plot "$M" --out "$TMPD/one" --run 5 2>/dev/null)
    eq "--run N: only that run's timeline" "$TMPD/one/timeline_image.png" "$out"
    # -o build/parbench: use the binary under test as it is (a sanitizer
    # build must not be relinked without its flags halfway through).
    out=$(make -s -C "$ROOT" -o build/parbench plots REPORT="$TMPD/real.json" PLOTS_DIR="$TMPD/mk" 2>&1)
    [ -s "$TMPD/mk/timeline_image.png" ] && _record PASS "make plots REPORT=..." || _record FAIL "make plots REPORT=..." "$out"
    expect_exit 1 "gnuplot failing: exit 1" env GNUPLOT=/bin/false "$PB" plot "$M" --out "$TMPD/false"

    # Small multiples: a report shaped like `make bench` (CPU limits 1 and 2
    # x tasks 10/30/50 x single/pthreads/fork/mpi x 1 and 2 workers).
    # datcheck.py: the .dat's panel comments and blocks as "panels N, most
    # M, blocks B, labels ..." (labels: each panel's, joined by |).
    cat >"$TMPD/datcheck.py" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
panels = [(m.group(1), int(m.group(2)), int(m.group(3))) for m in
          re.finditer(r'^# panel \d+ "([^"]*)": blocks (\d+) to (\d+)$', text, re.M)]
heads = re.findall(r'^"([^"]*)"', text, re.M)
assert panels and panels[0][1] == 0 and panels[-1][2] == len(heads) - 1, "panels cover the blocks"
for (_, a, b), (_, c, _) in zip(panels, panels[1:]):
    assert c == b + 1, "panels in block order"
for _, a, b in panels:
    assert len(set(heads[a:b + 1])) == b - a + 1, "labels differ within a panel"
print("panels %d, most %d, blocks %d, labels %s" % (len(panels), max(b - a + 1 for _, a, b in panels),
      len(heads), "|".join(",".join(heads[a:b + 1]) for _, a, b in panels)))
PY
    C=$TMPD/crowded.json
    "$PB" plot "$C" --out "$TMPD/crowd" >"$TMPD/crowd.out" 2>&1
    eq "crowded: exit 0" 0 "$?"
    eq "crowded time_tasks: 4 panels (CPU limit x workers), 14 series" \
        "panels 4, most 4, blocks 14, labels single,pthreads,fork,mpi|pthreads,fork,mpi|single,pthreads,fork,mpi|pthreads,fork,mpi" \
        "$(python3 "$TMPD/datcheck.py" "$TMPD/crowd/time_tasks_image.dat" 2>&1)"
    eq "crowded time_tasks: split by CPU limit, then workers" "# panels split by: cpus,workers" \
        "$(grep '^# panels' "$TMPD/crowd/time_tasks_image.dat")"
    eq "crowded time_tasks: panel titles" '"1 CPU, 1 worker" "1 CPU, 2 workers" "2 CPUs, 1 worker" "2 CPUs, 2 workers"' \
        "$(sed -n 's/^# panel [0-9]* \("[^"]*"\).*/\1/p' "$TMPD/crowd/time_tasks_image.dat" | tr '\n' ' ' | sed 's/ $//')"
    eq "crowded speedup: a panel per CPU limit and task count, 3 runners each" \
        "panels 6, most 3, blocks 18" \
        "$(python3 "$TMPD/datcheck.py" "$TMPD/crowd/speedup_image.dat" 2>&1 | sed 's/, labels.*//')"
    eq "crowded memory: 4 panels" "panels 4, most 4, blocks 14" \
        "$(python3 "$TMPD/datcheck.py" "$TMPD/crowd/memory_image.dat" 2>&1 | sed 's/, labels.*//')"
    for d in "$TMPD"/crowd/*.dat "$TMPD"/png/*.dat; do
        case $d in */timeline_*) continue ;; esac
        most=$(python3 "$TMPD/datcheck.py" "$d" 2>&1 | sed -n 's/.*most \([0-9]*\),.*/\1/p')
        [ -n "$most" ] && [ "$most" -le 6 ] && _record PASS "at most 6 series a panel: ${d#$TMPD/}" \
            || _record FAIL "at most 6 series a panel: ${d#$TMPD/}" "most=$most"
    done
    for c in time_tasks_image speedup_image memory_image workers_prime workers_url; do
        eq "crowded png $c: decodes, not blank" ok "$(python3 "$TMPD/pngcheck.py" "$TMPD/crowd/$c.png" \
            "$(python3 -c 'import struct,sys; print(struct.unpack(">I", open(sys.argv[1],"rb").read()[16:20])[0])' "$TMPD/crowd/$c.png")" 0 2>&1 | tail -1)"
    done

    # End-to-end time: dashed beside the timed region where start-up counts.
    # e2echeck.py DAT REPORT WORKLOAD X: for each block, "label:yes|no" (an
    # end-to-end column drawn), checking each drawn value against the
    # report: median(end_to_end_s, else spawn_s + wall_s) + a persistent
    # pool's spawn_s + stop_s.
    cat >"$TMPD/e2echeck.py" <<'PY'
import json, math, re, statistics, sys
dat, rep, wl, xname = sys.argv[1:5]
col = int(sys.argv[5]) if len(sys.argv) > 5 else 5
runs = [r for r in json.load(open(rep))["runs"] if r["workload"] == wl]
text = open(dat).read()
panels = re.findall(r'^# panel \d+ "([^"]*)": blocks (\d+) to (\d+)$', text, re.M)
chunks = [c for c in text.split("\n\n\n") if c.strip()]
chunks = [c[c.index('\n"') + 1:] if c.startswith("#") else c for c in chunks]
out = []
for i, c in enumerate(chunks):
    lines = c.strip().split("\n")
    label = lines[0].split('"')[1]
    title = next(t for t, a, b in panels if int(a) <= i <= int(b))
    cpus = re.search(r"(\d+) CPU", title)
    work = re.search(r"(\d+) worker", title)
    drawn = False
    for ln in lines[1:]:
        v = [float(x) for x in ln.split()]
        if math.isnan(v[col - 1]):
            continue
        drawn = True
        cand = [r for r in runs if r["runner"] == label.split(",")[0] and r[xname] == v[0]
                and (not cpus or r["limits"]["cpus"] == int(cpus.group(1)))
                and (not work or r["workers"] == int(work.group(1)))]
        assert len(cand) == 1, (label, title, v[0], len(cand))
        r = cand[0]
        e = [x.get("end_to_end_s", x["spawn_s"] + x["wall_s"]) for x in r["repetitions"]]
        pool = r.get("pool", {})
        want = statistics.median(e) + (pool["spawn_s"] + pool["stop_s"] if pool.get("mode") == "persistent" else 0)
        scale = v[col - 1] / want
        assert abs(scale - 1e3) < 1e-2 or abs(scale - 1) < 1e-5, (label, v, want)
    out.append("%s:%s" % (label, "yes" if drawn else "no"))
print(" ".join(sorted(set(out))))
PY
    eq "end to end: mpi and fork (persistent pool) dashed, threads not" \
        "fork:yes mpi:yes pthreads:no single:no" \
        "$(python3 "$TMPD/e2echeck.py" "$TMPD/crowd/time_tasks_image.dat" "$C" image tasks 2>&1)"
    eq "end to end: spawn_s + wall_s without end_to_end_s (prime, fork)" \
        "fork:yes pthreads:no single:no" \
        "$(python3 "$TMPD/e2echeck.py" "$TMPD/crowd/workers_prime.dat" "$C" prime workers 2>&1)"
    "$PB" plot "$C" --out "$TMPD/crowdsvg" --format svg >/dev/null 2>&1
    eq "end to end: labelled once in the legend" 1 "$(grep -c 'dashed: end to end, with start-up' "$TMPD/crowdsvg/time_tasks_image.svg")"
    eq "small multiples: each series named once in the legend" 1 "$(grep -c '>mpi<' "$TMPD/crowdsvg/time_tasks_image.svg")"
    "$PB" plot "$C" --out "$TMPD/region" --format svg --time region >/dev/null 2>&1
    eq "--time region: no end-to-end column" "fork:no mpi:no pthreads:no single:no" \
        "$(python3 "$TMPD/e2echeck.py" "$TMPD/region/time_tasks_image.dat" "$C" image tasks 2>&1)"
    eq "--time region: no dashed legend" 0 "$(grep -c 'dashed: end to end' "$TMPD/region/time_tasks_image.svg")"
    "$PB" plot "$C" --out "$TMPD/e2e" --time end-to-end >/dev/null 2>&1
    eq "--time end-to-end: the solid line is the end-to-end time" "fork:yes mpi:yes pthreads:yes single:yes" \
        "$(python3 "$TMPD/e2echeck.py" "$TMPD/e2e/time_tasks_image.dat" "$C" image tasks 2 2>&1)"

    # METG: a `parbench metg` report (no runs), and one with runs as well.
    out=$("$PB" plot "$TMPD/metg.json" --out "$TMPD/metg" 2>"$TMPD/metg.err"); rc=$?
    eq "metg: exit 0" 0 "$rc"
    eq "metg: only the METG chart" "$TMPD/metg/metg_spin.png" "$out"
    eq "metg: PNG decodes, not blank" ok "$(python3 "$TMPD/pngcheck.py" "$TMPD/metg/metg_spin.png" 1000 0 2>&1 | tail -1)"
    eq "metg: failed entry listed on stderr" 1 "$(grep -c 'metg: async, 2 workers: failed: the async runner cannot run spin' "$TMPD/metg.err")"
    eq "metg: a block per drawn entry and the METG points" \
        '"pthreads, 2 workers, transfer=shared, schedule=dynamic: METG 3 µs"|"fork, 2 workers, transfer=shared, schedule=static: METG 12 µs"|"mpi static: METG 8.2 µs"|"single, 1 worker: METG < 488 ns (never below 50%)"|"METG(50%)"' \
        "$(grep -o '^"[^"]*"' "$TMPD/metg/metg_spin.dat" | paste -sd'|')"
    eq "metg: 12 points an entry" "12 12 12 12" \
        "$(python3 -c 'import re,sys; t=open(sys.argv[1]).read(); print(" ".join(str(len(b.strip().split("\n")) - 1) for b in re.findall(r"^\"[^\n]*\n(?:[^\n]+\n?)*", t, re.M) if "METG(50%)\"" not in b.split("\n")[0]))' "$TMPD/metg/metg_spin.dat")"
    eq "metg: METG(50%) points at 50%" "3e-06 50 1|1.2e-05 50 2|8.2e-06 50 3" \
        "$(sed -n '/^"METG(50%)"/,$p' "$TMPD/metg/metg_spin.dat" | tail -n +2 | paste -sd'|')"
    "$PB" plot "$TMPD/metg.json" --out "$TMPD/metgsvg" --format svg >/dev/null 2>&1
    svg_has_any() { local f=$1; shift; for t in "$@"; do
        grep -qF -- "$t" "$f" && _record PASS "svg metg: '$t'" || _record FAIL "svg metg: '$t'" "not in $f"; done; }
    svg_has_any "$TMPD/metgsvg/metg_spin.svg" "parallel efficiency vs task duration" "50% efficiency" \
        "1 µs" "10 µs" "1 ms" "task duration (log scale)" "mpi static: METG 8.2 µs"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["metg"]=json.load(open(sys.argv[2]))["metg"]; json.dump(d, open(sys.argv[3], "w"))' \
        "$M" "$TMPD/metg.json" "$TMPD/both.json"
    out=$("$PB" plot "$TMPD/both.json" --out "$TMPD/both" 2>/dev/null)
    case $out in *time_tasks_image.png*metg_spin.png*) _record PASS "runs and metg: both drawn" ;;
        *) _record FAIL "runs and metg: both drawn" "$out" ;; esac

    # A symlink planted under a chart's name is replaced, not written through.
    mkdir -p "$TMPD/planted"; echo keep >"$TMPD/victim"
    ln -s "$TMPD/victim" "$TMPD/planted/time_tasks_image.png"
    ln -s "$TMPD/victim" "$TMPD/planted/time_tasks_image.dat"
    "$PB" plot "$M" --out "$TMPD/planted" >/dev/null 2>&1
    eq "planted symlink: target untouched" keep "$(cat "$TMPD/victim")"
    [ -f "$TMPD/planted/time_tasks_image.png" ] && [ ! -L "$TMPD/planted/time_tasks_image.png" ] \
        && [ ! -L "$TMPD/planted/time_tasks_image.dat" ] && _record PASS "planted symlink: replaced by the chart" \
        || _record FAIL "planted symlink: replaced by the chart" "$(ls -l "$TMPD/planted")"
    eq "no staging directory left" 0 "$(find "$TMPD/planted" "$TMPD/png" -name '.parbench-plot.*' | wc -l)"
else
    skip "rendering charts" "gnuplot not installed"
fi

bad() { # name args...: exit 2, one "parbench: plot: ..." line
    local name=$1; shift
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" != 2 ]; then _record FAIL "$name" "exit $rc, wanted 2 ($err)"; return; fi
    if [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] || [ "${err#parbench: plot: }" = "$err" ]; then
        _record FAIL "$name" "not one 'parbench: plot: ...' line: $err"; return; fi
    _record PASS "$name"
}
bad "gnuplot absent from PATH" env -u GNUPLOT PATH=/nonexistent "$PB" plot "$M" --out "$TMPD/nog"
[ ! -e "$TMPD/nog" ] && _record PASS "gnuplot absent: nothing written" || _record FAIL "gnuplot absent: nothing written" ""
err=$(env -u GNUPLOT PATH=/nonexistent "$PB" plot "$M" --out "$TMPD/nog" 2>&1)
case $err in *"gnuplot not found"*) _record PASS "gnuplot absent: says so" ;; *) _record FAIL "gnuplot absent: says so" "$err" ;; esac
bad "GNUPLOT not a program" env GNUPLOT="$TMPD/no-such-gnuplot" "$PB" plot "$M" --out "$TMPD/nog"
bad "PARBENCH_PLOTS without templates" env PARBENCH_PLOTS="$TMPD" "$PB" plot "$M" --out "$TMPD/nog"
head -c 900 "$M" >"$TMPD/truncated.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["schema"]="parbench.report/2"; json.dump(d, open(sys.argv[2], "w"))' "$M" "$TMPD/v2.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["runs"]=[]; json.dump(d, open(sys.argv[2], "w"))' "$M" "$TMPD/empty.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [u.update(status="failed") for u in d["runs"]]; json.dump(d, open(sys.argv[2], "w"))' "$M" "$TMPD/failed.json"
bad "truncated report" "$PB" plot "$TMPD/truncated.json" --out "$TMPD/x"
bad "another schema version" "$PB" plot "$TMPD/v2.json" --out "$TMPD/x"
bad "report with no runs" "$PB" plot "$TMPD/empty.json" --out "$TMPD/x"
bad "only failed runs" "$PB" plot "$TMPD/failed.json" --out "$TMPD/x"
bad "no --out" "$PB" plot "$M"
bad "bad format" "$PB" plot "$M" --out "$TMPD/x" --format jpeg
bad "--run out of range" "$PB" plot "$M" --out "$TMPD/x" --run 999
bad "--time unknown" "$PB" plot "$M" --out "$TMPD/x" --time wall
: >"$TMPD/afile"
bad "--out is a file" "$PB" plot "$M" --out "$TMPD/afile"
expect_exit 0 "plot --help" "$PB" plot --help
