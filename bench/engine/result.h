/* bench/engine/result.h: the result of one run, typed, from the moment it is
 * measured until the report is written.
 *
 * Every path that ends a run fills a struct run_result: the measured run
 * (bench/engine/run.c, in the supervised child), the supervisor when the
 * child died or was ended (bench/engine/execute.c: timeout, OOM kill,
 * interruption), and the orchestration when a configuration fails before
 * it runs (bench/engine/runone.c).  The status is an enum, never text read
 * back; a failed run is made by one constructor, run_result_fail(), so
 * every failed run carries the same keys in the report.
 *
 * The child sends the struct back to the supervisor as it is in memory
 * (same binary, same layout): the fixed part, then its arrays.  It becomes
 * JSON in one place only, run_result_json() (bench/engine/result_json.c). */
#ifndef PB_RESULT_H
#define PB_RESULT_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/host/limits.h"

enum run_status {
    RUN_OK = 0,
    RUN_FAILED,      /* the run, or getting it started, failed */
    RUN_PARTIAL,     /* some tasks failed, the run went on */
    RUN_OOM,         /* the kernel killed a process of the run for memory */
    RUN_TIMEOUT,     /* --task-timeout or --run-timeout ended it */
    RUN_INTERRUPTED, /* a process of the run was ended by SIGINT, SIGTERM,
                        SIGHUP or SIGQUIT from outside parbench */
};
/* "ok", "failed", "partial", "oom", "timeout", "interrupted". */
const char *run_status_name(enum run_status s);

#define RUN_ERROR_MAX 640

/* One measured repetition, as the report gives it. */
struct rep_result {
    double wall_s, user_s, sys_s, cpu_utilization, spawn_s, stop_s;
    uint64_t rss_driver, rss_worker_max, rss_total; /* peak RSS, bytes */
    uint64_t bytes_moved, checksum;
    double critical_path_s; /* with dependencies: the longest chain of
                               task run times; NAN: none */
    double input_wait_s;    /* with dependencies: workers' idle time
                               waiting for inputs, summed; NAN: none */
    /* Disk workloads: the tasks' figures summed (task_result), and the
     * machine's I/O pressure over the repetition. */
    struct rep_io {
        double read_s, compute_s, write_s, io_blocked_s;
        double blkio_s;            /* NAN: delay accounting off */
        double psi_some_s, psi_full_s; /* NAN: no /proc/pressure/io */
        uint64_t read_bytes, write_bytes, dev_read_bytes, dev_write_bytes;
    } io;
    char handout[32]; /* how tasks reached the workers (mpi), "" */
    char rss_source[32]; /* exec: how the workers' memory was measured
                            ("cgroup v1", "sum of per-process peaks"), "" */
    double agreement;    /* exec image: least fraction of bytes within one
                            level of parbench's own; NAN: not checked */
};

/* One task of one measured repetition: the task record less what the
 * report does not show, its strings kept once in the result's text. */
struct task_out {
    double start_s, end_s, ready_s, ttfb_s, latency_s;
    double read_s, compute_s, write_s, io_blocked_s; /* disk workloads */
    uint64_t read_bytes, write_bytes, dev_read_bytes, dev_write_bytes;
    int32_t level, pad2_;
    uint64_t bytes;
    int32_t worker, http_status;
    int32_t failed;  /* 1: the task failed (error says why) */
    uint32_t error;  /* 1 + offset of its error in text; 0: none */
    uint32_t host;   /* 1 + offset of its host in text; 0: the driver's */
    uint32_t pad_;
};

#define RESULT_HOSTS 8 /* distinct hosts remembered to store each once */

struct run_result {
    enum run_status status;
    char error[RUN_ERROR_MAX]; /* the cause, one line; "" when ok */
    int died_signal;  /* a process of the run (a worker, the run's own
                         process) was killed by this signal; 0: none */
    int has_checksum, has_value;
    uint64_t checksum; /* result.checksum of the measured repetitions */
    int64_t value;     /* result.value: the sum of the task values */
    double setup_s;    /* workload setup and input generation */
    uint64_t input_bytes, output_bytes; /* the task arenas */
    double pool_spawn_s, pool_stop_s;   /* --pool persistent */
    char runner_label[160]; /* how charts name the runner (exec: the
                               peer's label), "" when it has none */
    char runner_info[1536]; /* exec: the runner_info object's JSON text */

    /* The measured repetitions.  The summary is made of the first
     * nsummary; a repetition that failed is still recorded, last. */
    unsigned workers;
    size_t ntasks;
    size_t nreps, cap_reps, nsummary;
    int last_rep_failed;
    char last_rep_error[RUN_ERROR_MAX];
    struct rep_result *reps; /* [cap_reps] */
    int32_t *pids;           /* [cap_reps * workers]: repetition k's at
                                k * workers */
    struct task_out *tasks;  /* [cap_reps * ntasks], or NULL when the
                                repetitions carry no tasks */
    char *text;              /* the tasks' strings, NUL-terminated each */
    size_t text_len, text_cap;
    uint32_t hosts[RESULT_HOSTS]; /* text offsets (+1) of recent hosts */

    /* Set by the supervisor. */
    int limited;                /* the run had limits: limits says which */
    struct limit_state limits;  /* as applied (a copy: the cgroups are
                                   gone by the time it is written) */
    uint64_t cgroup_memory_peak; /* bytes; 0: unknown */

    void *wire; /* the message from the child the arrays point into (then
                   owned here), or NULL: the arrays are our own */
};

/* An empty result (status ok, no repetitions). */
void run_result_init(struct run_result *r);
/* Make r a failed run with this status and cause: its repetitions, result
 * and summary are dropped (empty), what is known of the configuration and
 * its limits is kept.  The one way a failed run is made. */
void run_result_fail(struct run_result *r, enum run_status st,
                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set the status and cause of a run that was measured, keeping what it
 * measured (a run that failed in its third repetition keeps the first
 * two, and the third with its tasks' errors). */
void run_result_status(struct run_result *r, enum run_status st,
                       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* run_result_fail with "out of memory building the report (N tasks, R
 * repetitions)". */
void run_result_fail_oom(struct run_result *r, size_t ntasks,
                         unsigned repeat);
/* Room for `repeat` repetitions of `workers` workers and `ntasks` tasks
 * (with_tasks: keep each task's record).  -ENOMEM when it does not fit. */
int run_result_reserve(struct run_result *r, unsigned repeat,
                       unsigned workers, size_t ntasks, int with_tasks);
/* Keep text s (a task's error or host) once: 1 + its offset, or 0 when out
 * of memory. */
uint32_t run_result_text(struct run_result *r, const char *s, int is_host);
/* Free the arrays (the result stays valid, with no repetitions). */
void run_result_drop_reps(struct run_result *r);
void run_result_free(struct run_result *r);

/* The child's side of the pipe: the pieces of memory that make r (fixed
 * part and arrays), at most RESULT_WIRE_PARTS; returns how many. */
#define RESULT_WIRE_PARTS 6
size_t run_result_wire(const struct run_result *r, const void **part,
                       size_t *len);
/* The supervisor's side: r from the message msg of len bytes (malloc'ed:
 * r owns it from now on, its arrays point into it).  -EPROTO when the
 * message is not a whole result (msg is then freed). */
int run_result_adopt(struct run_result *r, void *msg, size_t len);

struct run_state;
/* Where a matrix cell's run comes from (the report's "cell"). */
struct run_cell {
    size_t index;
    const char *experiment, *key;
};
/* The report's run object: r serialised, with the configuration of s (set
 * up: its derived values are asked for) and, for a matrix, the cell.  The
 * only place a run object is made.  When memory runs out building it, the
 * object is a failed run saying so; NULL when even that cannot be made. */
cJSON *run_result_json(struct run_result *r, struct run_state *s,
                       const struct run_cell *cell);
#endif
