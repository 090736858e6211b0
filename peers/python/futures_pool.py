#!/usr/bin/python3
"""parbench peer: concurrent.futures ThreadPoolExecutor or ProcessPoolExecutor.

    futures_pool.py --executor thread|process     (a peer: see
    peers/PROTOCOL.md; parbench starts it and talks on stdin/stdout)
    futures_pool.py --executor process --version

Tasks go through executor.map, one task at a time (map's default chunksize
for both executors).  Threads share the driver's memory, so the thread
executor only offers the shared transfer: its workers read inputs from the
arena and write outputs into it, as any threaded Python program would.
The process executor uses multiprocessing's default start method.
"""
import argparse
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from parbench_peer import protocol, work


class ExecutorModel:
    workloads = ("image", "prime", "url", "spin")

    def __init__(self, kind):
        self.kind = kind
        self.threads = kind == "thread"
        self.transfers = ("shared",) if self.threads else ("copy", "shared")
        self.ident = "tid" if self.threads else "pid"
        self.executor = None

    def describe(self):
        if self.threads:
            model = "ThreadPoolExecutor"
        else:
            method = multiprocessing.get_start_method()
            model = f"ProcessPoolExecutor ({method})"
        return {"language": "python", "engine": "concurrent.futures",
                "label": protocol.python_label(model),
                "versions": protocol.versions()}

    def start(self, job):
        if self.threads:
            barrier = threading.Barrier(job.workers)
            pool = ThreadPoolExecutor
        else:
            barrier = multiprocessing.Barrier(job.workers)
            pool = ProcessPoolExecutor
        self.executor = pool(job.workers, initializer=work.worker_init,
                             initargs=(job.spec, barrier))
        return list(self.executor.map(work.rendezvous, range(job.workers)))

    def run(self, job):
        tasks, images = zip(*job.arguments())
        return list(self.executor.map(work.execute, tasks, images))

    def close(self, abort=False):
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=abort)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", choices=("thread", "process"),
                        required=True)
    parser.add_argument("--version", action="store_true",
                        help="print the peer's label and versions, and exit")
    args = parser.parse_args()
    model = ExecutorModel(args.executor)
    if args.version:
        protocol.print_version(model)
    else:
        protocol.serve(model)


if __name__ == "__main__":
    main()
