#!/usr/bin/python3
"""scripts/bench_opencv.py: OpenCV's GaussianBlur on the input bytes that
scripts/bench_kernels.c saved, for `make bench-kernels`.

    bench_opencv.py FILE WIDTH HEIGHT [REPS]

FILE is raw interleaved 8-bit RGB.  For each kernel size k (5, 11, 21) it
blurs with parbench's sigma rule, BORDER_REFLECT_101, one thread, and prints
"k MB/s" (best of REPS after one warm-up) over the thread's CPU time, the
clock bench_kernels uses, so both sides are measured alike.  Exit status 2
when OpenCV or NumPy cannot be imported (benchmark-only dependencies:
python3-opencv, python3-numpy; scripts/deps.sh --bench installs them).
"""
import sys
import time

try:
    import cv2
    import numpy as np
except ImportError as e:
    print(f"bench_opencv.py: {e}", file=sys.stderr)
    sys.exit(2)


def sigma(k):
    return 0.3 * ((k - 1) / 2 - 1) + 0.8  # DESIGN.md, as parbench


def main():
    path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    img = np.fromfile(path, dtype=np.uint8).reshape(h, w, 3)
    cv2.setNumThreads(1)
    out = np.empty_like(img)
    for k in (5, 11, 21):
        s = sigma(k)
        best = float("inf")
        for i in range(reps + 1):
            t = time.thread_time()
            cv2.GaussianBlur(img, (k, k), s, dst=out, sigmaY=s,
                             borderType=cv2.BORDER_REFLECT_101)
            t = time.thread_time() - t
            if i > 0:  # the first run is the warm-up
                best = min(best, t)
        print(f"{k} {img.nbytes / best / 1e6:.0f}")
    print(f"# OpenCV {cv2.__version__}, threads {cv2.getNumThreads()}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
