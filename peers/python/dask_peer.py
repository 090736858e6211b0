#!/usr/bin/python3
"""parbench peer: Dask distributed on a LocalCluster of single-threaded
worker processes, the distributed engine that stands in for Ray here.

    dask_peer.py          (a peer: see peers/PROTOCOL.md)
    dask_peer.py --version

The cluster has one worker process per parbench worker, each with one
thread (processes=True, threads_per_worker=1), and no dashboard.  Tasks go
through client.map (pure=False: every run computes anew instead of
reusing the results Dask remembers) and come back with client.gather.
Transfer copy passes each input image as a task argument; shared scatters
the images into the workers' memory at start-up, Dask's counterpart of an
object store, and the tasks refer to them.  Outputs come back through
gather either way, and the driver writes them into the output arena.
"""
import argparse
import dataclasses
import os

import dask
import distributed
from distributed import Client, LocalCluster

from parbench_peer import protocol, work


def worker_pid():
    return os.getpid(), 0


class DaskModel:
    workloads = ("image", "prime", "url", "spin")
    transfers = ("copy", "shared")
    ident = "pid"

    def __init__(self):
        self.cluster = self.client = None
        self.scattered = None

    def describe(self):
        return {"language": "python", "engine": "dask.distributed",
                "label": protocol.python_label(
                    f"Dask distributed {distributed.__version__} "
                    "LocalCluster"),
                "versions": {**protocol.versions(), "dask": dask.__version__,
                             "distributed": distributed.__version__}}

    def start(self, job):
        self.cluster = LocalCluster(n_workers=job.workers,
                                    threads_per_worker=1, processes=True,
                                    dashboard_address=None)
        self.client = Client(self.cluster)
        self.client.wait_for_workers(job.workers)
        # Every worker's start-up, now rather than with its first task.
        # Dask workers never touch the arenas: data reaches them as task
        # arguments or scattered, and outputs return through gather.
        spec = dataclasses.replace(job.spec, shared=False)
        self.client.run(work.worker_init, spec)
        if job.workload == "image" and job.transfer == "shared":
            self.scattered = self.client.scatter(job.inputs(), hash=False)
        pids = self.client.run(worker_pid)
        return [pids[address] for address in sorted(pids)]

    def run(self, job):
        tasks, images = zip(*job.arguments())
        if self.scattered is not None:
            images = self.scattered
        futures = self.client.map(work.execute, tasks, images, pure=False)
        return self.client.gather(futures)

    def close(self, abort=False):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="store_true",
                        help="print the peer's label and versions, and exit")
    args = parser.parse_args()
    model = DaskModel()
    if args.version:
        protocol.print_version(model)
    else:
        protocol.serve(model)


if __name__ == "__main__":
    main()
