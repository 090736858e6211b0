"""The four parbench workloads as a Python user would write them.

Everything here runs inside a worker (a pool process, a thread, a Dask
worker): `worker_init` once when the worker starts, then `execute` once per
task.  The peers (mp_pool.py, futures_pool.py, dask_peer.py) differ only in
how they hand tasks to workers; the work itself is this module, so every
model runs the same code.

- image: OpenCV and NumPy, in image.py (imported by image runs only).
- prime: plain Python 6k+-1 trial division over the task's [lo, hi).
- url: one GET with urllib, the body hashed with parbench's hash.
- spin: a busy loop of the same multiply-add chain as parbench's spin,
  for the number of iterations the driver calibrated for --duration.
"""
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from .pbhash import MASK, pb_hash64, value_digest

SPIN_MUL = 6364136223846793005
SPIN_ADD = 1442695040888963407


@dataclass(frozen=True)
class Spec:
    """What every worker needs to know about the run: small, so it travels
    to each worker once (pool initializer, Dask client.run)."""
    workload: str
    params: dict
    shared: bool                 # transfer "shared": workers map the arenas
    inputs: str | None = None    # shared memory names of the arenas
    outputs: str | None = None


@dataclass
class TaskResult:
    """One finished task, as it travels back to the peer's driver."""
    id: int
    pid: int
    tid: int
    start: float
    end: float
    status: int = 0
    error: str | None = None
    value: int | None = None
    digest: int | None = None
    nbytes: int = 0
    extra: dict = field(default_factory=dict)
    output: object = None  # image, copy transfer: the output (an array)


# ---------------------------------------------------------------- workloads

def is_prime(n):
    if n < 2:
        return False
    if n < 4:
        return True
    if n % 2 == 0 or n % 3 == 0:
        return False
    d = 5
    while d * d <= n:
        if n % d == 0 or n % (d + 2) == 0:
            return False
        d += 6
    return True


def prime_sum(lo, hi):
    return sum(n for n in range(lo, hi) if is_prime(n))


def spin(iters, x):
    for _ in range(iters):
        x = (x * SPIN_MUL + SPIN_ADD) & MASK
    return x


def calibrate_spin():
    """Iterations of spin() per second here: grow a round until it takes
    10 ms, then keep the fastest of five rounds (as parbench's spin)."""
    n = 1 << 10
    while True:
        t = time.monotonic()
        spin(n, 1)
        if time.monotonic() - t >= 0.01:
            break
        n *= 2
    best = 0.0
    for _ in range(5):
        t = time.monotonic()
        spin(n, 1)
        best = max(best, n / (time.monotonic() - t))
    return best


def fetch(url, timeout, direct):
    """GET url; returns (status, error, body, extra).  status is 0, the
    HTTP status from 400 up, or -1 when no response came."""
    handlers = [urllib.request.ProxyHandler({})] if direct else []
    opener = urllib.request.build_opener(*handlers)
    start = time.monotonic()
    try:
        with opener.open(url, timeout=timeout) as response:
            ttfb = time.monotonic() - start
            body = response.read()
            http_status = response.status
    except urllib.error.HTTPError as e:
        e.close()
        return e.code, f"HTTP {e.code}", b"", {"http_status": e.code}
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return -1, f"{url}: {reason}", b"", {}
    extra = {"http_status": http_status, "ttfb_s": ttfb,
             "latency_s": time.monotonic() - start}
    return 0, None, body, extra


# ----------------------------------------------------------------- workers

_spec = None
_barrier = None


def workload_module(spec):
    """The module with the workload's own start-up and task, for the
    workloads that have one (image), else None."""
    if spec.workload == "image":
        from . import image  # OpenCV: only image runs pay for importing it
        return image
    return None


def worker_init(spec, barrier=None):
    """A worker's start-up: remember the run, then the workload's own."""
    global _spec, _barrier
    _spec, _barrier = spec, barrier
    if module := workload_module(spec):
        module.worker_init(spec)


def worker_ident():
    return os.getpid(), threading.get_native_id()


def rendezvous(_):
    """Start-up check that every worker is up: one call per worker, each
    held at the barrier until all have arrived, so that no worker can take
    two.  Returns the worker's (pid, thread id)."""
    _barrier.wait(timeout=120)
    return worker_ident()


def execute(task, data=None):
    """Run one task in this worker.  data is the task's input when it was
    passed as an argument (transfer copy, or Dask's scattered data); for
    the shared transfer it is read from the input arena, and the output is
    written into the output arena.  Failures are results, never raised."""
    spec = _spec
    pid, tid = worker_ident()
    start = time.monotonic()
    result = TaskResult(task["id"], pid, tid, start, start)
    try:
        run(spec, task, data, result)
    except Exception as e:  # a failed task is reported, not fatal
        result.status = -1
        result.error = " ".join(f"{type(e).__name__}: {e}".split())
    result.end = time.monotonic()
    return result


def run(spec, task, data, result):
    p = spec.params
    if spec.workload == "image":
        workload_module(spec).run(spec, task, data, result)
    elif spec.workload == "prime":
        result.value = prime_sum(task["lo"], task["hi"])
        result.digest = value_digest(result.value)
        result.nbytes = 8
    elif spec.workload == "spin":
        result.value = spin(p["peer_iters"], int(task["x0"], 16))
        result.digest = value_digest(result.value)
        result.nbytes = 8
        result.extra["iters"] = p["peer_iters"]
    elif spec.workload == "url":
        status, error, body, extra = fetch(task["url"], p["timeout_s"],
                                           p.get("direct", False))
        result.status, result.error, result.extra = status, error, extra
        result.nbytes = len(body)
        if status == 0:
            result.value = len(body)
            result.digest = pb_hash64(body)
    else:
        raise ValueError(f"unknown workload {spec.workload!r}")
