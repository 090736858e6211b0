#!/usr/bin/env bash
# tests/e2e/run.sh: run every end-to-end test script, then print the
# summary line CI reads: "N passed, N failed, N skipped".
# `bash tests/e2e/run.sh t_cli` runs only scripts whose name contains t_cli.
set -u
cd "$(dirname "$0")/../.."
export E2E_RESULTS
E2E_RESULTS=$(mktemp /tmp/parbench-e2e-results.XXXXXX)
for t in tests/e2e/t_*.sh; do
    case $t in *"${1:-}"*) ;; *) continue ;; esac
    echo "== $t"
    timeout 300 bash "$t" || echo "FAIL $(basename "$t" .sh): script exited $?" >>"$E2E_RESULTS"
done
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
