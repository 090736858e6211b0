#!/usr/bin/env bash
# parbench compare on synthetic reports with known differences
# (tests/fixtures/make_reports.py): identical runs, a 2x regression with a
# tight spread, a 3% change inside 5% noise, 3 repetitions, unpaired runs,
# --threshold, --fail-on-regression, --baseline speedups, and bad input.
. "$(dirname "$0")/lib.sh"

python3 "$ROOT/tests/fixtures/make_reports.py" "$TMPD" || { _record FAIL "fixtures" "make_reports.py failed"; exit 1; }
B=$TMPD/base.json

# verdict FILE CONFIG-PREFIX: the verdict of the pair whose label-ish key matches
verdict() {
    python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = sys.argv[2].split()
for p in d["pairs"]:
    c = p["config"]
    key = [c["workload"], c["runner"], "w=%g" % c["workers"]]
    if key[:len(want)] == want:
        print(p["verdict"]); break
else:
    print("missing")
PY
}

"$PB" compare "$B" "$TMPD/same.json" --format json >"$TMPD/same.out"
eq "identical runs: fork not significant" same "$(verdict "$TMPD/same.out" 'image fork w=2')"
eq "identical runs: pthreads not significant" same "$(verdict "$TMPD/same.out" 'image pthreads w=2')"
eq "identical runs: geometric mean 1" True "$(jq_py "$TMPD/same.out" 'abs(r["geomean_ratio"] - 1) < 1e-9')"
expect_exit 0 "identical runs pass --fail-on-regression" "$PB" compare "$B" "$TMPD/same.json" --fail-on-regression

"$PB" compare "$B" "$TMPD/new.json" --format json >"$TMPD/new.out"
eq "2x slower, tight spread: significant regression" slower "$(verdict "$TMPD/new.out" 'image fork w=2')"
eq "2x slower: ratio about 2" True "$(jq_py "$TMPD/new.out" '[1.9 < p["ratio"] < 2.1 and p["ratio_ci95"][0] > 1.9 for p in r["pairs"] if p["config"]["runner"] == "fork"][0]')"
eq "2x slower: exact p-value 2/C(20,10)" True "$(jq_py "$TMPD/new.out" '[abs(p["p_value"] - 2/184756) < 1e-9 for p in r["pairs"] if p["config"]["runner"] == "fork"][0]')"
eq "2x slower: peak RSS change reported" True "$(jq_py "$TMPD/new.out" '[p["rss_total_new_bytes"] > p["rss_total_base_bytes"] for p in r["pairs"] if p["config"]["runner"] == "fork"][0]')"
eq "noisy 3%: not significant" same "$(verdict "$TMPD/new.out" 'image pthreads w=2')"
eq "3 repetitions: too few" too_few "$(verdict "$TMPD/new.out" 'prime single')"
eq "unpaired base run listed" spin "$(jq_py "$TMPD/new.out" 'r["only_base"][0]["workload"]')"
eq "unpaired new run listed" 4 "$(jq_py "$TMPD/new.out" 'r["only_new"][0]["workers"]')"
eq "regressions counted" 1 "$(jq_py "$TMPD/new.out" 'r["regressions"]')"
expect_exit 1 "2x slower fails --fail-on-regression" "$PB" compare "$B" "$TMPD/new.json" --fail-on-regression
expect_exit 0 "without --fail-on-regression exit 0" "$PB" compare "$B" "$TMPD/new.json"
python3 - "$TMPD/new.json" "$TMPD/oom.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][1]["status"] = "oom"  # pthreads: was ok in base
json.dump(d, open(sys.argv[2], "w"))
PY
"$PB" compare "$B" "$TMPD/oom.json" --format json >"$TMPD/oom.out"
eq "a run now failing: not compared" failed "$(verdict "$TMPD/oom.out" 'image pthreads w=2')"
expect_exit 1 "a run now failing fails --fail-on-regression" "$PB" compare "$B" "$TMPD/oom.json" --fail-on-regression --threshold 150%
expect_exit 0 "--threshold 150% tolerates 2x" "$PB" compare "$B" "$TMPD/new.json" --fail-on-regression --threshold 150%
"$PB" compare "$B" "$TMPD/new.json" --threshold=150 --format json >"$TMPD/thr.out"
eq "--threshold: significant but within" within_threshold "$(verdict "$TMPD/thr.out" 'image fork w=2')"

txt=$("$PB" compare "$B" "$TMPD/new.json")
for s in "slower (+" "no significant change" "too few repetitions (3, 3)" "only in base" "only in new" \
         "geometric mean of 3 ratios" "95% CI" "Mann-Whitney"; do
    case $txt in *"$s"*) _record PASS "text output: '$s'" ;; *) _record FAIL "text output: '$s'" "$txt" ;; esac
done
md=$("$PB" compare "$B" "$TMPD/new.json" --format markdown)
case $md in *"| configuration | base | new |"*"|---|"*) _record PASS "markdown table" ;;
    *) _record FAIL "markdown table" "$md" ;; esac
"$PB" compare "$B" "$TMPD/new.json" --output "$TMPD/cmp.txt" >"$TMPD/stdout.txt"
eq "--output writes the file, not stdout" "yes 0" "$(grep -q 'slower' "$TMPD/cmp.txt" && echo yes) $(wc -c <"$TMPD/stdout.txt")"

# Issue 10 item 4: 3200 repetitions a side (over 10^7 pairs), 2x slower.
# The Hodges-Lehmann estimate once refused that many pairs and the pair
# was silently "not compared", which passed the gate.
"$PB" compare "$TMPD/large_base.json" "$TMPD/large_new.json" --format json >"$TMPD/large.out"
eq "3200 repetitions a side: 2x is slower" slower "$(jq_py "$TMPD/large.out" 'r["pairs"][0]["verdict"]')"
eq "3200 repetitions a side: ratio 2 in a tight interval" True "$(jq_py "$TMPD/large.out" '1.98 < r["pairs"][0]["ratio_ci95"][0] <= r["pairs"][0]["ratio"] <= r["pairs"][0]["ratio_ci95"][1] < 2.02')"
expect_exit 1 "3200 repetitions a side: 2x fails --fail-on-regression" "$PB" compare "$TMPD/large_base.json" "$TMPD/large_new.json" --fail-on-regression
# A pair that cannot be compared, whatever the reason, never passes the gate.
python3 - "$B" "$TMPD/zero.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][0]["repetitions"][3]["wall_s"] = 0  # fork: ok, but a time of 0
json.dump(d, open(sys.argv[2], "w"))
PY
"$PB" compare "$B" "$TMPD/zero.json" --format json >"$TMPD/zero.out"
eq "a wall time of 0: not compared, with the reason" "failed a wall time of 0 s" "$(jq_py "$TMPD/zero.out" '[p["verdict"] + " " + p["not_compared_because"] for p in r["pairs"] if p["config"]["runner"] == "fork"][0]')"
expect_exit 1 "a pair not compared fails --fail-on-regression" "$PB" compare "$B" "$TMPD/zero.json" --fail-on-regression
case $("$PB" compare "$B" "$TMPD/zero.json") in *"not compared: a wall time of 0 s"*) _record PASS "text: why not compared" ;;
    *) _record FAIL "text: why not compared" ;; esac

# Issue 10 item 5: parameter values are compared whole.  Two url runs
# whose URL files share a 120-character prefix were once paired (values
# cut at 96 bytes) and reported "faster".
python3 - "$TMPD/url.json" "$TMPD/urlA.json" "$TMPD/urlB.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
prefix = "/data/" + "x" * 120
for path, name, scale in ((sys.argv[2], "a.txt", 1.0), (sys.argv[3], "b.txt", 0.75)):
    d["runs"][0]["params"]["urls"] = prefix + "/" + name
    for rep in d["runs"][0]["repetitions"]:
        rep["wall_s"] *= scale
    json.dump(d, open(path, "w"))
PY
"$PB" compare "$TMPD/urlA.json" "$TMPD/urlB.json" --format json >"$TMPD/urlAB.out"
eq "URL files differing after 120 characters: not paired" "0 1 1" "$(jq_py "$TMPD/urlAB.out" '"%d %d %d" % (len(r["pairs"]), len(r["only_base"]), len(r["only_new"]))')"
eq "unpaired run keeps its whole URL path" True "$(jq_py "$TMPD/urlAB.out" 'r["only_new"][0]["params"]["urls"].endswith("x/b.txt")')"
"$PB" compare "$TMPD/urlA.json" "$TMPD/urlA.json" --format json >"$TMPD/urlAA.out"
eq "the same long URL file: paired" 1 "$(jq_py "$TMPD/urlAA.out" 'len(r["pairs"])')"

# Issue 10 item 6: reports from different hosts or builds.
python3 - "$B" "$TMPD/new.json" "$TMPD/otherhost.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
d["host"]["hostname"] = "elsewhere"
d["host"]["cpu_model"] = "Other CPU 4-core"
d["host"]["limits"]["effective_cpus"] = 4
d["tool"]["commit"] = "0123abc"
json.dump(d, open(sys.argv[3], "w"))
PY
"$PB" compare "$B" "$TMPD/new.json" --format json >"$TMPD/samehost.out"
eq "same host and build: no differences" "[]" "$(jq_py "$TMPD/samehost.out" 'r["host_differences"]')"
"$PB" compare "$B" "$TMPD/otherhost.json" --format json >"$TMPD/otherhost.out" 2>"$TMPD/otherhost.err"
eq "different hosts: every difference in the JSON" "host.hostname host.cpu_model host.limits.effective_cpus tool.commit" \
    "$(jq_py "$TMPD/otherhost.out" '" ".join(d["field"] for d in r["host_differences"])')"
eq "different hosts: both values" True "$(jq_py "$TMPD/otherhost.out" '[(d["base"], d["new"]) for d in r["host_differences"]][2] == (8, 4)')"
case $(cat "$TMPD/otherhost.err") in "parbench: compare: warning: "*host.hostname*tool.commit*) _record PASS "different hosts: one warning line on stderr" ;;
    *) _record FAIL "different hosts: one warning line on stderr" "$(cat "$TMPD/otherhost.err")" ;; esac
txt=$("$PB" compare "$B" "$TMPD/otherhost.json" 2>/dev/null)
case $txt in *"different hosts or builds"*"host.cpu_model: Synthetic CPU 8-core -> Other CPU 4-core"*) _record PASS "different hosts: listed in the text" ;;
    *) _record FAIL "different hosts: listed in the text" "$txt" ;; esac
out=$("$PB" compare "$B" "$TMPD/otherhost.json" --fail-on-regression 2>"$TMPD/err"); rc=$?
eq "different hosts: --fail-on-regression refuses (exit 2, one line, nothing written)" "2 1 0" \
    "$rc $(wc -l <"$TMPD/err") ${#out}"
case $(cat "$TMPD/err") in "parbench: compare: "*--allow-different-hosts*) _record PASS "refusal names --allow-different-hosts" ;;
    *) _record FAIL "refusal names --allow-different-hosts" "$(cat "$TMPD/err")" ;; esac
expect_exit 1 "--allow-different-hosts: the gate judges (2x slower fails)" "$PB" compare "$B" "$TMPD/otherhost.json" --fail-on-regression --allow-different-hosts
"$PB" compare "$TMPD/otherhost.json" --baseline runner=fork --format json >"$TMPD/blhost.out" 2>"$TMPD/blhost.err"
eq "baseline mode: one report, no host differences" "[] 0" "$(jq_py "$TMPD/blhost.out" 'r["host_differences"]') $(wc -c <"$TMPD/blhost.err")"

# One report against a baseline configuration: speedups.
M=$TMPD/matrix.json
"$PB" compare "$M" --baseline runner=single --format json >"$TMPD/bl.out"
eq "--baseline: pthreads 8 workers faster than single" True "$(jq_py "$TMPD/bl.out" '[p["verdict"] == "faster" and 5 < p["speedup"] < 7 and 0.6 < p["efficiency"] < 0.9 for p in r["pairs"] if p["config"]["runner"] == "pthreads" and p["config"]["workers"] == 8 and p["config"]["tasks"] == 10][0]')"
eq "--baseline: baseline rows marked" 4 "$(jq_py "$TMPD/bl.out" 'sum(p["verdict"] == "baseline" for p in r["pairs"])')"
eq "--baseline: limited runs have no baseline" True "$(jq_py "$TMPD/bl.out" 'all(c["limits"]["cpus"] == 2 or c["workload"] == "url" for c in r["no_baseline"])')"
"$PB" compare "$M" --baseline workers=2 --format json >"$TMPD/bl2.out"
eq "--baseline workers=2: fork 8 vs fork 2 faster" True "$(jq_py "$TMPD/bl2.out" '[p["speedup"] > 2.5 for p in r["pairs"] if p["config"]["runner"] == "fork" and p["config"]["workers"] == 8 and p["config"]["tasks"] == 30 and p["config"]["workload"] == "image"][0]')"
txt=$("$PB" compare "$M" --baseline runner=single)
case $txt in *speedup*efficiency*"geometric mean of"*speedups*) _record PASS "--baseline text: speedup table" ;;
    *) _record FAIL "--baseline text: speedup table" "$txt" ;; esac

# Bad input: one line "parbench: compare: ...", exit 2, nothing on stdout.
bad() { # name args...
    local name=$1; shift
    local err rc out
    out=$("$PB" compare "$@" 2>"$TMPD/err"); rc=$?; err=$(cat "$TMPD/err")
    if [ "$rc" != 2 ]; then _record FAIL "$name" "exit $rc, wanted 2 ($err)"; return; fi
    if [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] || [ "${err#parbench: compare: }" = "$err" ]; then
        _record FAIL "$name" "not one 'parbench: compare: ...' line: $err"; return; fi
    if [ -n "$out" ]; then _record FAIL "$name" "wrote to stdout: $out"; return; fi
    _record PASS "$name"
}
head -c 700 "$B" >"$TMPD/truncated.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["schema"]="parbench.report/2"; json.dump(d, open(sys.argv[2], "w"))' "$B" "$TMPD/v2.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["runs"]=[]; json.dump(d, open(sys.argv[2], "w"))' "$B" "$TMPD/empty.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["runs"][1]["runner"]; json.dump(d, open(sys.argv[2], "w"))' "$B" "$TMPD/norunner.json"
echo '[1, 2' >"$TMPD/garbage.json"
bad "truncated report" "$B" "$TMPD/truncated.json"
bad "another schema version" "$TMPD/v2.json" "$B"
bad "report with no runs" "$B" "$TMPD/empty.json"
bad "run without a runner" "$B" "$TMPD/norunner.json"
bad "not JSON" "$B" "$TMPD/garbage.json"
bad "no workload in common" "$B" "$TMPD/url.json"
# Two metg reports: their sweeps paired by label, METG(50%) side by side.
out=$("$PB" compare "$TMPD/metg.json" "$TMPD/metg.json" 2>&1)
eq "metg reports: compared (exit)" 0 $?
case $out in *"METG(50%) base"*"new/base"*"1.00"*"same"*) _record PASS "metg reports: each sweep against itself, ratio 1.00" ;;
    *) _record FAIL "metg reports: each sweep against itself, ratio 1.00" "$out" ;; esac
n=$("$PB" compare "$TMPD/metg.json" "$TMPD/metg.json" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["metg"]), sum(e["ratio"] == 1 for e in d["metg"]))')
want=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["metg"]), sum(e["status"] == "ok" and e["metg50_s"] is not None for e in d["metg"]))' "$TMPD/metg.json")
eq "metg reports: json has every sweep, ratio 1 where a METG was found" "$want" "$n"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["metg"][0]; e["metg50_s"] = e["metg50_s"] * 2; json.dump(d, open(sys.argv[2], "w"))' "$TMPD/metg.json" "$TMPD/metg2.json"
"$PB" compare "$TMPD/metg.json" "$TMPD/metg2.json" --fail-on-regression >/dev/null 2>&1
eq "metg reports: a METG twice as coarse fails --fail-on-regression" 1 $?
bad "a metg report against --baseline" "$TMPD/metg.json" --baseline runner=single
err=$("$PB" compare "$B" "$TMPD/metg.json" 2>&1)
case $err in *"metg.json is a \`parbench metg\` report and"*"is not: nothing to pair"*) _record PASS "metg report against a run report: says why" ;; *) _record FAIL "metg report against a run report: says why" "$err" ;; esac
bad "missing file" "$B" "$TMPD/nope.json"
bad "one report without --baseline" "$B"
bad "three reports" "$B" "$B" "$B"
bad "unknown option" "$B" "$B" --frob
bad "bad format" "$B" "$B" --format csv
bad "bad threshold" "$B" "$B" --threshold lots
bad "negative threshold" "$B" "$B" --threshold -5%
bad "hexadecimal threshold" "$B" "$B" --threshold 0x10
bad "exponent threshold" "$B" "$B" --threshold 1e1%
bad "threshold above 1000%" "$B" "$B" --threshold 1001
bad "--baseline without =" "$M" --baseline single
bad "--baseline value absent" "$M" --baseline runner=gpu
bad "--baseline with two reports" "$B" "$B" --baseline runner=single
err=$("$PB" compare "$B" "$TMPD/truncated.json" 2>&1)
case $err in *truncated*) _record PASS "truncated report: says truncated" ;; *) _record FAIL "truncated report: says truncated" "$err" ;; esac
err=$("$PB" compare "$TMPD/v2.json" "$B" 2>&1)
case $err in *"parbench.report/2"*) _record PASS "schema error names the version" ;; *) _record FAIL "schema error names the version" "$err" ;; esac
expect_exit 0 "compare --help" "$PB" compare --help
