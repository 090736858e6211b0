"""The image workload in OpenCV and NumPy, and the shared memory arenas
its data lives in (PROTOCOL.md, "Data").

Imported only by runs of the image workload: importing OpenCV takes about
half a second, which a Python program summing primes would never pay.

The pipeline is GaussianBlur with the kernel size and sigma parbench sends
and reflect-101 borders, a saturating brightness offset, then per-channel
histogram equalisation with cv2.equalizeHist.  OpenCV rounds its blur a
little differently from parbench, so outputs agree with parbench's on
about 98% of bytes within one level, not all of them.
"""
import os
import threading
from multiprocessing import resource_tracker, shared_memory

import cv2
import numpy as np


def blur_brighten_equalise(image, params):
    """The image pipeline on one RGB image; returns a new image."""
    k, sigma = params["kernel_size"], params["sigma"]
    if params["blur"] == "direct":
        g = cv2.getGaussianKernel(k, sigma)
        blurred = cv2.filter2D(image, -1, g @ g.T,
                               borderType=cv2.BORDER_REFLECT_101)
    else:
        blurred = cv2.GaussianBlur(image, (k, k), sigma, sigmaY=sigma,
                                   borderType=cv2.BORDER_REFLECT_101)
    offset = params["brightness"]
    brightened = cv2.add(blurred, (offset, offset, offset, 0))  # saturates
    return cv2.merge([cv2.equalizeHist(c) for c in cv2.split(brightened)])


def worker_init(spec):
    """An image worker's start-up: one thread for OpenCV, as each parbench
    worker runs one task on one CPU (OpenCV's own thread pool would
    oversubscribe the CPUs the workers already fill), and the arenas mapped
    when the transfer is shared."""
    cv2.setNumThreads(1)
    if spec.shared:
        prefault(spec)


# ------------------------------------------------------------------ arenas

_arenas = {}
_arenas_lock = threading.Lock()


def attach(name):
    """The shared memory block parbench created under name, mapped once per
    process.  parbench owns it: Python 3.11's resource tracker would unlink
    it when this process exits, so it is told to forget it (3.13 has
    SharedMemory(track=False) for this)."""
    with _arenas_lock:
        if name not in _arenas:
            shm = shared_memory.SharedMemory(name=name)
            resource_tracker.unregister(shm._name, "shared_memory")
            _arenas[name] = shm
        return _arenas[name]


def view(name, params, offset):
    """The task image at offset in an arena, as a height x width x 3 array."""
    shape = (params["height"], params["width"], 3)
    return np.ndarray(shape, np.uint8, attach(name).buf, offset)


def prefault(spec):
    """Map every page of the arenas now, at the worker's start-up, so the
    first task does not pay for the page faults (parbench's own workers do
    the same)."""
    page = os.sysconf("SC_PAGE_SIZE")
    int(np.frombuffer(attach(spec.inputs).buf, np.uint8)[::page].sum())
    np.frombuffer(attach(spec.outputs).buf, np.uint8)[::page] = 0


def run(spec, task, data, result):
    """One image task: data is its input when it came as an argument; for
    the shared transfer it is read from, and written to, the arenas."""
    if data is None:
        data = view(spec.inputs, spec.params, task["in_off"])
    out = blur_brighten_equalise(data, spec.params)
    if spec.shared:
        view(spec.outputs, spec.params, task["out_off"])[...] = out
    else:
        result.output = out
    result.nbytes = out.nbytes
