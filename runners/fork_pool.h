/* runners/fork_pool.h: what the two files of the fork runner share:
 * runners/fork.c (the pool's life, shared-memory mode, the worker's main
 * loop) and runners/fork_copy.c (--transfer copy: the driver's poll loop
 * over the workers' pipes and the worker's side of it).  Internal to the
 * fork runner. */
#ifndef PB_RUNNER_FORK_POOL_H
#define PB_RUNNER_FORK_POOL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "runners/graph.h"
#include "runners/runner.h"

/* Bookkeeping every process sees (MAP_SHARED). */
struct ctl {
    atomic_size_t next; /* shared mode: next task index */
    double t0;          /* start of the timed region, set before "go" */
    struct {
        uint64_t hwm;   /* the worker's peak RSS (VmHWM) at its end */
        uint64_t shmem; /* shared memory resident in it then (RssShmem) */
        double user_s, sys_s; /* its CPU time within the timed region;
                                 user_s < 0: it never got there */
        double waited_s; /* shared mode with dependencies: its wait for
                            inputs (no task ready) */
    } mem[];            /* [workers], written by each worker as it ends */
};

/* Driver -> worker message header (copy mode). */
#define END_OF_REP UINT64_MAX
struct msg {
    uint64_t task; /* END_OF_REP: the repetition is over, report usage */
    uint64_t len;  /* input bytes that follow */
};

/* One worker process, as the driver sees it. */
struct wproc {
    pid_t pid;
    int go_fd;           /* driver writes one byte per repetition here;
                            closing it tells the worker to leave */
    int task_fd;         /* copy: driver writes messages here */
    int res_fd;          /* copy: driver reads records + outputs here */
    int busy;            /* copy: a task is in flight */
    size_t task;         /* copy: the task in flight */
    size_t sent;         /* copy: bytes of header + input written so far */
    size_t got;          /* copy: bytes of record + output read so far */
    struct msg hdr;      /* copy: header of the task in flight */
    struct task_record rec; /* copy: record being received */
    size_t lo, hi;       /* copy + static schedule: remaining block */
    double idle_since;   /* copy + dependencies: free, no task ready,
                            since then (pb_now); 0: not waiting */
    int reaped;
    int status;          /* wait4 status */
    struct rusage ru;
};

struct pool {
    const struct workload *w;
    const struct task_data *d;
    const struct run_options *o;
    struct run_measure *m;
    struct ctl *ctl;
    struct task_record *recs; /* shared mode: MAP_SHARED copy of records */
    size_t recs_bytes;
    struct wproc *wp;
    unsigned n;
    int ready_pipe[2], done_pipe[2];
    size_t max_in, max_out;
    size_t ctl_bytes;
    int failed;          /* a run failed: close kills instead of asking */
    /* With dependencies: shared mode, the scheduler in memory every
     * worker maps (they take ready tasks themselves); copy mode, the
     * driver's own, which dispatches ready tasks. */
    struct pb_sched_shared *ssched;
    size_t ssched_bytes;
    struct pb_sched *dsched;
    size_t copy_done;    /* copy + dependencies: tasks done this run */
};


/* runners/fork.c */
/* Reap worker wp if it has exited (block: wait for it); 1 if it is gone. */
int fork_reap(struct wproc *wp, int block);
/* Put into p->m->error how worker k ended. */
void fork_describe_death(struct pool *p, unsigned k);
/* First worker that has died badly, or -1. */
int fork_find_dead(struct pool *p);

/* runners/fork_copy.c */
/* A worker's repetition in copy mode: tasks until END_OF_REP. */
int fork_worker_copy(struct pool *p, unsigned id, void *ctx, int in_fd,
                     int out_fd, uint8_t *in, uint8_t *out);
/* The driver's timed region in copy mode; 0, or -1 with p->m->error. */
int fork_drive_copy(struct pool *p);
/* Tell every worker the repetition is over. */
int fork_end_copy_rep(struct pool *p);

#endif
