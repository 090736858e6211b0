#!/usr/bin/env bash
# Workloads and runners as plug-ins (issue 11): a throw-away workload
# (tests/e2e/plugin/squares.c) and a throw-away runner
# (tests/e2e/plugin/reverse.c) join a copy of the tree through make's
# documented extension point, EXTRA_WORKLOADS and EXTRA_RUNNERS, with no
# file of the tree changed, and each then shows up everywhere the built-in
# ones do: `parbench list`, `run --help` and its markdown table, matrix
# checks, runs (their options given in any order, checked by their own
# rows and checks), the report's params, and the runner's own role.
. "$(dirname "$0")/lib.sh"

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    skip "plug-in build" "not a git checkout: the tracked files cannot be listed"
    exit 0
fi
src="$TMPD/src"
mkdir -p "$src"
git ls-files -z | xargs -0 cp --parents -t "$src"
git ls-files -z --others --exclude-standard | xargs -0 -r cp --parents -t "$src"
tree_sum() { (cd "$src" && find . -path ./build -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
before=$(tree_sum)
if ! make -C "$src" --no-print-directory -j2 MPI=0 \
        EXTRA_WORKLOADS=tests/e2e/plugin/squares.c \
        EXTRA_RUNNERS=tests/e2e/plugin/reverse.c build/parbench >"$TMPD/build.log" 2>&1; then
    _record FAIL "build with EXTRA_WORKLOADS and EXTRA_RUNNERS" "$(tail -5 "$TMPD/build.log")"
    exit 0
fi
_record PASS "build with EXTRA_WORKLOADS and EXTRA_RUNNERS"
eq "no file of the tree changed" "$before" "$(tree_sum)"
pb="$src/build/parbench"

# ---- list and help ------------------------------------------------------------
"$pb" list >"$TMPD/list.txt"
ok "list: the workload, CPU-bound" grep -qE '^  squares .*\(CPU-bound\)$' "$TMPD/list.txt"
ok "list: the workload's options" grep -A1 -E '^  squares ' "$TMPD/list.txt" | grep -q 'options: --terms --offset$'
ok "list: the runner" grep -qE '^  reverse .*last first' "$TMPD/list.txt"
ok "list: the runner's options" grep -A3 -E '^  reverse ' "$TMPD/list.txt" | grep -q 'options: --reverse-pause$'
ok "list: the runner runs the workload" grep -A1 -E '^  reverse ' "$TMPD/list.txt" | grep -q 'workloads: .*squares'
"$pb" run --help >"$TMPD/help.txt"
ok "run --help: the workload's section" grep -q '^squares workload (--workload squares):$' "$TMPD/help.txt"
ok "run --help: its option with the default" grep -qE '^  --terms N +numbers each task squares and sums \(default 1000\)$' "$TMPD/help.txt"
ok "run --help: the runner's option" grep -qE '^  --reverse-pause TIME +sleep between two tasks \(default 0\)$' "$TMPD/help.txt"
ok "run --help: both listed by name" grep -qE '^workloads: .* squares$' "$TMPD/help.txt"
"$pb" run --help --markdown >"$TMPD/help.md"
ok "markdown table: the workload's rows" grep -qF '| `--offset K` | squares: added to every number before squaring (0) |' "$TMPD/help.md"
ok "markdown table: the runner's rows" grep -qF '| `--reverse-pause TIME` | reverse: sleep between two tasks (0) |' "$TMPD/help.md"
eq "the role is not a command in help" 0 "$("$pb" --help | grep -c reverse)"
eq "the runner's role is reached through the runner table" "reverse-role: x y" "$("$pb" reverse-role x y)"

# ---- runs ----------------------------------------------------------------------
R=(run --quiet --repeat 2 --warmup 1 --tasks 4)
# Options before --workload and --runner: checked when given, applied to
# the plug-in chosen later.
ok "run: options before the names" "$pb" "${R[@]}" --terms 50 --offset 3 --reverse-pause 1ms \
    --workload squares --runner reverse --output "$TMPD/rev.json"
eq "run: ok" ok "$(jq_py "$TMPD/rev.json" 'r["runs"][0]["status"]')"
eq "run: the workload's report keys" "[50, 3]" "$(jq_py "$TMPD/rev.json" '[r["runs"][0]["params"][k] for k in ("terms", "offset")]')"
eq "run: the runner ran the last task first" True \
   "$(jq_py "$TMPD/rev.json" 'r["runs"][0]["repetitions"][0]["tasks"][3]["start_s"] < r["runs"][0]["repetitions"][0]["tasks"][0]["start_s"]')"
ok "run: the same on the single runner" "$pb" "${R[@]}" --workload squares --terms 50 --offset 3 --output "$TMPD/one.json"
eq "run: same checksum on either runner" "$(jq_py "$TMPD/one.json" 'r["runs"][0]["result"]["checksum"]')" \
   "$(jq_py "$TMPD/rev.json" 'r["runs"][0]["result"]["checksum"]')"
ok "run: a built-in workload on the new runner" "$pb" "${R[@]}" --workload prime --limit 2000 --runner reverse --output "$TMPD/p.json"
ok "run: the new workload on a built-in runner" "$pb" "${R[@]}" --workload squares --runner fork --workers 2 --output "$TMPD/f.json"
expect_exit 2 "run: a bad value, refused by the workload's row" "$pb" run --terms 0 --workload squares
expect_exit 2 "run: values refused together, by the workload's check" "$pb" run --offset -5 --terms 3 --workload squares
expect_exit 2 "run: refused by the runner's own check" "$pb" run --runner reverse --reverse-pause 2s
expect_exit 2 "run: the runner's option with another runner" "$pb" run --reverse-pause 1ms --runner single
eq "run: ... says which runner takes it" "parbench: run: --reverse-pause works with the reverse runner only" \
   "$("$pb" run --reverse-pause 1ms --runner single 2>&1)"
expect_exit 2 "run: --bind refused with the runner's reason" "$pb" run --runner reverse --bind core
expect_exit 2 "run: --dump refused for the workload (it has no dump op)" "$pb" run --workload squares --dump "$TMPD/d"

# ---- matrices -----------------------------------------------------------------
cat >"$TMPD/m.json" <<'JSON'
{"defaults": {"repeat": 1, "warmup": 0, "tasks": 3},
 "experiments": [
   {"name": "reverse", "set": {"terms": 20, "reverse-pause": "1ms", "workload": "squares", "runner": "reverse"},
    "grid": {"offset": [0, 2]}},
   {"name": "both", "set": {"workload": "squares"},
    "grid": {"runner": ["single", "reverse"], "terms": [10, 30]}}]}
JSON
"$pb" matrix "$TMPD/m.json" --dry-run >"$TMPD/dry.txt" 2>&1
eq "matrix --dry-run (the check of every cell): exit 0" 0 "$?"
ok "matrix --dry-run: every cell listed" grep -q '^6 cells' "$TMPD/dry.txt"
ok "matrix: runs" "$pb" matrix "$TMPD/m.json" --quiet --output "$TMPD/mr.json"
eq "matrix: every cell ok" "['ok']" "$(jq_py "$TMPD/mr.json" 'sorted(set(x["status"] for x in r["runs"]))')"
printf '{"grid": {"workload": ["squares"], "terms": [10, 0]}}' >"$TMPD/bad.json"
expect_exit 2 "matrix: a bad value of the workload's option" "$pb" matrix "$TMPD/bad.json" --dry-run
printf '{"set": {"runner": "reverse"}, "grid": {"reverse-pause": ["1ms", "2s"]}}' >"$TMPD/bad2.json"
ok "matrix: the runner's check refuses a cell before any runs" sh -c \
   "'$pb' matrix '$TMPD/bad2.json' --output '$TMPD/bad2-out.json' 2>&1 | grep -q 'cell 2 .*at most 1s' && test ! -e '$TMPD/bad2-out.json'"
