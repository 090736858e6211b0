#!/usr/bin/python3
"""parbench peer: multiprocessing.Pool.

    mp_pool.py --start fork|spawn [--chunksize N]     (a peer: see
    peers/PROTOCOL.md; parbench starts it and talks on stdin/stdout)
    mp_pool.py --start fork --version

Tasks go to the pool with pool.starmap, as a Python user would hand a list
of work to a Pool: with no --chunksize, starmap's own choice (about
tasks / (4 x workers) a chunk); --chunksize 1 sends one task at a time.
"""
import argparse
import multiprocessing

from parbench_peer import protocol, work


class PoolModel:
    workloads = ("image", "prime", "url", "spin")
    transfers = ("copy", "shared")
    ident = "pid"

    def __init__(self, start_method, chunksize):
        self.context = multiprocessing.get_context(start_method)
        self.chunksize = chunksize
        self.pool = None

    def describe(self):
        chunks = f"chunksize {self.chunksize}" if self.chunksize \
            else "default chunksize"
        method = self.context.get_start_method()
        return {"language": "python", "engine": "multiprocessing.Pool",
                "label": protocol.python_label(
                    f"multiprocessing {method}, {chunks}"),
                "versions": protocol.versions()}

    def start(self, job):
        barrier = self.context.Barrier(job.workers)
        self.pool = self.context.Pool(job.workers,
                                      initializer=work.worker_init,
                                      initargs=(job.spec, barrier))
        return self.pool.map(work.rendezvous, range(job.workers),
                             chunksize=1)

    def run(self, job):
        return self.pool.starmap(work.execute, job.arguments(),
                                 chunksize=self.chunksize)

    def close(self, abort=False):
        if self.pool is None:
            return
        if abort:
            self.pool.terminate()
        else:
            self.pool.close()
        self.pool.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", choices=("fork", "spawn", "forkserver"),
                        required=True, help="multiprocessing start method")
    parser.add_argument("--chunksize", type=int, default=None,
                        help="tasks per chunk (default: starmap's choice)")
    parser.add_argument("--version", action="store_true",
                        help="print the peer's label and versions, and exit")
    args = parser.parse_args()
    model = PoolModel(args.start, args.chunksize)
    if args.version:
        protocol.print_version(model)
    else:
        protocol.serve(model)


if __name__ == "__main__":
    main()
