/* runners/mpi_rank.h: what the two files of the mpi runner's rank side
 * share: runners/mpi_rank.c (a rank's life: watcher, start-up, the end)
 * and runners/mpi_loops.c (the timed region: the head's dispatch loop and
 * the workers' task loop, and the MPI helpers they use).  Only these two
 * files include MPI's header. */
#ifndef PB_RUNNER_MPI_RANK_H
#define PB_RUNNER_MPI_RANK_H

#include <mpi.h>
#include <stdatomic.h>
#include <stdio.h>

#include "runners/graph.h"
#include "runners/mpi.h"

#define COMM MPI_COMM_WORLD
#define CHUNK (1 << 30) /* MPI counts are int: big buffers go in pieces */
#define WAIT_SPIN_S 20e-6  /* test without sleeping this long first */
#define WAIT_MAX_NS 100000 /* then sleep 1 us, doubling up to this */
#define BYE_TIMEOUT_S 5.0 /* the head's last wait, after the results */

enum {
    TAG_TASK = 1, TAG_STOP, TAG_INPUT, TAG_RESULT, TAG_OUTPUT, TAG_USAGE,
    TAG_BYE, TAG_COUNT, TAG_RESULTS,
};

/* How the tasks reach the workers in the timed region (the head decides,
 * tells the workers in "go", and the report names it). */
enum handout {
    HANDOUT_MESSAGES = 0, /* the head sends each task (and, with copy, its
                             input) as a worker returns the previous one */
    HANDOUT_BLOCKS,       /* static, local: each worker runs its own block;
                             no message until its records at the end */
    HANDOUT_COUNTER,      /* dynamic, local, every worker on one node: the
                             workers take task indices from an atomic counter
                             in the node's shared memory, no message until
                             their records at the end */
};

/* A task as a worker ran it, sent to the head with the others at the end
 * under HANDOUT_BLOCKS and HANDOUT_COUNTER. */
struct done_rec {
    uint64_t task;
    struct task_record rec;
};

/* Head -> worker: TAG_TASK (then, with copy, the input as TAG_INPUT) or
 * TAG_STOP. */
struct task_msg {
    uint64_t task; /* index; ignored with TAG_STOP */
};

/* Sent by every rank to the head when it is ready (or failed to be). */
struct rank_info {
    int32_t pid, watcher; /* the MPI process and its watching parent */
    int32_t status;       /* 0: ready */
    int32_t node_workers; /* workers sharing this worker's node (and its
                             shared counter); 0 when there is none */
    char host[PB_HOST_MAX];
    char error[PB_ERR_MAX];
};

/* What a rank runs now, in memory shared with its watcher (the parent
 * process that waits for it): the watcher enforces --task-timeout, which
 * works even when the rank is stopped or looping. */
struct rank_watch {
    _Atomic uint64_t task1;   /* task index + 1; 0: none */
    _Atomic int64_t start_ns; /* pb_now() in ns when it started */
};

/* When every rank runs on one node: a page of MPI shared memory through
 * which the head starts each repetition and learns that the workers are
 * done, with futexes -- the head and idle workers block in the kernel
 * instead of polling MPI, so they take no CPU from the workers computing
 * and wake within microseconds. */
struct node_sync {
    _Atomic uint32_t go_gen;   /* repetitions started; workers wait on it */
    _Atomic uint32_t finished; /* workers done with this repetition; the
                                  head waits on it */
    double t0;                 /* the head's clock at "go" (shared clock) */
};

/* One rank's state (the head's too). */
struct rank {
    int rank, size;
    unsigned nworkers;
    struct mpi_job job;
    struct workload w;
    int setup_done;
    size_t nt;
    size_t *in_off, *in_len, *out_off, *out_len; /* [nt] each */
    size_t lo, hi;     /* tasks whose inputs `in` holds (in_off - base) */
    size_t base;       /* in_off[lo] */
    uint8_t *in, *out; /* input arena [lo, hi) or one buffer; output */
    size_t max_in, max_out;
    size_t in_total;   /* all inputs' bytes (dynamic local: the window) */
    void *ctx;
    _Atomic uint64_t *counter; /* dynamic local: the node's next task */
    struct rank_watch *watch;  /* shared with the watcher, or NULL */
    struct node_sync *sync;    /* every rank on one node: futex signalling
                                  (NULL otherwise) */
    struct pb_graph *graph;    /* the head, for a workload with task
                                  dependencies (WL_DEPS): built from its
                                  deps/stage ops after setup; else NULL */
    struct pb_sched *sched;    /* the head's scheduler of graph */
    struct done_rec *done;     /* records kept until the end: [ndone_cap] */
    size_t ndone_cap;
    enum handout handout;      /* as the head decided */
    unsigned rep;              /* the repetition running, from 0 */
    double t0;         /* start of the timed region, this rank's clock */
    char host[PB_HOST_MAX];
    struct rank_info info;
};

/* The head's bookkeeping of the timed region. */
struct head {
    struct rank *r;
    struct task_record *recs; /* [nt] as the workers returned them */
    size_t *inflight;  /* [size] task each worker is running */
    size_t *blo, *bhi; /* [size] static: rest of each worker's block */
    size_t next;       /* dynamic: next task */
    uint64_t moved;    /* copy: input + output bytes sent and received */
    /* With a graph (mpi_head_graph), per worker rank [size]: */
    unsigned char *busy;    /* running a task the head sent */
    unsigned char *stopped; /* told to stop: every task was handed out */
    double *idle_since;     /* free with nothing ready since (head's clock,
                               pb_now()); 0: not waiting */
    char (*hosts)[PB_HOST_MAX]; /* each rank's host, from the ready gather */
    size_t ndone;      /* tasks completed (run, or not run: failed input) */
    double wall;       /* set when the last task completed */
    double input_wait; /* summed waits of free workers for a ready task */
};

/* Wait for r, testing and sleeping in between (MPICH's own waits poll in
 * a busy loop); mpi_wait_until gives up at deadline (pb_now()) with 0. */
void mpi_wait(MPI_Request *r, MPI_Status *st);
int mpi_wait_until(MPI_Request *r, double deadline);
/* Blocking send/receive of any number of bytes (MPI counts are int). */
void mpi_send_bytes(const void *p, size_t n, int dst, int tag);
void mpi_recv_bytes(void *p, size_t n, int src, int tag);
/* The timed region: the head's loop (returns its wall time) and a
 * worker's (returns when told to stop, or when its tasks are done). */
double mpi_head_loop(struct head *h);
/* The same with task dependencies (r->graph): ready tasks to free workers,
 * dependents of a failed task recorded as not run without being sent. */
double mpi_head_graph(struct head *h);
void mpi_worker_loop(struct rank *r);
/* The same without hand-out messages (HANDOUT_BLOCKS, HANDOUT_COUNTER):
 * the head only collects every worker's records at the end. */
double mpi_head_collect(struct head *h);
void mpi_worker_local(struct rank *r);
/* Futex wait while *word == val (at most timeout_s) and wake all. */
void mpi_futex_wait(_Atomic uint32_t *word, uint32_t val, double timeout_s);
void mpi_futex_wake(_Atomic uint32_t *word);
/* Tell the rank's watcher that it runs task i now (SIZE_MAX: none). */
void mpi_task_progress(struct rank *r, size_t i);
/* The head's result lines (runners/mpi.h) for the driver. */
void mpi_head_report(FILE *f, struct head *h, double wall,
                     const struct mpi_usage *use);
/* One "PBMPI <tag> <text>" line, newlines in text made spaces. */
void mpi_put_line(FILE *f, const char *tag, const char *text);

#endif
