#!/usr/bin/env bash
# parbench export: one row per run or per repetition, as CSV (RFC 4180,
# read back with Python's csv module), TSV and markdown; --output; bad input.
. "$(dirname "$0")/lib.sh"

python3 "$ROOT/tests/fixtures/make_reports.py" "$TMPD" || { _record FAIL "fixtures" "make_reports.py failed"; exit 1; }
B=$TMPD/base.json
# A run error with a comma, quotes and a newline: CSV must quote it.
python3 - "$B" "$TMPD/odd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][1]["status"] = "partial"
d["runs"][1]["error"] = 'task 3: "bad", very\nbad'
json.dump(d, open(sys.argv[2], "w"))
PY

# check.py FILE MODE REPORT: compare an export with the report it came from.
cat >"$TMPD/check.py" <<'PY'
import csv, io, json, statistics, sys
path, mode, report = sys.argv[1:4]
r = json.load(open(report))
raw = open(path, newline="").read()
if mode == "csv":
    assert raw.endswith("\r\n"), "CSV lines end with CRLF"
    rows = list(csv.reader(io.StringIO(raw)))
elif mode == "tsv":
    lines = raw.split("\n")[:-1]
    rows = [l.split("\t") for l in lines]
else:  # markdown
    lines = raw.split("\n")[:-1]
    assert lines[1].startswith("|---"), "markdown separator row"
    rows = [[c.strip() for c in l.strip("|").split(" | ")] for l in [lines[0]] + lines[2:]]
head, body = rows[0], rows[1:]
assert all(len(x) == len(head) for x in body), "every row has every column"
col = {h: i for i, h in enumerate(head)}
reps = "repetition" in col
want = sum(len(u["repetitions"]) for u in r["runs"]) if reps else len(r["runs"])
assert len(body) == want, "%d rows, wanted %d" % (len(body), want)
tol = 1e-5 if mode == "markdown" else 1e-9  # markdown: 6 digits
k = 0
for u in r["runs"]:
    walls = [x["wall_s"] for x in u["repetitions"]]
    for j in range(len(walls) if reps else 1):
        row = body[k]; k += 1
        assert row[col["workload"]] == u["workload"] and row[col["runner"]] == u["runner"]
        assert float(row[col["workers"]]) == u["workers"]
        assert row[col["status"]] == u["status"]
        if reps:
            assert abs(float(row[col["wall_s"]]) - walls[j]) <= tol * walls[j]
            assert int(row[col["repetition"]]) == j
        else:
            got = float(row[col["wall_median_s"]])
            assert abs(got - statistics.median(walls)) <= tol * got, (got, walls)
            assert int(row[col["repetitions"]]) == len(walls)
            if mode == "csv":
                assert row[col["error"]] == (u["error"] or ""), row[col["error"]]
print("ok")
PY

for fmt in csv tsv markdown; do
    "$PB" export "$B" --format "$fmt" >"$TMPD/runs.$fmt"
    eq "$fmt: one row per run, values from the report" ok "$(python3 "$TMPD/check.py" "$TMPD/runs.$fmt" "$fmt" "$B" 2>&1 | tail -1)"
    "$PB" export "$B" --format "$fmt" --repetitions >"$TMPD/reps.$fmt"
    eq "$fmt --repetitions: one row per repetition" ok "$(python3 "$TMPD/check.py" "$TMPD/reps.$fmt" "$fmt" "$B" 2>&1 | tail -1)"
done
"$PB" export "$TMPD/odd.json" >"$TMPD/odd.csv"
eq "csv: RFC 4180 quoting of commas, quotes, newlines" ok "$(python3 "$TMPD/check.py" "$TMPD/odd.csv" csv "$TMPD/odd.json" 2>&1 | tail -1)"
grep -q '"task 3: ""bad"", very' "$TMPD/odd.csv" && _record PASS "csv: quotes doubled" || _record FAIL "csv: quotes doubled" "$(cat "$TMPD/odd.csv")"
"$PB" export "$TMPD/odd.json" --format tsv >"$TMPD/odd.tsv"
eq "tsv: newline in a cell flattened" ok "$(python3 "$TMPD/check.py" "$TMPD/odd.tsv" tsv "$TMPD/odd.json" 2>&1 | tail -1)"
"$PB" export "$TMPD/matrix.json" --format csv >"$TMPD/m.csv"
eq "matrix: every run exported" ok "$(python3 "$TMPD/check.py" "$TMPD/m.csv" csv "$TMPD/matrix.json" 2>&1 | tail -1)"
eq "matrix: limit columns" True "$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(any(x["limit_cpus"]=="2" for x in r) and "latency_s" in r[0])' "$TMPD/m.csv")"
"$PB" export "$B" --output "$TMPD/out.csv" >"$TMPD/stdout"
eq "--output: file written, stdout empty" "ok 0" "$(python3 "$TMPD/check.py" "$TMPD/out.csv" csv "$B" 2>&1 | tail -1) $(wc -c <"$TMPD/stdout")"
expect_exit 0 "export --help" "$PB" export --help

bad() { # name args...
    local name=$1; shift
    local err rc out
    out=$("$PB" export "$@" 2>"$TMPD/err"); rc=$?; err=$(cat "$TMPD/err")
    if [ "$rc" != 2 ]; then _record FAIL "$name" "exit $rc, wanted 2 ($err)"; return; fi
    if [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] || [ "${err#parbench: export: }" = "$err" ]; then
        _record FAIL "$name" "not one 'parbench: export: ...' line: $err"; return; fi
    if [ -n "$out" ]; then _record FAIL "$name" "wrote to stdout"; return; fi
    _record PASS "$name"
}
head -c 500 "$B" >"$TMPD/truncated.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["schema"]="parbench.report/0"; json.dump(d, open(sys.argv[2], "w"))' "$B" "$TMPD/v0.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["runs"]=[]; json.dump(d, open(sys.argv[2], "w"))' "$B" "$TMPD/empty.json"
bad "truncated report" "$TMPD/truncated.json"
bad "another schema version" "$TMPD/v0.json"
bad "report with no runs" "$TMPD/empty.json"
bad "no report" --format csv
bad "two reports" "$B" "$B"
bad "bad format" "$B" --format xlsx
bad "unknown option" "$B" --frob
bad "output in a missing directory" "$B" --output "$TMPD/nope/x.csv"

# scripts/export-table.sh (the benchmark scripts' table of several
# reports): every run once, the header again only where columns change.
out=$(PB=$PB bash "$ROOT/scripts/export-table.sh" "$B" "$TMPD/same.json" "$TMPD/url.json"); rc=$?
eq "export-table: exit 0" 0 "$rc"
eq "export-table: a row per run (4 + 4 + 1)" 9 "$(printf '%s\n' "$out" | grep -c '^| \(image\|prime\|spin\|url\) ')"
eq "export-table: two headers (url's columns differ)" 2 "$(printf '%s\n' "$out" | grep -c '^| workload ')"
expect_exit 1 "export-table: a report export refuses" env PB="$PB" bash "$ROOT/scripts/export-table.sh" "$B" "$TMPD/truncated.json"
