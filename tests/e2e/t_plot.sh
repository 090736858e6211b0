#!/usr/bin/env bash
# parbench plot: every chart kind rendered by the real gnuplot from a
# synthetic report (tests/fixtures/make_reports.py); each PNG decoded
# (python3 stdlib: IHDR size, zlib-inflated and unfiltered pixels, not one
# colour), each SVG checked for its title, axes and series; a real report;
# gnuplot missing; bad input.
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
: >"$TMPD/afile"
bad "--out is a file" "$PB" plot "$M" --out "$TMPD/afile"
expect_exit 0 "plot --help" "$PB" plot --help
