"""The peer's side of parbench's peer protocol (peers/PROTOCOL.md).

A peer script builds a model (a pool of some kind: see the Model protocol
below) and calls serve(model).  serve() reads the setup document from
standard input, starts the model's workers, says "ready", then runs every
task once for each "run" line until standard input ends, and says "done".
Everything a line must carry is written here, once, so the peer scripts
hold nothing but how their model hands tasks to its workers.

Standard output belongs to the protocol: serve() keeps it for itself and
points file descriptor 1 at standard error, so a library (or a forked
worker) that prints cannot corrupt the stream parbench reads.
"""
import json
import os
import platform
import sys
import time
import traceback
from typing import Protocol as _Protocol

from . import work

PROTOCOL = "parbench.peer/1"


class PeerError(Exception):
    """A run-level failure: reported as an "error" line, then exit 1."""


class Model(_Protocol):
    """How a peer runs tasks: what mp_pool.py, futures_pool.py and
    dask_peer.py each implement."""
    workloads: tuple    # workloads it runs
    transfers: tuple    # transfer modes it supports
    ident: str          # "pid" or "tid": what tells its workers apart

    def describe(self) -> dict:
        """The "peer" object of the ready line (label, versions)."""

    def start(self, job) -> list:
        """Start job.workers workers, each through
        work.worker_init(job.spec, ...), and return one (pid, tid) per
        worker, in worker order."""

    def run(self, job) -> list:
        """Every task of job once; one work.TaskResult per task."""

    def close(self, abort=False):
        """Stop the workers and wait for them; abort: the run failed, end
        them without waiting for work in flight."""


def python_label(model_text):
    """"python3.11 <model_text>", the report's label for a Python peer."""
    major, minor, _ = platform.python_version_tuple()
    return f"python{major}.{minor} {model_text}"


def versions():
    """Python's version, and those of NumPy and OpenCV once imported."""
    found = {"python": platform.python_version()}
    for name, module in (("numpy", "numpy"), ("opencv", "cv2")):
        if module in sys.modules:
            found[name] = sys.modules[module].__version__
    return found


class Job:
    """The setup document, checked, and what the driver does with it."""

    def __init__(self, doc, model):
        if not isinstance(doc, dict) or doc.get("type") != "setup":
            raise PeerError("the first line is not a setup document")
        if doc.get("protocol") != PROTOCOL:
            raise PeerError(f"protocol {doc.get('protocol')!r} is not "
                            f"{PROTOCOL}")
        self.workload = doc["workload"]
        self.transfer = doc["transfer"]
        self.workers = int(doc["workers"])
        self.tasks = doc["tasks"]
        if self.workload not in model.workloads:
            raise PeerError(f"workload {self.workload!r} is not supported "
                            f"(only {', '.join(model.workloads)})")
        if self.transfer not in model.transfers:
            raise PeerError(f"transfer {self.transfer!r} is not supported "
                            f"(only {', '.join(model.transfers)})")
        if self.workers < 1:
            raise PeerError(f"workers {self.workers} is not positive")
        if [t["id"] for t in self.tasks] != list(range(len(self.tasks))):
            raise PeerError("task ids are not 0, 1, ... in order")
        params = dict(doc["params"])
        self.derived = {}
        if self.workload == "spin":
            params["peer_iters"] = self._spin_iters(params)
            self.derived["spin_iters"] = params["peer_iters"]
        inputs = (doc.get("inputs") or {}).get("shm")
        outputs = (doc.get("outputs") or {}).get("shm")
        if self.workload == "image" and not (inputs and outputs):
            raise PeerError("the image workload needs inputs and outputs "
                            "arenas")
        self.spec = work.Spec(self.workload, params,
                              self.transfer == "shared", inputs, outputs)
        # The workload's modules, imported here as a script imports at its
        # top: forked workers then inherit them instead of each importing.
        work.workload_module(self.spec)
        self.ident = model.ident
        self.numbers = {}  # worker pid or tid -> worker number

    @staticmethod
    def _spin_iters(params):
        """The loop's iterations per task: parbench's count when the user
        pinned it, else --duration worth of this interpreter's loop."""
        if params.get("iters_fixed"):
            return int(params["iters"])
        return max(1, round(params["duration_s"] * work.calibrate_spin()))

    def arguments(self):
        """(task, input image or None) for every task: in copy transfer the
        driver passes each image (a view of the input arena, pickled on its
        way to the worker)."""
        if self.workload == "image" and not self.spec.shared:
            return list(zip(self.tasks, self.inputs()))
        return [(t, None) for t in self.tasks]

    def inputs(self):
        """Every task's input image (views of the input arena), for the
        copy transfer and for a model that places them at start-up (Dask
        scatter)."""
        from . import image
        return [image.view(self.spec.inputs, self.spec.params, t["in_off"])
                for t in self.tasks]

    def worker_number(self, pid, tid):
        """The protocol's worker number (0, 1, ...) of a worker, by its pid
        (processes) or thread id (threads), in the order first seen: the
        workers' start-up order, or later for a worker the pool replaced."""
        key = pid if self.ident == "pid" else tid
        return self.numbers.setdefault(key, len(self.numbers))

    def collect(self, results):
        """Outputs that came back to the driver go into the output arena."""
        for r in results:
            if r.output is not None:
                from . import image
                task = self.tasks[r.id]
                image.view(self.spec.outputs, self.spec.params,
                           task["out_off"])[...] = r.output
                r.output = None


class Channel:
    """The protocol's output stream: JSON lines on the original stdout.

    Forked workers must not hold it: parbench sees the end of the peer's
    output only once every process holding the pipe has let it go, so a
    driver that dies would otherwise look alive as long as its workers do.
    """

    def __init__(self):
        self.out = os.fdopen(os.dup(1), "w", encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        os.register_at_fork(after_in_child=self._release)

    def _release(self):
        """In a forked child: point the descriptor at /dev/null, so the pipe
        is let go and nothing the child may flush can reach parbench."""
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.out.fileno())
        os.close(devnull)

    def send(self, **fields):
        self.out.write(json.dumps(fields, separators=(",", ":")) + "\n")

    def flush(self):
        self.out.flush()


def task_line(rep, result, worker):
    line = {"type": "task", "rep": rep, "id": result.id, "worker": worker,
            "start": result.start, "end": result.end,
            "status": result.status, "error": result.error,
            "bytes": result.nbytes}
    if result.value is not None:
        line["value"] = str(result.value)
    if result.digest is not None:
        line["digest"] = f"{result.digest:016x}"
    line.update(result.extra)
    return line


def serve(model):
    """Run the protocol on stdin/stdout for model; never returns."""
    channel = Channel()
    started = False
    try:
        line = sys.stdin.buffer.readline()
        if not line:
            raise PeerError("standard input ended before the setup document")
        t = time.monotonic()
        job = Job(json.loads(line), model)  # imports, spin calibration
        setup_s = time.monotonic() - t
        t = time.monotonic()
        started = True
        idents = model.start(job)
        pool_s = time.monotonic() - t
        workers = []
        for pid, tid in idents:
            worker = {"worker": job.worker_number(pid, tid), "pid": pid}
            if model.ident == "tid":
                worker["tid"] = tid
            workers.append(worker)
        channel.send(
            type="ready", protocol=PROTOCOL, pid=os.getpid(),
            clock="monotonic", t=time.monotonic(), workers=workers,
            peer=model.describe(), params=job.derived,
            phases={"setup_s": setup_s, "pool_s": pool_s})
        channel.flush()
        for line in sys.stdin.buffer:
            msg = json.loads(line)
            if msg.get("type") != "run":
                raise PeerError(f"unexpected line {line[:80]!r} on stdin")
            rep = msg["rep"]
            t0 = time.monotonic()
            results = model.run(job)
            job.collect(results)
            t1 = time.monotonic()
            for r in sorted(results, key=lambda r: r.id):
                channel.send(**task_line(rep, r,
                                         job.worker_number(r.pid, r.tid)))
            channel.send(type="end", rep=rep, start=t0, end=t1,
                         tasks=len(results))
            channel.flush()
        t = time.monotonic()
        model.close()
        channel.send(type="done", stop_s=time.monotonic() - t)
        channel.flush()
    except Exception as e:
        traceback.print_exc()
        message = str(e) if isinstance(e, PeerError) else \
            f"{type(e).__name__}: {e}"
        try:
            channel.send(type="error", message=message[:1000])
            channel.flush()
        finally:
            if started:
                model.close(abort=True)
        sys.exit(1)
    sys.exit(0)


def print_version(model):
    """The manifest's version command: one line, label then versions (of
    every module a run may use, so the image workload's are imported)."""
    from . import image  # noqa: F401
    d = model.describe()
    found = ", ".join(f"{k} {v}" for k, v in d["versions"].items())
    print(f"{d['label']} ({found})")
