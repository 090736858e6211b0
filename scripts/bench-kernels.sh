#!/bin/sh
# scripts/bench-kernels.sh: `make bench-kernels`: parbench's image kernels
# and OpenCV's GaussianBlur timed on the same input bytes, side by side.
# OpenCV (python3-opencv, python3-numpy) is a benchmark-only dependency,
# installed through scripts/deps.sh --bench; without it the parbench
# figures are still printed, with the reason OpenCV's are missing.
set -eu
tool=build/tools/bench_kernels
# Debian's interpreter: python3-opencv is installed for it, and a python3
# earlier in PATH (pyenv, a venv) would not see it.
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$tool" --save-input "$tmp/in.rgb"
why=""
if ! sh scripts/deps.sh --bench; then
    why="python3-opencv/python3-numpy not installed (see the message above)"
elif ! "$py" scripts/bench_opencv.py "$tmp/in.rgb" 2048 2048 >"$tmp/cv.txt"; then
    why="scripts/bench_opencv.py failed (see the message above)"
fi
if [ -z "$why" ]; then
    exec "$tool" --opencv "$tmp/cv.txt"
fi
"$tool" --no-opencv "$why"
