#!/usr/bin/python3
"""peers/drive.py: plays parbench's side of the peer protocol, to test a
peer without parbench (peers/PROTOCOL.md).

    drive.py MANIFEST.peer [OPTIONS]       a peer from its manifest
    drive.py [OPTIONS] --exec CMD ARGS...  any program (--exec comes last)
    drive.py --field MANIFEST KEY          print a manifest field (lists
                                           space-separated), for scripts
    drive.py --version-of MANIFEST         run its version command: exit 0
                                           when the peer is usable

It builds the setup document as parbench would (the same task split,
parameters and arenas), starts the peer without a shell in its own session,
checks every line it prints against the protocol, checks its results
against parbench's own, prints start-up and run times, and makes sure no
process of the peer is left.  Exit status: 0 every check passed, 1 the peer
failed or a check did not pass (the reason on standard error, with the
peer's last lines of standard error), 2 bad usage.

Where the expected results come from (build/parbench, --parbench PATH):
  prime  parbench's checksum and value of the same run: the fold of the
         digests of the peer's values must equal it, task by task.
  url    a `parbench serve` started here; parbench fetches the same URLs
         (--urls), and the fold of the peer's body digests must equal its
         checksum.
  image  `parbench run --dump` writes the first three tasks' inputs and
         outputs; task i gets input i mod 3 and must agree with output
         i mod 3 on --agree (0.97) of its bytes within one level.
  spin   each value is recomputed from x0 and the peer's iteration count
         (the loop's affine steps composed by squaring).
"""
import argparse
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "python"))
from drive_work import PROTOCOL, Failed, Work  # noqa: E402

ROOT = HERE.parent
UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9,
         "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
TIMES = {"s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def size(text):
    m = re.fullmatch(r"(\d+)\s*([A-Za-z]*)", text)
    if not m or m.group(2).upper() not in UNITS:
        raise argparse.ArgumentTypeError(f"bad size {text!r}")
    return int(m.group(1)) * UNITS[m.group(2).upper()]


def duration(text):
    m = re.fullmatch(r"([\d.]+)\s*(s|ms|us|ns)?", text)
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {text!r}")
    return float(m.group(1)) * TIMES[m.group(2) or "s"]


def read_manifest(path):
    lines = [ln for ln in Path(path).read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) != 1:
        raise SystemExit(f"drive.py: {path}: expected one JSON line, "
                         f"found {len(lines)}")
    return json.loads(lines[0])


# ------------------------------------------------------------ the protocol

NUM, INT, STR = (int, float), int, str
OPTIONAL = {"value": STR, "digest": STR, "http_status": INT,
            "latency_s": NUM, "ttfb_s": NUM, "iters": INT}
REQUIRED = {
    "ready": {"protocol": STR, "pid": INT, "clock": STR, "workers": list,
              "peer": dict},
    "task": {"rep": INT, "id": INT, "worker": INT, "start": NUM, "end": NUM,
             "status": INT, "bytes": INT},
    "end": {"rep": INT, "start": NUM, "end": NUM, "tasks": INT},
    "done": {"stop_s": NUM},
    "error": {"message": STR},
}


def check_fields(msg, fields, where):
    for key, kind in fields.items():
        value = msg.get(key)
        if value is None or isinstance(value, bool) or \
                not isinstance(value, kind):
            raise Failed(f"{where}: field {key!r} missing or not "
                         f"{getattr(kind, '__name__', 'a number')}")


def parse_line(raw, where):
    try:
        msg = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Failed(f"{where}: not JSON ({e}): {raw[:80]!r}")
    if not isinstance(msg, dict) or msg.get("type") not in REQUIRED:
        raise Failed(f"{where}: not a protocol line: {raw[:80]!r}")
    check_fields(msg, REQUIRED[msg["type"]], where)
    if msg["type"] == "task":
        check_fields({k: v for k, v in msg.items() if k in OPTIONAL},
                     {k: t for k, t in OPTIONAL.items() if k in msg}, where)
        if "error" not in msg or not isinstance(msg["error"], (str,
                                                               type(None))):
            raise Failed(f"{where}: field 'error' missing or not a string "
                         "or null")
        if "value" in msg and not re.fullmatch(r"-?\d+", msg["value"]):
            raise Failed(f"{where}: value {msg['value']!r} is not a decimal "
                         "integer")
        if "digest" in msg and not re.fullmatch(r"[0-9a-f]{16}",
                                                msg["digest"]):
            raise Failed(f"{where}: digest {msg['digest']!r} is not 16 hex "
                         "digits")
    return msg


class Peer:
    """One peer process: its pipes, its lines, its end."""

    def __init__(self, argv, cwd, stderr_path):
        self.stderr_path = stderr_path
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(stderr_path, "ab"), start_new_session=True)
        self.pgid = self.proc.pid
        self.buffer = b""
        self.lines = 0
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def send(self, msg):
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
        self.proc.stdin.flush()

    def close_stdin(self):
        self.proc.stdin.close()

    def read(self, deadline, what):
        """The next line as a checked message; an "error" line or the end
        of its output is a failure that says why."""
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failed(f"no {what} within the time limit (hung?)")
            if not self.selector.select(left):
                continue
            chunk = self.proc.stdout.read(65536)
            if not chunk:
                raise Failed(f"output ended before {what}: "
                             f"{self.exit_text(deadline)}")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\n", 1)
        self.lines += 1
        msg = parse_line(raw, f"line {self.lines}")
        if msg["type"] == "error":
            raise Failed(f"peer reported: {msg['message']}")
        return msg

    def exit_text(self, deadline):
        try:
            rc = self.proc.wait(max(0.1, min(5, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            return "still running"
        if rc < 0:
            return f"killed by signal {signal.Signals(-rc).name}"
        return f"exit status {rc}"

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failed("did not exit after its done line")

    def leftovers(self):
        """Processes still in the peer's session (its process group)."""
        left = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                fields = stat[stat.rindex(")") + 2:].split()
                if int(fields[3]) == self.pgid and fields[0] != "Z":
                    left.append(int(entry.name))
        return left

    def kill(self):
        """SIGKILL to the whole session, as parbench ends a failed peer;
        returns the processes still there a second later (none, or a
        peer that left its session)."""
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        for _ in range(20):
            left = self.leftovers()
            if not left:
                break
            time.sleep(0.05)
        return left

    def stderr_tail(self, n=8):
        try:
            lines = Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(lines.splitlines()[-n:])


def check_time(t, lo, hi, what):
    if not lo <= t <= hi:
        raise Failed(f"{what} {t:.6f} is outside [{lo:.6f}, {hi:.6f}]: not "
                     "CLOCK_MONOTONIC?")


def run_once(peer, work, rep, ready, n_workers, limit):
    """Send one run line, read its task lines and end line, check them."""
    work.clear_outputs()
    sent = time.monotonic()
    peer.send({"type": "run", "rep": rep})
    tasks = {}
    while True:
        msg = peer.read(sent + limit, f"end line of run {rep}")
        if msg["rep"] != rep:
            raise Failed(f"line {peer.lines}: rep {msg['rep']}, expected "
                         f"{rep}")
        if msg["type"] == "end":
            break
        if msg["type"] != "task":
            raise Failed(f"line {peer.lines}: {msg['type']} inside a run")
        if msg["id"] in tasks or not 0 <= msg["id"] < len(work.tasks):
            raise Failed(f"line {peer.lines}: task id {msg['id']} repeated "
                         "or out of range")
        if not 0 <= msg["worker"] < n_workers:
            raise Failed(f"line {peer.lines}: worker {msg['worker']} out of "
                         f"range for {n_workers} workers")
        if msg["start"] > msg["end"]:
            raise Failed(f"line {peer.lines}: task ends before it starts")
        tasks[msg["id"]] = msg
    received = time.monotonic()
    if msg["tasks"] != len(work.tasks) or len(tasks) != len(work.tasks):
        raise Failed(f"run {rep}: {len(tasks)} task lines, end line says "
                     f"{msg['tasks']}, expected {len(work.tasks)}")
    base = sent if ready["clock"] == "relative" else 0.0
    start, end = base + msg["start"], base + msg["end"]
    check_time(start, sent, received, "run start")
    check_time(end, start, received, "run end")
    for t in tasks.values():
        check_time(base + t["start"], start, end, f"task {t['id']} start")
        check_time(base + t["end"], start, end, f"task {t['id']} end")
    ordered = [tasks[i] for i in range(len(work.tasks))]
    return end - start, received - sent, work.check(ordered), ordered


def drive(args, argv, cwd, work, scratch):
    """The whole conversation with one or more peer processes (one per
    repetition unless --pool persistent); raises Failed."""
    peers_needed = 1 if args.pool == "persistent" else args.repeat
    rep = 0
    for _ in range(peers_needed):
        peer = Peer(argv, cwd, args.peer_stderr or Path(scratch) / "stderr")
        try:
            peer.send(work.document(args.workers))
            ready = peer.read(peer.started + args.startup_timeout,
                              "ready line")
            if ready["type"] != "ready" or ready["protocol"] != PROTOCOL:
                raise Failed(f"first line is {ready['type']}, not ready "
                             f"for {PROTOCOL}")
            now = time.monotonic()
            if ready["clock"] == "monotonic":
                check_fields(ready, {"t": NUM}, "ready")
                check_time(ready["t"], peer.started, now, "ready's t")
            elif ready["clock"] != "relative":
                raise Failed(f"unknown clock {ready['clock']!r}")
            if len(ready["workers"]) != args.workers:
                raise Failed(f"ready lists {len(ready['workers'])} workers, "
                             f"asked for {args.workers}")
            label = ready["peer"].get("label", "?")
            print(f"peer: {label}; start-up {now - peer.started:.3f} s "
                  f"(phases {json.dumps(ready.get('phases', {}))})")
            for _ in range(args.repeat if peers_needed == 1 else 1):
                wall, outside, verdict, tasks = run_once(
                    peer, work, rep, ready, args.workers, args.run_timeout)
                busy = sum(t["end"] - t["start"] for t in tasks)
                print(f"run {rep}: {wall:.4f} s (outside {outside:.4f} s), "
                      f"tasks {busy / len(tasks) * 1e3:.2f} ms on average; "
                      f"{verdict}")
                rep += 1
            peer.close_stdin()
            closing = time.monotonic()
            done = peer.read(closing + args.run_timeout, "done line")
            if done["type"] != "done":
                raise Failed(f"{done['type']} line after the last run, "
                             "expected done")
            rc = peer.wait_exit(args.run_timeout)
            if rc != 0:
                raise Failed(f"exit status {rc} after done")
            print(f"stop: {done['stop_s']:.3f} s (peer), "
                  f"{time.monotonic() - closing:.3f} s to exit")
            time.sleep(0.05)  # let orphans that are going anyway go
            left = peer.leftovers()
            if left:
                raise Failed(f"processes {left} left behind after exit")
        except Failed as e:
            left = peer.kill()
            survived = f"\nprocesses {left} survived SIGKILL" if left else ""
            raise Failed(f"{e}{survived}\n--- the peer's standard error "
                         f"ends with:\n{peer.stderr_tail()}") from None
        peer.kill()


def main():
    parser = argparse.ArgumentParser(
        usage="drive.py [OPTIONS] MANIFEST | [OPTIONS] --exec CMD ARGS... | "
              "--field MANIFEST KEY | --version-of MANIFEST",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("manifest", nargs="?", help="the peer's .peer file")
    add("--exec", nargs=argparse.REMAINDER, dest="command",
        help="run this program instead of a manifest's (last option)")
    add("--field", nargs=2, metavar=("MANIFEST", "KEY"),
        help="print a manifest's field and exit")
    add("--version-of", metavar="MANIFEST",
        help="run the manifest's version command: its line, and exit 0 "
             "when the peer is usable")
    # parbench's own names and meanings (parbench run --help)
    add("--workload", choices=("image", "prime", "url", "spin"),
        default="prime", help="the work (prime)")
    add("--workers", type=int, default=2, help="workers (2)")
    add("--tasks", type=int, default=10, help="tasks (10)")
    add("--transfer", help="copy|shared (the manifest's default)")
    add("--repeat", type=int, default=2, help="runs (2)")
    add("--pool", choices=("persistent", "per-repetition"),
        default="persistent",
        help="one peer for all runs, or one per run (persistent)")
    add("--seed", type=int, default=42, help="input seed (42)")
    add("--size", type=size, default=size("3MB"),
        help="image: total RGB bytes (3MB)")
    add("--complexity", type=int, default=1,
        help="image: kernel 5*C, +1 when even (1)")
    add("--blur", choices=("separable", "direct"), default="separable",
        help="image: blur mode (separable)")
    add("--brightness", type=int, default=30,
        help="image: brightness offset (30)")
    add("--agree", type=float, default=0.97,
        help="image: least fraction of bytes within one level of "
             "parbench's (0.97)")
    add("--limit", type=int, default=100000,
        help="prime: sum primes below N (100000)")
    add("--duration", type=duration, default=0.01,
        help="spin: time per task (10ms)")
    add("--spin-iters", type=int, default=0,
        help="spin: pin the iterations (parbench's calibrated count)")
    add("--latency", type=duration, default=0.02,
        help="url: the server's delay per response (20ms)")
    add("--body", type=size, default=size("16KiB"),
        help="url: body size (16KiB)")
    add("--timeout", type=duration, default=10.0,
        help="url: per-request timeout (10s)")
    add("--startup-timeout", type=duration, default=120.0,
        help="longest wait for the ready line (120s)")
    add("--run-timeout", type=duration, default=120.0,
        help="longest wait for a run's end line, and the done line (120s)")
    add("--parbench", default=str(ROOT / "build/parbench"),
        help="the parbench binary for the expected results "
             "(build/parbench)")
    add("--peer-stderr", metavar="FILE",
        help="append the peer's standard error to FILE (default: shown "
             "only when it fails)")
    args = parser.parse_args()

    if args.field:
        value = read_manifest(args.field[0]).get(args.field[1], "")
        print(" ".join(value) if isinstance(value, list) else value)
        return 0
    if args.version_of:
        manifest = read_manifest(args.version_of)
        done = subprocess.run(manifest["version"], capture_output=True,
                              text=True,
                              cwd=Path(args.version_of).resolve().parent)
        if done.returncode == 0:
            print(done.stdout.strip().splitlines()[0])
            return 0
        print("\n".join(done.stderr.strip().splitlines()[-3:]))
        return 1
    if args.command is not None:
        argv = args.command[1:] if args.command[:1] == ["--"] \
            else args.command
        cwd, manifest = None, {}
        if not argv:
            parser.error("--exec needs a command")
    elif args.manifest:
        manifest = read_manifest(args.manifest)
        argv, cwd = manifest["command"], Path(args.manifest).resolve().parent
    else:
        parser.error("give a manifest or --exec")
    if args.transfer is None:
        args.transfer = manifest.get("default_transfer", "copy")
    for key, want in (("workloads", args.workload),
                      ("transfers", args.transfer)):
        if manifest and want not in manifest.get(key, ()):
            parser.error(f"{args.manifest} does not list {want} in {key}")

    with tempfile.TemporaryDirectory(prefix="parbench-drive.") as scratch:
        work = Work(args)
        try:
            work.prepare(scratch)
            drive(args, argv, cwd, work, scratch)
        except Failed as e:
            print(f"drive.py: peer failed: {e}", file=sys.stderr)
            return 1
        finally:
            work.close()
    print("drive.py: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
