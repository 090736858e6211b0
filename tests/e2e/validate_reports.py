#!/usr/bin/env python3
"""tests/e2e/validate_reports.py: every report the test suite makes, checked
against the report's JSON Schema and read back by parbench itself, so the
C writer (bench/report, bench/engine), the C reader (export, compare,
plot) and the schema (bench/report/report.schema.json) cannot drift apart.

    validate_reports.py collect DIR DEST PREFIX
        copy into DEST every report parbench wrote under DIR (a test's
        scratch directory, just before it is removed), named
        PREFIX--<path under DIR, '/' as '__'>.
    validate_reports.py check DEST PARBENCH SCHEMA [EXPECT]
        validate every collected report against SCHEMA, then run
        `parbench export` (per run and per repetition), `parbench compare`
        (the report against itself) and `parbench plot` on each.  Each
        must succeed, except the refusals the commands document: plot of
        a report with nothing to draw ("no successful run to chart"),
        compare of a `parbench metg` report, which has no runs ("has no
        runs to compare").  One line per report,
        also appended to $E2E_RESULTS ("PASS reports: NAME" / "FAIL
        reports: NAME: why"), then what the reports covered, how many
        there were, and how long it took.  EXPECT: comma-separated kinds
        that must be among them (run, matrix, metg), so a collection that
        silently finds nothing fails.  Reports are checked in parallel,
        one process per CPU.
    validate_reports.py schema [--allow-missing=KEY,...] SCHEMA FILE...
        validate FILEs against SCHEMA (fixtures, corpora); exit 1 naming
        the first error of each file that fails.  --allow-missing: a
        required key in the list may be absent (and nothing else).

Which files count as "written by parbench": a regular file whose text is
what cJSON_Print and report_write make of a report, that is it begins
with '{\\n\\t"schema":\\t"parbench.report/' and ends with '}\\n'.  Files a
test writes itself (Python's json.dump, fixtures, hostile inputs, copies
cut short with head -c) never have that shape, so deliberately broken
reports stay out without a list of names.  A whole copy of a report
(cp, cat of a FIFO parbench wrote to) is still parbench's output and is
checked, except a copy of a file checked into the repository (a test
that copies the source tree carries the fuzz corpus's reports along):
those were written by some earlier parbench, or by a fuzzer.

Needs jsonschema (Debian: python3-jsonschema, installed by
`scripts/deps.sh --test`); the schema is draft 7, which every jsonschema
since 3.0 implements.
"""
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time

HEAD = b'{\n\t"schema":\t"parbench.report/'
TAIL = b"}\n"
MAX_BYTES = 256 << 20  # a test's report is far smaller; never copy more


def written_by_parbench(path):
    try:
        if os.path.islink(path) or not os.path.isfile(path):
            return False
        size = os.path.getsize(path)
        if size < len(HEAD) + len(TAIL) or size > MAX_BYTES:
            return False
        with open(path, "rb") as f:
            if f.read(len(HEAD)) != HEAD:
                return False
            f.seek(-len(TAIL), os.SEEK_END)
            return f.read() == TAIL
    except OSError:
        return False


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def checked_in(root):
    """Digests of the repository's files that look like reports."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"],
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return set()
    paths = (os.path.join(root, p.decode()) for p in out.split(b"\0") if p)
    return {digest(p) for p in paths if written_by_parbench(p)}


def collect(src, dest, prefix):
    os.makedirs(dest, exist_ok=True)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    known = None
    n = 0
    for where, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(where, name)
            if not written_by_parbench(path):
                continue
            if known is None:
                known = checked_in(repo)
            if digest(path) in known:
                continue
            rel = os.path.relpath(path, src).replace(os.sep, "__")
            shutil.copyfile(path, os.path.join(dest, "%s--%s" % (prefix, rel)))
            n += 1
    return n


def inline_refs(schema):
    """The schema with each local "$ref" replaced by what it names: the
    same constraints (the schema has no recursion), validated about a
    fifth faster, which counts for reports of 100,000-task runs."""
    defs = schema.get("definitions", {})

    def walk(o, depth=0):
        if depth > 50:
            raise ValueError("schema: $ref nesting too deep (recursive?)")
        if isinstance(o, dict):
            ref = o.get("$ref")
            # Draft 7 ignores a "$ref"'s siblings: annotations such as a
            # description may stand beside it.
            if isinstance(ref, str) and ref.startswith("#/definitions/") \
                    and set(o) <= {"$ref", "description", "$comment", "title"}:
                return walk(defs[ref[len("#/definitions/"):]], depth + 1)
            return {k: walk(v, depth) for k, v in o.items()
                    if k != "definitions"}
        if isinstance(o, list):
            return [walk(v, depth) for v in o]
        return o
    return walk(schema)


def load_validator(schema_path):
    try:
        import jsonschema
    except ImportError:
        sys.exit("validate_reports.py: the jsonschema module is missing "
                 "(Debian: apt-get install python3-jsonschema, or make deps)")
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(inline_refs(schema))


def schema_errors(validator, doc, most=3):
    """The first few errors, each as 'path: message', shortest path first."""
    errs = sorted(validator.iter_errors(doc), key=lambda e: len(e.path))
    out = []
    for e in errs[:most]:
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        msg = e.message if len(e.message) < 200 else e.message[:200] + "..."
        out.append("%s: %s" % (where, msg))
    if len(errs) > most:
        out.append("and %d more" % (len(errs) - most))
    return out


def validate_files(validator, paths, allow_missing=()):
    """1 for each file that is not JSON or fails the schema.  allow_missing:
    keys whose absence alone (a "required" that names only them) is
    forgiven: what a fixture leaves out on purpose."""
    bad = 0
    for p in paths:
        try:
            with open(p) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("FAIL %s: not JSON: %s" % (p, e))
            bad += 1
            continue
        errs = [e for e in validator.iter_errors(doc)
                if not (e.validator == "required" and isinstance(e.instance, dict)
                        and set(e.validator_value) - set(e.instance)
                        <= set(allow_missing))]
        if errs:
            first = errs[0]
            where = "/".join(str(x) for x in first.absolute_path) or "(top)"
            print("FAIL %s: %s: %s (%d error%s)" % (
                p, where, first.message[:300], len(errs),
                "" if len(errs) == 1 else "s"))
            bad += 1
    return bad


def run_pb(args, timeout=300):
    """(exit status, its last line on standard error)."""
    try:
        r = subprocess.run(args, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % timeout
    tail = r.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
    return r.returncode, tail[0] if tail else ""


def chartable(doc):
    """Whether `parbench plot` has something to draw: a run that is ok and
    has repetitions, or a metg entry that is ok and has points.  Without
    one, plot refuses (exit 2, "no successful run to chart"), as
    t_plot.sh checks."""
    runs = doc.get("runs") if isinstance(doc.get("runs"), list) else []
    metg = doc.get("metg") if isinstance(doc.get("metg"), list) else []
    return (any(isinstance(r, dict) and r.get("status") == "ok" and
                r.get("repetitions") for r in runs) or
            any(isinstance(e, dict) and e.get("status", "ok") == "ok" and
                e.get("points") for e in metg))


def check_one(pb, validator, path, scratch):
    """What is wrong with one collected report ([] when nothing)."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except ValueError as e:
        return ["not JSON: %s" % e]
    why = ["schema: " + e for e in schema_errors(validator, doc)]
    out = os.path.join(scratch, "plot-%d" % os.getpid())
    for args in ([pb, "export", path, "--format", "csv"],
                 [pb, "export", path, "--repetitions"]):
        rc, last = run_pb(args)
        if rc != 0:
            why.append("%s exited %s: %s" % (args[1], rc, last))
    rc, last = run_pb([pb, "compare", path, path])
    if rc != 0:
        why.append("compare exited %s: %s" % (rc, last))
    rc, last = run_pb([pb, "plot", path, "--out", out])
    if chartable(doc) and rc != 0:
        why.append("plot exited %s: %s" % (rc, last))
    elif not chartable(doc) and (rc != 2 or
                                 "no successful run to chart" not in last):
        why.append("plot of a report with nothing to chart: exited %s "
                   "(wanted 2, 'no successful run to chart'): %s" % (rc, last))
    shutil.rmtree(out, ignore_errors=True)
    return why


def kinds(doc):
    """What a report shows, for the closing coverage line."""
    k = {"matrix" if "matrix" in doc else "metg" if "metg" in doc else "run"}
    for r in doc.get("runs", []):
        k.update(("status " + str(r.get("status")),
                  "workload " + str(r.get("workload")),
                  "runner " + str(r.get("runner"))))
        if r.get("limits", {}).get("mechanism", "none") != "none":
            k.add("limits")
        if r.get("pool", {}).get("mode") == "persistent":
            k.add("persistent pool")
    for e in doc.get("metg", []):
        k.add("metg status " + str(e.get("status")))
    return k


def record(line):
    print(line)
    res = os.environ.get("E2E_RESULTS")
    if res:
        with open(res, "a") as f:
            f.write(line + "\n")


_worker = {}


def _init(pb, schema_path, scratch):
    _worker.update(pb=pb, validator=load_validator(schema_path),
                   scratch=scratch)


def _check(path):
    w = _worker
    why = check_one(w["pb"], w["validator"], path, w["scratch"])
    try:
        with open(path) as f:
            seen = kinds(json.load(f))
    except ValueError:
        seen = set()
    return path, why, seen


def check(dest, pb, schema_path, expect=""):
    t0 = time.monotonic()
    load_validator(schema_path)  # a broken schema stops here, once
    paths = [os.path.join(dest, n) for n in sorted(os.listdir(dest))] \
        if os.path.isdir(dest) else []
    # Largest first: the few big ones set the pace.
    paths.sort(key=lambda p: -os.path.getsize(p))
    failed, seen = 0, set()
    results = {}
    with tempfile.TemporaryDirectory(prefix="parbench-reports.") as scratch:
        with multiprocessing.Pool(max(1, min(len(paths), os.cpu_count() or 1)),
                                  _init, (pb, schema_path, scratch)) as pool:
            for path, why, k in pool.imap_unordered(_check, paths):
                results[path] = why
                seen |= k
    for path in sorted(results):
        name = os.path.basename(path)
        if results[path]:
            failed += 1
            record("FAIL reports: %s: %s" % (name, " | ".join(results[path])))
        else:
            record("PASS reports: %s" % name)
    for want in filter(None, expect.split(",")):
        if want not in seen:
            failed += 1
            record("FAIL reports: no %s report among them (is the "
                   "collection in tests/e2e/lib.sh working?)" % want)
    print("reports seen: " + ", ".join(sorted(seen)))
    print("reports: %d written by the tests, %d failed the schema or a "
          "command (export, compare, plot), in %.1f s"
          % (len(paths), failed, time.monotonic() - t0))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 4 and argv[0] == "collect":
        collect(argv[1], argv[2], argv[3])
        return 0
    if len(argv) in (4, 5) and argv[0] == "check":
        return check(*argv[1:])
    if len(argv) >= 3 and argv[0] == "schema":
        allow = ()
        if argv[1].startswith("--allow-missing="):
            allow = argv[1].split("=", 1)[1].split(",")
            argv = argv[1:]
        if len(argv) >= 3:
            return 1 if validate_files(load_validator(argv[1]), argv[2:],
                                       allow) else 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
