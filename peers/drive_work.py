"""peers/drive_work.py: drive.py's side of the work: the setup document
as parbench builds it (the same task split, parameters and arenas), and
parbench's own results to check a peer's against (drive.py's docstring
says where each comes from).  Separate from drive.py, which holds the
conversation and the protocol's checks."""
import json
import os
import re
import subprocess
from multiprocessing import shared_memory
from pathlib import Path

from parbench_peer.pbhash import MASK, fold_digests, pb_hash64, value_digest

PROTOCOL = "parbench.peer/1"
SPIN_MUL, SPIN_ADD = 6364136223846793005, 1442695040888963407


class Failed(Exception):
    """The peer broke the protocol or a result is wrong."""


# ------------------------------------------------------ parbench's reference

def parbench(args, *options):
    cmd = [args.parbench, *options, "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"drive.py: {' '.join(cmd)}: {done.stderr.strip()}")
    return done.stdout


def reference_run(args, *options):
    """result of a one-repetition parbench run with the same work."""
    out = parbench(args, "run", "--repeat", "1", "--warmup", "0",
                   "--tasks", str(args.tasks), "--seed", str(args.seed),
                   *options)
    return json.loads(out)["runs"][0]["result"]


def reference_spin_iters(args):
    """parbench's calibrated iterations for --duration on this machine."""
    out = parbench(args, "run", "--workload", "spin", "--tasks", "1",
                   "--repeat", "1", "--warmup", "0", "--duration",
                   f"{args.duration}s")
    return json.loads(out)["runs"][0]["derived"]["spin_iters"]


def read_ppm(path):
    import numpy as np  # image runs only: the others need no NumPy
    data = Path(path).read_bytes()
    magic, dims, depth, pixels = data.split(b"\n", 3)
    width, height = map(int, dims.split())
    return np.frombuffer(pixels, np.uint8).reshape(height, width, 3)


def spin_start(seed, i):
    """Task i's starting state, as kernels/spin.c makes it."""
    return (seed ^ (0x9E3779B97F4A7C15 * (i + 1))) & MASK


def spin_expected(x, iters):
    """x after iters steps of x = x * MUL + ADD (mod 2^64), by composing
    the affine step with itself (square and multiply)."""
    mul, add = 1, 0            # the identity map, accumulated
    step_mul, step_add = SPIN_MUL, SPIN_ADD
    while iters:
        if iters & 1:
            mul = mul * step_mul & MASK
            add = (add * step_mul + step_add) & MASK
        step_mul, step_add = (step_mul * step_mul & MASK,
                              (step_add * step_mul + step_add) & MASK)
        iters >>= 1
    return (x * mul + add) & MASK


# --------------------------------------------------------------- the setup

class Work:
    """The setup document for one configuration, and how to check results."""

    def __init__(self, args):
        self.args = args
        self.arenas = []
        self.inputs = self.outputs = None
        self.server = None
        self.expected = None

    def prepare(self, scratch):
        """Tasks, parameters, arenas and parbench's own results."""
        args = self.args
        w = args.workload
        self.params = {"seed": str(args.seed), "tasks": args.tasks}
        if w == "image":
            self.tasks = self._image(scratch)
        elif w == "prime":
            span = max(args.limit - 2, 0)
            self.params["limit"] = args.limit
            self.tasks = [{"id": i, "lo": 2 + span * i // args.tasks,
                           "hi": 2 + span * (i + 1) // args.tasks}
                          for i in range(args.tasks)]
            self.expected = reference_run(args, "--workload", "prime",
                                          "--limit", str(args.limit))
        elif w == "spin":
            iters = args.spin_iters or reference_spin_iters(args)
            self.params.update(duration_s=args.duration, iters=iters,
                               iters_fixed=bool(args.spin_iters))
            self.tasks = [{"id": i, "x0": f"{spin_start(args.seed, i):016x}"}
                          for i in range(args.tasks)]
        elif w == "url":
            self.tasks = self._url(scratch)

    def _image(self, scratch):
        a = self.args
        pixels = a.size // 3 // a.tasks
        width = int(pixels ** 0.5)
        while width > 1 and width * width > pixels:
            width -= 1
        while (width + 1) ** 2 <= pixels:
            width += 1
        height = pixels // width
        k = 5 * a.complexity + (5 * a.complexity + 1) % 2
        self.params.update(size_bytes=a.size, complexity=a.complexity,
                           kernel_size=k, sigma=0.3 * ((k - 1) / 2 - 1) + 0.8,
                           blur=a.blur, brightness=a.brightness,
                           width=width, height=height)
        dump = Path(scratch) / "dump"
        parbench(a, "run", "--workload", "image", "--repeat", "1",
                 "--warmup", "0", "--tasks", str(a.tasks), "--seed",
                 str(a.seed), "--size", str(a.size), "--complexity",
                 str(a.complexity), "--blur", a.blur, "--brightness",
                 str(a.brightness), "--dump", str(dump), "--output",
                 os.devnull)
        dumped = sorted(dump.glob("task*-input.ppm"))
        pairs = [(read_ppm(p), read_ppm(str(p).replace("input", "output")))
                 for p in dumped]
        nbytes = 3 * width * height
        tag = f"parbench-drive-{os.getpid()}"
        self.inputs = shared_memory.SharedMemory(f"{tag}-in", True,
                                                 nbytes * a.tasks)
        self.outputs = shared_memory.SharedMemory(f"{tag}-out", True,
                                                  nbytes * a.tasks)
        self.arenas = [self.inputs, self.outputs]
        self.expected = []
        tasks = []
        for i in range(a.tasks):
            image, out = pairs[i % len(pairs)]
            self.inputs.buf[i * nbytes:(i + 1) * nbytes] = image.tobytes()
            self.expected.append(out)
            tasks.append({"id": i, "in_off": i * nbytes, "in_len": nbytes,
                          "out_off": i * nbytes, "out_len": nbytes})
        return tasks

    def _url(self, scratch):
        a = self.args
        self.server = subprocess.Popen(
            [a.parbench, "serve", "--port", "0", "--latency",
             f"{a.latency}s", "--body", str(a.body), "--seed", str(a.seed)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.server.stdout.readline()
        m = re.search(r"listening on (\S+)", line)
        if not m:
            self.server.kill()
            raise SystemExit(f"drive.py: parbench serve said {line!r}")
        urls = [f"http://{m.group(1)}/item/{i}" for i in range(a.tasks)]
        url_file = Path(scratch) / "urls"
        url_file.write_text("".join(u + "\n" for u in urls))
        self.params.update(timeout_s=a.timeout, direct=True)
        self.expected = reference_run(a, "--workload", "url", "--urls",
                                      str(url_file))
        return [{"id": i, "url": u} for i, u in enumerate(urls)]

    @staticmethod
    def _arena(shm):
        if shm is None:
            return None
        return {"shm": shm.name, "path": f"/dev/shm/{shm.name}",
                "size": shm.size}

    def document(self, workers):
        return {"type": "setup", "protocol": PROTOCOL,
                "workload": self.args.workload, "workers": workers,
                "transfer": self.args.transfer, "seed": str(self.args.seed),
                "params": self.params, "tasks": self.tasks,
                "inputs": self._arena(self.inputs),
                "outputs": self._arena(self.outputs),
                "task_timeout_s": self.args.run_timeout}

    def clear_outputs(self):
        if self.outputs:
            self.outputs.buf[:] = bytes(self.outputs.size)

    def check(self, tasks):
        """Check one run's results (task lines by id); returns a summary."""
        w = self.args.workload
        failed = [t for t in tasks if t["status"] != 0]
        if failed:
            raise Failed(f"{len(failed)} tasks failed, task {failed[0]['id']}:"
                         f" {failed[0]['error']}")
        needed = {"prime": ["value"], "spin": ["value", "iters"],
                  "url": ["value", "digest"]}.get(w, [])
        for t in tasks:
            for key in needed:
                if key not in t:
                    raise Failed(f"{w} task {t['id']}: no {key}")
        if w == "prime":
            values = [int(t["value"]) for t in tasks]
            got = f"{fold_digests(map(value_digest, values)):016x}"
            if got != self.expected["checksum"]:
                raise Failed(f"prime: checksum {got}, parbench's "
                             f"{self.expected['checksum']}")
            return f"sum {sum(values)} = parbench's, checksum {got}"
        if w == "url":
            got = f"{fold_digests(int(t['digest'], 16) for t in tasks):016x}"
            if got != self.expected["checksum"]:
                raise Failed(f"url: checksum {got}, parbench's "
                             f"{self.expected['checksum']}")
            total = sum(int(t["value"]) for t in tasks)
            if total != self.expected["value"]:
                raise Failed(f"url: {total} bytes, parbench's "
                             f"{self.expected['value']}")
            return f"{total} bytes, checksum {got} = parbench's"
        if w == "spin":
            for t in tasks:
                iters = t.get("iters")
                if not isinstance(iters, int) or iters < 1:
                    raise Failed(f"spin task {t['id']}: no iteration count")
                if int(t["value"]) != spin_expected(
                        int(self.tasks[t["id"]]["x0"], 16), iters):
                    raise Failed(f"spin task {t['id']}: wrong value after "
                                 f"{iters} iterations")
            return f"values right for {tasks[0]['iters']} iterations a task"
        return self._check_images(tasks)

    def _check_images(self, tasks):
        import numpy as np
        worst = 1.0
        for t, expected in zip(tasks, self.expected):
            task = self.tasks[t["id"]]
            got = np.frombuffer(self.outputs.buf, np.uint8, task["out_len"],
                                task["out_off"]).reshape(expected.shape)
            diff = np.abs(got.astype(np.int16) - expected)
            agree = float((diff <= 1).mean())
            worst = min(worst, agree)
            if agree < self.args.agree:
                raise Failed(f"image task {t['id']}: {agree:.2%} of bytes "
                             f"within one level of parbench's (need "
                             f"{self.args.agree:.0%})")
            if "digest" in t and int(t["digest"], 16) != pb_hash64(got):
                raise Failed(f"image task {t['id']}: digest is not that of "
                             "the output arena's bytes")
        return f"every output >= {worst:.2%} within one level of parbench's"

    def close(self):
        for shm in self.arenas:
            shm.close()
            shm.unlink()
        if self.server:
            self.server.terminate()
            self.server.wait()
