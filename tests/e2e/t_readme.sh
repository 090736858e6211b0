#!/usr/bin/env bash
# The README's table of `parbench run` options is what the option rows
# declare (`parbench run --help --markdown`: the common options, then each
# workload's and runner's own): a row added, changed or removed in the
# code and not in the README, or the other way round, fails here.  The
# table sits between two marker comments in README.md.
. "$(dirname "$0")/lib.sh"

readme="$ROOT/README.md"
begin='<!-- options: parbench run --help --markdown -->'
end='<!-- end of options -->'
eq "README has the option table's markers once each" "1 1" \
   "$(grep -cxF "$begin" "$readme") $(grep -cxF "$end" "$readme")"
sed -n "\\|^$begin\$|,\\|^$end\$|p" "$readme" | sed '1d;$d' >"$TMPD/readme.md"
"$PB" run --help --markdown >"$TMPD/code.md"
if diff -u "$TMPD/code.md" "$TMPD/readme.md" >"$TMPD/diff.txt"; then
    _record PASS "README's option table equals parbench run --help --markdown"
else
    _record FAIL "README's option table equals parbench run --help --markdown" \
        "$(head -c 800 "$TMPD/diff.txt") (regenerate: parbench run --help --markdown)"
fi
ok "markdown: one row per option of run --help" test \
   "$(grep -c '^| `--' "$TMPD/code.md")" = "$("$PB" run --help | grep -cE '^  --')"
