#!/usr/bin/env python3
"""tests/fuzz/make_corpus.py: write the fuzz targets' synthetic seed inputs.

    python3 tests/fuzz/make_corpus.py [DIR]     (default tests/fuzz/corpus)

Writes DIR/<target>/<name> for report, matrix, urls and parse: valid
examples and the hostile inputs of issue 10 (3200 repetitions a side,
runs that are not objects, values past 95 and 1024 characters, duplicate
keys, a long grid list, 0x10-style numbers, newlines and '/' in names,
deep nesting, empty files, binary garbage, truncated JSON).  The real
reports (real-*.json, from `parbench run` and `parbench metg`) and the
matrices copied from bench/matrices/ are kept as they were, not written
here.  Deterministic: the same files every time.  Keep DIR small (the
whole corpus is under 2 MB): `make test` runs every file.
"""
import json
import os
import random
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def js(o):
    return json.dumps(o, separators=(",", ":"))


# ---- reports ----------------------------------------------------------------

def run(runner="fork", workers=2, reps=3, wall=0.5, **extra):
    r = {"workload": "image", "runner": runner, "workers": workers,
         "tasks": 10, "params": {"size": 1000000, "complexity": 1},
         "limits": {"cpus": 2}, "status": "ok", "error": None,
         "result": {"checksum": "00ff", "value": None},
         "repetitions": [{"wall_s": wall, "user_s": 0.1,
                          "rss_peak_bytes": {"total": 1 << 20}}
                         for _ in range(reps)]}
    r.update(extra)
    return r


def report(runs, **extra):
    d = {"schema": "parbench.report/1",
         "tool": {"name": "parbench", "version": "0"},
         "created": "2024-01-01T00:00:00Z",
         "host": {"hostname": "h", "cpu_model": "c",
                  "limits": {"cpus": 2}, "topology": {"pus": 2}},
         "runs": runs}
    d.update(extra)
    return d


def reports():
    rnd = random.Random(10)
    put("report", "minimal.json", js(report([run()])))
    # 3200 repetitions on each side (two runs of one configuration, as a
    # compare of two such reports sees them); small numbers keep it short.
    big = [run("fork", reps=0), run("pthreads", reps=0)]
    for r in big:
        r["repetitions"] = [{"wall_s": rnd.randint(1, 9) / 1000}
                            for _ in range(3200)]
    put("report", "reps-3200-a-side.json", js(report(big)))
    put("report", "runs-not-objects.json",
        js(report([run(), 1, "run", None, [], True])))
    put("report", "reps-not-objects.json",
        js(report([run(repetitions=[1, {"wall_s": -1}, None])])))
    put("report", "wall-negative.json", js(report([run(wall=-0.0)])))
    # Values around the 96-byte field buffers and well past 1024.
    for n in (95, 96, 97, 1024, 1025, 5000):
        r = run(runner="r" * n)
        r["params"]["urls"] = "http://h/" + "p" * n
        r["params"]["x" * n] = n
        r["limits"]["cpuset"] = "0-1," * (n // 4)
        put("report", "long-%d.json" % n, js(report([r, run()])))
    put("report", "names-newline-slash.json", js(report([
        run(runner="fork\nsingle"), run(runner="a/b/../c"),
        run(workload="image/../../etc", runner="x\r\ny")])))
    put("report", "schema-newline.json",
        js(report([run()], schema="parbench.report/1\nfake")))
    put("report", "schema-other.json", js(report([run()], schema="x" * 300)))
    # Duplicate keys: cJSON keeps both, lookups see the first.
    put("report", "duplicate-keys.json",
        '{"schema":"parbench.report/1","runs":[],"runs":[' + js(run()) +
        '],"runs":7,"host":{"hostname":"a","hostname":1}}')
    put("report", "duplicate-params.json", js(report([run()])).replace(
        '"size":1000000', '"size":1,"size":"2","size":null,"size":[1]'))
    # Numbers JSON cannot hold or holds badly.
    for name, text in (("huge", "1e309"), ("negzero", "-0"),
                       ("u64", "18446744073709551616"), ("tiny", "5e-324"),
                       ("hex", "0x10"), ("nan", "nan"), ("inf", "Infinity")):
        t = js(report([run(), run("single", workers=1)]))
        t = t.replace('"workers":2', '"workers":' + text, 1)
        t = t.replace('"wall_s":0.5', '"wall_s":' + text, 1)
        put("report", "number-%s.json" % name, t)
    # Nesting: cJSON stops at CJSON_NESTING_LIMIT (1000) levels.
    for depth in (900, 999, 1000, 1001, 5000):
        r = run()
        t = js(report([r])).replace('"complexity":1', '"complexity":' +
                                     "[" * depth + "1" + "]" * depth)
        put("report", "nested-%d.json" % depth, t)
    put("report", "nested-objects.json", '{"a":' * 3000 + "1" + "}" * 3000)
    put("report", "empty", "")
    put("report", "blank", " \n\t\r\n")
    put("report", "no-runs.json", js(report([])))
    put("report", "metg-no-runs.json", js(report([], metg=[{"runner": "x"}])))
    put("report", "not-object.json", "[1,2,3]")
    put("report", "bom.json", "\ufeff" + js(report([run()])))
    good = js(report([run(), run("pthreads")]))
    for cut in (1, 17, len(good) // 2, len(good) - 1):
        put("report", "truncated-%d.json" % cut, good[:cut])
    put("report", "trailing-garbage.json", good + "}x")
    put("report", "nul-inside.json", good[:40] + "\0" + good[40:])
    put("report", "binary-garbage", bytes(rnd.randrange(256)
                                          for _ in range(2048)))
    put("report", "strings-escapes.json", js(report([run(
        runner="\\u0000\ud800x\"\\", params={"blur": "\u0000\u001f\u00ff"})])))


# ---- matrices ---------------------------------------------------------------

def matrices():
    m = lambda **k: js(k)
    put("matrix", "grid-top.json", m(
        defaults={"repeat": 1}, grid={"runner": ["single", "fork"],
                                      "workers": [1, 2], "tasks": [10, 30]},
        set={"workload": "prime", "limit": 1000},
        exclude=[{"runner": "single", "workers": 2}]))
    put("matrix", "dup-keys.json",
        '{"grid":{"tasks":[1,2],"tasks":[3],"runner":["single"]},'
        '"set":{"seed":1,"seed":2},"set":{"seed":3},"defaults":{}}')
    put("matrix", "dup-experiments.json",
        '{"experiments":[{"grid":{"tasks":[1]}}],"experiments":[{"grid":'
        '{"tasks":[2]},"name":"a","name":"b"}]}')
    # A long grid list: issue 10 names 200,000 values; 20,000 meet the
    # same refusal (more than MATRIX_MAX_CELLS, 10,000) and keep the corpus
    # (and `make test`) small; 9,000 are expanded, just under the limit.
    put("matrix", "grid-20000.json",
        m(grid={"seed": list(range(20000))}, set={"workload": "spin"}))
    put("matrix", "grid-9000.json",
        m(grid={"seed": list(range(9000))}, set={"workload": "spin"}))
    put("matrix", "grid-2000-dups.json",
        m(grid={"seed": [1] * 2000, "tasks": [2, 2]}))
    # Many keys multiply: every cell is a duplicate (the same "seed" key
    # again and again), so nothing is stored, but each is still built.
    put("matrix", "grid-product.json", '{"grid":{' + ",".join(
        ['"seed":[1,2]'] * 40) + '}}')
    for v in ("0x10", "1e309", "-0", "nan", "inf", "18446744073709551616",
              "1.5.5MB", "  5ms", "5ms ", "1e1", "-5", "+5", ""):
        for key in ("tasks", "size", "latency", "cpus", "seed"):
            pass
        put("matrix", "value-%s.json" % "".join(
            c if c.isalnum() or c == "." else "_" for c in v or "empty"),
            m(grid={"tasks": [v], "size": [v], "latency": [v], "cpus": [v],
                    "seed": [v]}))
    put("matrix", "numbers.json",
        '{"grid":{"tasks":[1e309,-0,1.5,18446744073709551616,1e2],'
        '"workers":[-1,0,2.0000000001]}}')
    for n in (95, 96, 1024, 5000):
        put("matrix", "long-%d.json" % n, m(
            name="e" * n, grid={"urls": ["/tmp/" + "u" * n], "body": ["1KB"]},
            set={"workload": "url"}))
    put("matrix", "names-newline-slash.json", m(experiments=[
        {"name": "a\nb", "grid": {"runner": ["fork\nsingle", "a/b"]}},
        {"name": "../x", "grid": {"workload": ["image/../spin"]}}]))
    put("matrix", "unknown-key-newline.json",
        m(grid={"tasks\nworkers": [1]}, **{"bad\nkey": 1}))
    put("matrix", "exclude-everything.json", m(
        grid={"tasks": [1, 2]}, exclude=[{"tasks": [1, 2]}]))
    put("matrix", "exclude-odd.json", m(
        grid={"tasks": [1, 2]}, exclude=[{"tasks": {"a": 1}}, {"x": 1}]))
    put("matrix", "experiments-mixed.json", m(
        experiments=[{"grid": {"tasks": [1]}}, 5, [], {"grid": {}}]))
    put("matrix", "set-output.json", m(grid={"tasks": [1]},
                                      set={"output": "x.json", "dump": "d"}))
    put("matrix", "too-many-options.json", m(grid={"tasks": [1]}, set={
        k: 1 for k in ["seed", "tasks", "repeat", "warmup"] * 1}) .replace(
        '"seed":1', ",".join(['"seed":1'] * 60)))
    put("matrix", "nested-1001.json", '{"grid":{"tasks":' + "[" * 1001 +
        "1" + "]" * 1001 + "}}")
    put("matrix", "nested-999.json", '{"grid":{"tasks":' + "[" * 998 +
        "1" + "]" * 998 + "}}")
    put("matrix", "empty", "")
    put("matrix", "not-object.json", "[]")
    put("matrix", "truncated.json", '{"grid":{"tasks":[1,2')
    put("matrix", "nul-inside.json", '{"grid":{"tasks":[1]}}\0garbage')
    put("matrix", "binary-garbage", bytes(random.Random(11).randrange(256)
                                          for _ in range(2048)))


# ---- URL lists --------------------------------------------------------------

def urls():
    put("urls", "list.txt", "# reference 002\nhttp://127.0.0.1:8080/a\n\n"
        "  https://example.com/path?q=1#f  \n\t# indented comment\n"
        "http://[::1]:80/x\nHTTP://EXAMPLE.COM\n")
    put("urls", "crlf.txt", "http://a/1\r\nhttp://a/2\r\n\r\n")
    put("urls", "no-final-newline.txt", "http://a/1")
    put("urls", "comments-only.txt", "# a\n\n   \n#b")
    put("urls", "empty", "")
    put("urls", "bad-scheme.txt", "ftp://a/x\n")
    put("urls", "no-scheme.txt", "example.com/x\n")
    put("urls", "nul-inside.txt", "http://a/\0b\n")
    put("urls", "space-inside.txt", "http://a/b c\nhttp://a b/\n")
    put("urls", "control-chars.txt", "http://a/\x01\x7f\nhttp://a/\r/x\n")
    put("urls", "newline-slash.txt", "http://a//../..//b/\n")
    for n in (60, 95, 96, 1024, 8000):
        put("urls", "long-%d.txt" % n, "http://a/" + "p" * n + "\n" +
            "http://" + "h" * n + "/\n")
    put("urls", "many.txt", "".join("http://127.0.0.1:%d/item/%d\n" %
                                    (8000 + i % 100, i) for i in range(2000)))
    put("urls", "userinfo-port.txt", "http://u:p@h:65535/\nhttp://h:65536/\n"
        "http://h:-1/\nhttps://%zz/\nhttp://\nhttp:///x\n")
    put("urls", "unicode.txt", "http://ex\u00e4mple.com/\u00fc\n")
    put("urls", "binary-garbage", bytes(random.Random(12).randrange(256)
                                        for _ in range(1024)))


# ---- command-line values ----------------------------------------------------

def values():
    vals = ["0x10", "1e309", "-0", "nan", "inf", "18446744073709551616",
            "18446744073709551615", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808",
            "-9223372036854775809", "1.5.5MB", "  5ms", "5ms ", "+5", "-5",
            "", ".", "5.", ".5", "100MB", "1.5GiB", "64KiB", "1.5B", "16TiB",
            "8388607TiB", "0.0000000001s", "0.00000000001", "50ms", "1.5s",
            "200us", "10ns", "1000001s", "4096", "1e1", "0-3,6,8-9", "0-1023",
            "1024", "3-1", "0,", ",0", "0--1", "0-3\n", "0-3\n\n", "5,5,5",
            "00000000000000000000001", "1.1234567890", "99999999999999999999",
            "12%", "5 %", "0x1p3", "\u0662", "1\u00a0", "1KB\0tail"]
    for i, v in enumerate(vals):
        put("parse", "v%02d" % i, v)


reports()
matrices()
urls()
values()
