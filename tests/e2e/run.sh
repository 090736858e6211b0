#!/usr/bin/env bash
# tests/e2e/run.sh: run every end-to-end test script, then print the
# summary line CI reads: "N passed, N failed, N skipped".
# `bash tests/e2e/run.sh t_cli` runs only scripts whose name contains t_cli.
# Every report the scripts made (lib.sh's tmpd_cleanup keeps a copy in
# $E2E_REPORTS) is then checked against bench/report/report.schema.json
# and read by export, compare and plot (tests/e2e/validate_reports.py):
# one result line per report.
set -u
cd "$(dirname "$0")/../.."
export E2E_RESULTS E2E_REPORTS
E2E_RESULTS=$(mktemp /tmp/parbench-e2e-results.XXXXXX)
E2E_REPORTS=$(mktemp -d /tmp/parbench-e2e-reports.XXXXXX)
# E2E_SKIP="t_a t_b": scripts left out, each listed as skipped with
# E2E_SKIP_WHY (the sanitizer runs leave out what does not run parbench's
# C code in new ways: Makefile, TEST_SKIP).
for t in tests/e2e/t_*.sh; do
    case $t in *"${1:-}"*) ;; *) continue ;; esac
    case " ${E2E_SKIP:-} " in *" $(basename "$t" .sh) "*)
        echo "SKIP $(basename "$t" .sh): ${E2E_SKIP_WHY:-left out (E2E_SKIP)}" >>"$E2E_RESULTS"
        continue ;;
    esac
    echo "== $t"
    t0=$SECONDS
    timeout 300 bash "$t"
    rc=$?
    echo "== $t: $((SECONDS - t0)) s"
    [ "$rc" -eq 0 ] || echo "FAIL $(basename "$t" .sh): script exited $rc" >>"$E2E_RESULTS"
done
# The Debian package python3-jsonschema (scripts/deps.sh --test) serves
# /usr/bin/python3; a python3 first on PATH may lack it.  With every script
# run, the reports must include those of run, matrix and metg.
py=python3
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null && py=/usr/bin/python3
echo "== reports written by the tests"
if [ "${E2E_VALIDATE:-1}" = 0 ]; then
    echo "SKIP reports: not checked in this run (E2E_VALIDATE=0: ${E2E_SKIP_WHY:-asked})" >>"$E2E_RESULTS"
else
$py tests/e2e/validate_reports.py check "$E2E_REPORTS" "${PB:-build/parbench}" \
    bench/report/report.schema.json "$([ -z "${1:-}" ] && echo run,matrix,metg)" ||
    echo "FAIL reports: the reports the tests wrote do not all pass" >>"$E2E_RESULTS"
fi
rm -rf "$E2E_REPORTS"
pass=$(grep -c '^PASS' "$E2E_RESULTS")
fail=$(grep -c '^FAIL' "$E2E_RESULTS")
skipped=$(grep -c '^SKIP' "$E2E_RESULTS")
if [ "$fail" -gt 0 ]; then
    echo "failures:"; grep '^FAIL' "$E2E_RESULTS" | cut -c1-400
fi
grep '^SKIP' "$E2E_RESULTS" || true
rm -f "$E2E_RESULTS"
echo "e2e: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
