#!/usr/bin/env bash
# Writing never destroys what a path names (issue 10, items 1 and 2): a
# device node or FIFO given as --output is written through and survives, a
# symlink is followed (its target replaced, the link kept), a dangling link
# creates its target, and files parbench creates inside a directory (--dump)
# replace links planted there instead of following them.  Device nodes are
# made with mknod in a temporary directory, never under /dev.
. "$(dirname "$0")/lib.sh"

d="$TMPD/out"
mkdir -p "$d"
small=(--workload prime --limit 10000 --repeat 1 --warmup 0 --quiet)
if mknod "$d/fakenull" c 1 3 2>/dev/null; then
    for cmd in run export compare; do
        case $cmd in
        run) args=(run "${small[@]}") ;;
        export) args=(export "$TMPD/r.json" --format csv) ;;
        compare) args=(compare "$TMPD/r.json" "$TMPD/r.json") ;;
        esac
        [ -f "$TMPD/r.json" ] || "$PB" run "${small[@]}" --output "$TMPD/r.json"
        ok "$cmd --output DEVICE: exit 0" "$PB" "${args[@]}" --output "$d/fakenull"
        eq "$cmd --output DEVICE: still a character device" "c" "$(stat -c %F "$d/fakenull" | cut -c1)"
    done
    matrix='{"grid": {"workload": ["prime"], "limit": [10000], "repeat": [1], "warmup": [0]}}'
    printf '%s\n' "$matrix" >"$TMPD/m.json"
    ok "matrix --output DEVICE: exit 0" "$PB" matrix "$TMPD/m.json" --output "$d/fakenull"
    eq "matrix --output DEVICE: still a character device" "c" "$(stat -c %F "$d/fakenull" | cut -c1)"
else
    skip "--output to a device node" "mknod is not permitted here"
fi

mkfifo "$d/fifo"
cat "$d/fifo" >"$TMPD/fromfifo" &
reader=$!
ok "run --output FIFO: exit 0" "$PB" run "${small[@]}" --output "$d/fifo"
wait "$reader"
eq "run --output FIFO: still a FIFO" "fifo" "$(stat -c %F "$d/fifo")"
eq "run --output FIFO: the reader got the report" "parbench.report/1" \
   "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["schema"])' "$TMPD/fromfifo")"

echo keep >"$d/target"
ln -s target "$d/link"
ok "run --output SYMLINK: exit 0" "$PB" run "${small[@]}" --output "$d/link"
eq "run --output SYMLINK: the link stays a link" "target" "$(readlink "$d/link")"
eq "run --output SYMLINK: its target holds the report" "parbench.report/1" \
   "$(jq_py "$d/target" 'r["schema"]')"
ln -s made "$d/dangling"
ok "run --output DANGLING SYMLINK: exit 0" "$PB" run "${small[@]}" --output "$d/dangling"
eq "run --output DANGLING SYMLINK: the link stays, its target is made" "made parbench.report/1" \
   "$(readlink "$d/dangling") $(jq_py "$d/made" 'r["schema"]')"
eq "no temporary file left" "" "$(ls -A "$d" | grep -v -x -e fakenull -e fifo -e target -e link -e dangling -e made)"

# --dump: links planted under every name parbench writes (and the names an
# older version used for its temporary files) are replaced, not followed.
dd="$TMPD/dump"
mkdir -p "$dd"
echo victim >"$TMPD/victim"
for i in 0 1 2; do
    for k in input output; do
        ln -s "$TMPD/victim" "$dd/task$i-$k.ppm"
        ln -s "$TMPD/victim" "$dd/task$i-$k.ppm.tmp"
    done
done
ok "--dump with planted symlinks: exit 0" "$PB" run --workload image --size 30KB --tasks 3 \
    --repeat 1 --warmup 0 --quiet --dump "$dd" --output "$TMPD/dump.json"
eq "--dump: the link's target is untouched" "victim" "$(cat "$TMPD/victim")"
eq "--dump: the planted links were replaced by images" "P6 P6 P6 P6 P6 P6" \
   "$(for i in 0 1 2; do for k in input output; do [ -L "$dd/task$i-$k.ppm" ] && echo LINK || head -c 2 "$dd/task$i-$k.ppm"; echo; done; done | tr '\n' ' ' | sed 's/ $//')"

# A name longer than the file system allows is refused before running.
long=$(printf 'x%.0s' $(seq 300))
expect_exit 2 "--output with a too-long file name" "$PB" run "${small[@]}" --output "$TMPD/$long"
