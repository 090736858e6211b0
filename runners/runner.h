/* runners/runner.h: the runner interface.
 *
 * A runner is how work is run: in order in one process, on a thread pool, on
 * a pool of forked processes, on MPI ranks, on an event loop.  Each runner is
 * one file, runners/<name>.c, exporting one `const struct runner`; all are
 * listed once in runners/list.h.  A runner sees the workload (kernels/) and
 * the task data bench/ prepared, and fills a struct run_measure.  It never
 * includes anything from bench/.
 */
#ifndef PB_RUNNER_H
#define PB_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/workload.h"

/* How task data moves between the driver and the workers. */
enum transfer {
    TRANSFER_DEFAULT = 0, /* the runner's own default */
    TRANSFER_SHARED,      /* fork: in memory shared before the fork */
    TRANSFER_COPY,        /* bytes sent to the worker and back (pipe, MPI) */
    TRANSFER_LOCAL,       /* mpi: each worker makes its input where it runs */
};

enum schedule {
    SCHED_DYNAMIC = 0, /* a worker takes the next task when it is free */
    SCHED_STATIC,      /* worker w gets a fixed contiguous block of tasks */
};

/* How long the workers live (--pool). */
enum pool_mode {
    POOL_PER_REP = 0, /* started and stopped around every repetition: a
                         one-shot job, start-up paid each time */
    POOL_PERSISTENT,  /* started once, kept across the warm-up and every
                         measured repetition (a long-lived
                         multiprocessing.Pool, Ray cluster or MPI job) */
};

/* What the user asked for, as far as runners care. */
struct run_options {
    unsigned workers;        /* >= 1 */
    enum transfer transfer;  /* never TRANSFER_DEFAULT once bench resolved it */
    enum schedule schedule;
    enum pool_mode pool;
    double task_timeout_s;   /* --task-timeout as first in force (runners
                                whose workers cannot be watched from outside
                                enforce it themselves: mpi); 0: none */
    double settle_s;         /* pause between starting the workers and the
                                timed region (a CPU quota's period, so the
                                start-up's CPU time cannot throttle the
                                timed region); 0: none */
    unsigned pool_reps;      /* persistent: the repetitions (warm-up and
                                measured) the pool will run, for runners
                                that must know in advance (mpi) */
    const char *self_exe;    /* absolute path of the parbench binary */
    /* The runner's own options: the struct its opts rows describe, filled
     * from their defaults and the values given (NULL when it has none). */
    const void *params;
    /* --bind: called by each worker (thread or process) before its first
     * task, with its index; NULL when workers are not bound.  bench/
     * implements it with hwloc, so runners stay free of topology code. */
    int (*bind_worker)(const void *arg, unsigned worker);
    const void *bind_arg;
};

/* Task inputs and outputs, prepared by bench/ before the timed region.
 * Both arenas are MAP_SHARED anonymous memory mapped before any worker is
 * started, so a forked worker sees them without copying.  A runner that
 * moves data (TRANSFER_COPY) must not let workers touch them. */
/* What every worker is running right now, in memory shared with the
 * process that supervises the run (bench/host/isolate.c), so a worker that is
 * stuck, stopped or looping can be noticed and the run ended from outside
 * (--task-timeout, --run-timeout).  runner_exec_task keeps it up to date;
 * worker processes put their pid in it.  Times are pb_now() in ns. */
struct worker_progress {
    _Atomic uint64_t task1;   /* task index + 1 running now; 0: none */
    _Atomic int64_t start_ns; /* when it started */
    _Atomic int32_t pid;      /* the worker's process; 0: a driver thread */
    int32_t pad_;
};
struct run_progress {
    _Atomic int64_t task_timeout_ns; /* a task running longer ends the run;
                                        0: no limit */
    _Atomic int64_t deadline_ns;     /* the run must be over by then; 0: none */
    _Atomic int32_t kill_pgid;       /* a process group of the run's outside
                                        the driver's tree (mpiexec); 0: none */
    /* cgroups holding processes of the run (an exec peer's own,
     * runners/exec_tree.c), "" when none: should the run's process die
     * or be ended from outside with them still there, the supervisor
     * kills every process in them and removes them.  Written before
     * kill_pgid is set. */
    char kill_cgroup[2][512];
    unsigned nworkers;
    struct worker_progress w[];      /* [nworkers] */
};

struct pb_graph;

struct task_data {
    size_t ntasks;
    /* The tasks' dependencies (runners/graph.h), built by bench/ before
     * the timed region when the workload declares them (WL_DEPS); NULL:
     * independent tasks.  A runner whose kinds include WL_DEPS runs a
     * task only when every input has ended: runner_exec_ready. */
    const struct pb_graph *graph;
    struct run_progress *progress; /* NULL: nobody watches */
    uint8_t *in;           /* input arena (NULL when every input is empty) */
    uint8_t *out;          /* output arena */
    const size_t *in_off;  /* [ntasks] byte offset of task i's input */
    const size_t *in_len;  /* [ntasks] */
    const size_t *out_off; /* [ntasks] */
    const size_t *out_len; /* [ntasks] */
};

#define PB_HOST_MAX 64

/* One task as it ran.  Times are seconds since the start of the timed
 * region (pb_now() based, so valid across processes on one host). */
struct task_record {
    double start_s, end_s;
    double ready_s;       /* with dependencies: when its last input ended
                             (0: it had none); start_s - ready_s is the
                             time it stood ready, waiting for a worker.
                             Without dependencies 0. */
    int32_t worker;       /* 0-based worker index (thread, process, rank-1) */
    int32_t pad_;
    char host[PB_HOST_MAX]; /* host the task ran on ("" = the driver's) */
    struct task_result res;
};

/* What a runner measured for one repetition.  bench/ measures the driver
 * process itself (CPU via getrusage, peak RSS via /proc); the runner reports
 * what only it can see: the timed region and workers that are separate
 * processes. */
struct run_measure {
    double wall_s;   /* timed region: dispatch, data movement, compute,
                        collection; excludes starting/stopping the workers */
    double spawn_s;  /* starting the workers (pool creation), not in wall_s;
                        filled by open() */
    double stop_s;   /* stopping them (joining, reaping); filled by close() */
    int workers_are_processes; /* 1: the fields below are filled */
    int workers_share_arenas;  /* 1: worker processes map the driver's
                                  arenas (fork --transfer shared), so the
                                  total counts them once, apart */
    double workers_user_s, workers_sys_s; /* sum over worker processes of
                        their CPU time within the timed region */
    uint64_t rss_worker_max;  /* largest worker peak RSS, bytes */
    uint64_t rss_workers_sum; /* sum over workers of their own peak
                                 memory, bytes: peak RSS less the shared
                                 arenas (counted once, in the driver) */
    uint64_t bytes_moved;     /* bytes copied between driver and workers */
    int region_cpu;           /* 1: region_user_s/region_sys_s are the
                                 whole process's CPU time within the timed
                                 region (in-process runners: single,
                                 pthreads, async), used instead of the
                                 driver's CPU around open..close, which
                                 also holds the pool's start-up and stop */
    double region_user_s, region_sys_s;
    double input_wait_s;      /* with dependencies: time workers spent
                                 idle because no task was ready (all
                                 waiting for inputs), summed over
                                 workers; 0 without */
    struct task_record *tasks; /* [ntasks], zeroed by the caller */
    int32_t *pids;   /* [workers]: each worker's process id (thread id for
                        threads), filled by run(); 0 where unknown */
    int timed_out;             /* 1: the run failed because a task or the
                                  run exceeded its time (error says which) */
    char handout[32];          /* how tasks reached the workers, when the
                                  runner decides it at run time (mpi);
                                  "" otherwise */
    char error[600];           /* run-level failure, "" if none */
    int died_signal;           /* with error: a worker process (or the
                                  job's launcher) was killed by this
                                  signal; 0 otherwise.  bench/ decides on
                                  it (OOM, interrupted), never on the text */
    /* Runners that run another program (exec): filled by open(), kept by
     * bench/ for the report ("" / NAN when not given). */
    char label[160];  /* how reports and charts name the runner, e.g.
                         "python3.11 multiprocessing fork, chunksize 1" */
    char info[1536];  /* the report's runner_info: a JSON object's text */
    char rss_source[32]; /* how rss_workers_sum was measured: "cgroup v1",
                            "cgroup v2", "sum of per-process peaks" */
    double agreement;    /* image results checked against parbench's own
                            pipeline: the least fraction of bytes within
                            one level over the tasks; NAN: not checked */
};

struct runner {
    const char *name;
    const char *help;   /* one line */
    unsigned kinds;     /* mask of enum wl_kind it can run */
    unsigned transfers; /* mask of 1u << enum transfer it accepts */
    enum transfer default_transfer;
    unsigned max_workers; /* 0: any number; single: 1 */
    /* NULL when usable; otherwise why not (e.g. "mpiexec not found"). */
    const char *(*unavailable)(void);
    /* The workers' life, in three steps, so that one pool can serve one
     * repetition (--pool per-repetition: open, run, close) or all of a
     * run's repetitions (persistent: open, run x N, close).
     *  open   start the workers and make them ready (spawn_s): every page
     *         they will use present and touched, per-worker state built.
     *         0, or -1 with m->error set (the pool is then already gone).
     *  run    every task once: the timed region (wall_s), task records,
     *         worker CPU and memory of this repetition, pids.  0 on success
     *         (individual tasks may still have failed: see
     *         tasks[i].res.status); -1 with m->error set when the run as a
     *         whole failed (the pool must still be closed).
     *  close  stop and reap the workers (stop_s) and free the pool; -1 with
     *         m->error set when a worker ended badly. */
    int (*open)(const struct workload *w, const struct task_data *d,
                const struct run_options *o, void **pool,
                struct run_measure *m);
    int (*run)(void *pool, struct run_measure *m);
    int (*close)(void *pool, struct run_measure *m);
    /* Optional: variants, selected as "NAME:VARIANT" (exec:python-mp-fork;
     * runner_find finds the runner by the part before ':').  Called by
     * config_resolve once the runner's options are set (params), with the
     * variant (NULL when the name has none), the workload's name, and in
     * *t the transfer asked for (TRANSFER_DEFAULT: none), which it may
     * refuse or resolve (the variant's own default).  0; -EINVAL with a
     * one-line message in err (bad input); -ENODEV when the variant
     * cannot run on this host, err saying why. */
    int (*variant)(const char *variant, const char *workload,
                   enum transfer *t, void *params, char *err, size_t errlen);
    /* Optional: `parbench list` lines about its variants, each line
     * indented by the caller's prefix. */
    void (*list_variants)(void (*line)(void *ctx, const char *text),
                          void *ctx);
    /* 1: --pool persistent is supported. */
    int persistent;
    /* 1: its workers call the workload's before_rep themselves, before
     * each repetition (the mpi runner's head: a persistent job's ranks go
     * from one repetition to the next without waiting for the driver, so
     * the driver's call would overlap a running repetition); bench then
     * does not. */
    int own_before_rep;
    /* Its own options, rows whose offsets are into its own struct (at most
     * PB_PARAMS_MAX bytes), which run() finds in o->params.  Giving one
     * of them with another runner is refused ("--X works with the Y
     * runner only"). */
    const struct opt *opts;
    size_t nopts;
    /* Optional: check its options (o->params) and the rest of o once
     * everything is set, before anything starts.  0, or -EINVAL with a
     * one-line message in err (no "parbench:" prefix). */
    int (*check)(const struct run_options *o, char *err, size_t errlen);
    /* Non-NULL: --dump, --bind are refused with this runner, for this
     * reason ("--dump: the R runner <no_dump>", "--bind: not supported by
     * the R runner (<no_bind>)"). */
    const char *no_dump;
    const char *no_bind;
    /* A rough start-up cost per repetition (s), for --dry-run estimates. */
    double start_s;
    /* 1: the reference the speedups of other runners are measured against
     * in charts (single). */
    int baseline;
    /* A runner that re-executes the parbench binary in another role (the
     * mpi runner's ranks, started by mpiexec): the hidden command name,
     * `parbench <role> ...`, and its main, which returns the exit code.
     * bench/cli/main.c looks roles up here; NULL when there is none. */
    const char *role;
    int (*role_main)(int argc, char **argv);
};

/* All runners, NULL-terminated (runners/list.c, from runners/list.h). */
extern const struct runner *const runner_table[];
const struct runner *runner_find(const char *name);

/* Helpers shared by runners (runners/common.c). */
/* Run task i in the calling thread: input from the arena, output to it,
 * timing and result into rec.  t0 is the start of the timed region. */
void runner_exec_task(const struct workload *w, void *ctx,
                      const struct task_data *d, size_t i, double t0,
                      int32_t worker, struct task_record *rec);
/* Run task i, made ready at ready_s by a scheduler (runners/graph.h):
 * as runner_exec_task, with rec->ready_s; when failed_input is not 0 (1 +
 * an input that failed) the task is not run and its record says so. */
void runner_exec_ready(const struct workload *w, void *ctx,
                       const struct task_data *d, size_t i, double t0,
                       int32_t worker, struct task_record *rec,
                       double ready_s, size_t failed_input);
/* Bind the calling thread as worker k when --bind asks for it (no-op
 * otherwise); returns 0 or -errno. */
int runner_bind_worker(const struct run_options *o, unsigned worker);
/* Make the task arenas present and warm in the calling process now (inputs
 * read, outputs written), as a worker's start-up: a forked process does
 * not inherit the page tables of shared mappings, and on a VM even a
 * populated page costs microseconds at its first access; inside the timed
 * region that would be a cost a thread of the driver (whose pages are
 * warm) never pays.  See runner_prefault. */
void runner_attach_arenas(const struct task_data *d);
/* The same for any n bytes at p (write: make them writable): populate the
 * page tables, then touch every page once. */
void runner_prefault(void *p, size_t n, int write);
/* The calling process's peak RSS (VmHWM) and resident shared memory
 * (RssShmem), bytes, from /proc/self/status; 0 when unknown. */
void runner_self_memory(uint64_t *hwm, uint64_t *shmem);
/* The calling process's CPU time so far (getrusage RUSAGE_SELF), s. */
void runner_self_cpu(double *user_s, double *sys_s);
/* Bracket an in-process runner's timed region: region_begin returns the
 * process's CPU so far in u0/s0, region_end stores the difference in m
 * (region_cpu = 1). */
void runner_region_begin(double *u0, double *s0);
void runner_region_end(struct run_measure *m, double u0, double s0);
/* Note in d->progress that worker k starts task i now (i == SIZE_MAX: it
 * is idle again).  runner_exec_task does it; runners that run tasks
 * another way call it themselves. */
void runner_progress(const struct task_data *d, unsigned k, size_t i);
/* The same on any such pair of fields (task index + 1, start in ns), as
 * worker_progress has them: what runner_progress and the mpi ranks'
 * watchers share. */
void runner_mark_task(_Atomic uint64_t *task1, _Atomic int64_t *start_ns,
                      size_t i);
/* Reset the calling process's peak RSS (VmHWM) to its current RSS, so a
 * later runner_self_memory gives the peak since now (clear_refs "5").
 * 1 when it was reset, 0 when the kernel refused (the peak is then the
 * process's lifetime peak). */
int runner_reset_peak(void);
/* The calling thread's kernel id (gettid), for the report's pids. */
int32_t runner_tid(void);
/* Sleep o->settle_s (see run_options). */
void runner_settle(const struct run_options *o);
/* One-shot: open, run, close, with the errors of the first failing step. */
int runner_run_once(const struct runner *r, const struct workload *w,
                    const struct task_data *d, const struct run_options *o,
                    struct run_measure *m);
/* Close pool with close after a failure, keeping m->error as it was: the
 * failure is the cause, what close reports follows from it.  close's
 * return value. */
int runner_close_keeping_error(int (*close)(void *, struct run_measure *),
                               void *pool, struct run_measure *m);
/* Block of tasks [*lo, *hi) for worker k of n under static scheduling. */
void runner_static_block(size_t ntasks, unsigned n, unsigned k, size_t *lo,
                         size_t *hi);

#endif
