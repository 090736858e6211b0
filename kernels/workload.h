/* kernels/workload.h: the public face of kernels/.
 *
 * A workload is the work itself, knowing nothing of how it is run: how many
 * tasks there are, how big each task's input and output are, how to make
 * task i's input, how to run task i, and how its result folds into the run's
 * checksum.  It also declares what bench/ would otherwise have to know by
 * its name: its own options (rows of kernels/option.h), what it adds to
 * the report, its cost estimate, the server it needs, what --dump writes,
 * and what it needs of a runner.  Each workload is one file exporting one
 * `const struct workload_ops`, listed once in kernels/list.h.  Runners
 * include this header (and runners/runner.h), never anything from bench/.
 * Nothing here knows about threads, processes or MPI.
 */
#ifndef PB_WORKLOAD_H
#define PB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/option.h"

/* What a workload needs of a runner; a runner declares the kinds it runs
 * (struct runner.kinds) and runs a workload only when it has every bit of
 * the workload's kind. */
enum wl_kind {
    WL_CPU = 1u << 0,  /* compute-bound: image, prime, spin */
    WL_IO = 1u << 1,   /* waits on the network: url */
    WL_DISK = 1u << 2, /* blocking file I/O in run_task: pyramid */
    WL_DEPS = 1u << 3, /* tasks read other tasks' outputs (ops.deps): the
                          runner must schedule ready tasks
                          (runners/graph.h) */
};
/* "CPU-bound", "I/O-bound", "disk-bound", with ", with task
 * dependencies" when WL_DEPS: the kind in words. */
const char *wl_kind_text(unsigned kind);
/* Most inputs one task may read (workload_ops.deps). */
#define WL_DEPS_MAX 64

/* What every workload has; bench/ fills it from the common run options.
 * Everything else a workload takes is its own (workload_ops.opts, stored
 * in struct workload.params). */
struct wl_params {
    uint64_t seed;       /* inputs are a pure function of (seed, task index) */
    size_t tasks;        /* number of tasks, >= 1 */
    int tasks_given;     /* --tasks was explicit (a workload that decides
                            its task count in setup, like url with a URL
                            file, checks it against that) */
};

#define PB_ERR_MAX 160

/* What one task produced.  Fixed size, so it can travel through a pipe or an
 * MPI message unchanged. */
struct task_result {
    uint64_t digest;   /* pb_hash64 of the task's output bytes (url: body) */
    int64_t value;     /* numeric result, summed over tasks (prime) */
    uint64_t bytes;    /* bytes of output produced / body received */
    int32_t status;    /* 0 ok; otherwise the task failed, see error */
    int32_t http_status; /* url only, else 0 */
    double ttfb_s;     /* url only: time to first byte */
    double latency_s;  /* url only: total request time */
    /* Disk workloads (WL_DISK) only, else 0: the task's time reading and
     * decoding its input files, computing, encoding and writing its
     * output files; of read_s + write_s, the time its thread was off the
     * CPU (wall less the thread's CPU time: blocked on I/O, or
     * preempted); the file bytes it read and wrote; what the kernel
     * counted for its thread (/proc/thread-self/io read_bytes and
     * write_bytes: bytes fetched from / sent towards the storage layer,
     * not the page cache) and its block-I/O delay (delayacct, 0 unless
     * kernel.task_delayacct is on). */
    double read_s, compute_s, write_s, io_blocked_s, blkio_s;
    uint64_t read_bytes, write_bytes, dev_read_bytes, dev_write_bytes;
    int32_t level;     /* disk workloads: the group a chart colours the
                          task by (pyramid: the first level it makes) */
    int32_t pad_;
    char error[PB_ERR_MAX]; /* "" when status == 0 */
};

struct workload;

/* Where a workload writes what it adds to the report's `params` (bench/
 * makes it a JSON object): a number, a string, or null (str with NULL). */
struct wl_sink {
    void *ctx;
    void (*num)(void *ctx, const char *key, double v);
    void (*str)(void *ctx, const char *key, const char *v);
};

/* The embedded HTTP server a workload asks for (`parbench serve`, which
 * bench/ starts on 127.0.0.1 before setup and stops after the run). */
struct wl_server {
    double latency_s, jitter_s; /* delay per response and its spread */
    uint64_t body_bytes;        /* body of an ordinary path */
};

/* One file of --dump: a header, then the task's input or output bytes. */
struct wl_dump {
    const char *ext;    /* file name extension, e.g. "ppm" */
    char header[64];
    size_t header_len;
    size_t bytes;       /* of the task's input or output that follow */
};

/* One workload kind.  Every function pointer may be called from any thread
 * or process: they must only read *w (after setup) and their arguments. */
struct workload_ops {
    const char *name;
    const char *help;     /* one line for `parbench list` */
    unsigned kind;        /* enum wl_kind: what it needs of a runner */
    int has_value;        /* 1: report result.value = sum of task values */
    /* Its own options, rows whose offsets are into its own struct, held
     * in struct workload.params (PB_PARAMS_FIT checks it fits).  bench/
     * fills that struct from the defaults and the values given before
     * setup; nothing outside the workload's file knows the fields. */
    const struct opt *opts;
    size_t nopts;
    /* Optional: check the option values together once they are all set,
     * before anything starts (a value bad for this workload only: url's
     * --timeout 0).  0, or -EINVAL with a one-line message in err. */
    int (*check)(const struct workload *w, char *err, size_t errlen);
    /* Validate parameters and build the plan (w->plan).  0 or -errno with a
     * one-line message in err (no trailing newline, no "parbench:" prefix). */
    int (*setup)(struct workload *w, char *err, size_t errlen);
    void (*teardown)(struct workload *w);
    size_t (*input_size)(const struct workload *w, size_t i);
    size_t (*output_size)(const struct workload *w, size_t i);
    /* Fill buf (input_size bytes) with task i's input; pure function. */
    void (*make_input)(const struct workload *w, size_t i, void *buf);
    /* Per-worker state (scratch buffers, a reused connection).  Optional:
     * NULL means the workload needs none. */
    int (*worker_init)(const struct workload *w, void **ctx);
    void (*worker_fini)(const struct workload *w, void *ctx);
    /* Run task i: read in (input_size bytes), write out (output_size bytes)
     * and fill r.  Returns 0, or -1 when the task failed (r->status and
     * r->error say why).  r->digest is filled by wl_exec() unless the
     * workload sets it itself (sets_digest). */
    int (*run_task)(const struct workload *w, void *ctx, size_t i,
                    const void *in, void *out, struct task_result *r);
    int sets_digest;
    /* Optional, for event-loop runners (I/O workloads only): make task i an
     * asynchronous transfer object (a CURL easy handle for url; NULL with
     * r->status and r->error set when it cannot), and finish it after the
     * runner's loop completed it with code rc (a CURLcode): fill r and free
     * the handle.  The runner owns neither the handle nor its
     * CURLOPT_PRIVATE; it must take the handle out of its loop before
     * async_end.  See kernels/url.h. */
    void *(*async_begin)(const struct workload *w, size_t i,
                         struct task_result *r);
    void (*async_end)(const struct workload *w, size_t i, void *handle,
                      int rc, struct task_result *r);
    /* Optional: describe the derived plan into a cJSON-free key/value form
     * for the report's params (e.g. image width/height, spin iterations).
     * Writes up to n pairs, returns how many. */
    int (*describe)(const struct workload *w, const char **keys,
                    double *vals, int n);
    /* Optional, after setup, in the process that will run: slow
     * preparation outside the timed region, counted in setup_s (pyramid:
     * its input files written).  0, or -errno with a one-line message in
     * err: the run fails.  What it leaves behind, teardown removes. */
    int (*prepare)(const struct workload *w, char *err, size_t errlen);
    /* Optional: before every repetition (warm-up included), outside the
     * timed region (pyramid --cache cold: inputs evicted from the page
     * cache).  0, or -errno with err: the run fails. */
    int (*before_rep)(const struct workload *w, char *err, size_t errlen);
    /* Optional: the run checksum from the task digests (in task order),
     * for a workload whose tasks differ between configurations that must
     * agree (pyramid's strategies).  NULL: wl_fold_digests. */
    uint64_t (*fold)(const struct workload *w, const uint64_t *digests,
                     size_t n);
    /* 1: a failed task fails the run (status "failed", not "partial"):
     * its output feeds other tasks, so a run without it has no result. */
    int all_or_nothing;
    /* Optional: bytes one worker's context (worker_init) holds, after
     * setup; NULL means it is negligible.  For the memory check made
     * before a run (with input_size and output_size). */
    size_t (*worker_bytes)(const struct workload *w);
    /* Optional: what it adds to the report's params (its options, as the
     * report's stable keys name them), before or after setup. */
    void (*report)(const struct workload *w, const struct wl_sink *s);
    /* Optional, after setup: a rough duration for --dry-run and the
     * matrix's progress line: one repetition at parallelism par (workers
     * capped by the CPUs) with `workers` workers, and the one-off setup
     * (inputs made), seconds.  NULL: 10 ms a repetition, no setup. */
    void (*estimate)(const struct workload *w, double par, unsigned workers,
                     double *rep_s, double *setup_s);
    /* Optional: 1 when this configuration needs parbench's embedded HTTP
     * server, with its settings in *s; then server_at gives the workload
     * its address ("http://127.0.0.1:PORT") before setup. */
    int (*server)(const struct workload *w, struct wl_server *s);
    void (*server_at)(struct workload *w, const char *base_url);
    /* Optional, after setup: --dump (bench/ refuses --dump for workloads
     * without it): describe task i's input (output 0) or output (1) as a
     * file.  0, or -errno. */
    int (*dump)(const struct workload *w, size_t i, int output,
                struct wl_dump *d);
    /* With kind WL_DEPS: the tasks whose outputs task i reads, into out
     * (at most max, which is WL_DEPS_MAX); returns how many.  Tasks
     * without inputs return 0.  The graph must be acyclic. */
    unsigned (*deps)(const struct workload *w, size_t i, size_t *out,
                     unsigned max);
    /* Optional, with WL_DEPS: a barrier stage: task i starts only after
     * every task of a lower stage has ended (stages 0, 1, 2...; a
     * barrier per level costs one internal node, not s x s edges).
     * NULL: no barriers. */
    unsigned (*stage)(const struct workload *w, size_t i);
    /* Optional, WL_DISK: the directory its files live in, after setup
     * (the one its options named, or a temporary one setup made).  A
     * process that sets the workload up again from its options (an mpi
     * rank) must find its files there: the workload's options must lead
     * that setup to this directory (pyramid: setup records it in its
     * internal option run-dir), and the mpi runner checks that every rank
     * sees it (a marker file). */
    const char *(*workdir)(const struct workload *w);
    /* 1: charts also show execution time against workers (workers_W),
     * for workloads whose time per worker count tells the story. */
    int workers_chart;
};

struct workload {
    const struct workload_ops *ops;
    struct wl_params p;
    void *plan; /* private to the workload, built by setup() */
    /* The workload's own option values: the struct its ops->opts rows
     * describe, private to it (read it through a cast in its own file).
     * Inside the struct, so a copied workload carries its values. */
    _Alignas(max_align_t) unsigned char params[PB_PARAMS_MAX];
};

/* All workloads, NULL-terminated, in the order `parbench list` shows
 * (kernels/workload.c, from kernels/list.h). */
extern const struct workload_ops *const wl_table[];
const struct workload_ops *wl_find(const char *name);

/* Run task i through ops->run_task, time-stamping nothing, and fill
 * r->digest from the output bytes unless the workload sets it itself. */
int wl_exec(const struct workload *w, void *ctx, size_t i, const void *in,
            void *out, struct task_result *r);

/* Memory the work itself needs, after setup: every input and every
 * output, the largest of each (what one worker holds when data is copied
 * to it) and one worker's context. */
struct wl_memory {
    uint64_t inputs, outputs, max_input, max_output, worker;
};
void wl_memory(const struct workload *w, struct wl_memory *m);

/* Fold per-task digests (in task order) into the run checksum. */
uint64_t wl_fold_digests(const uint64_t *digests, size_t n);

/* A fast, portable, non-cryptographic 64-bit hash (kernels/hash.c). */
uint64_t pb_hash64(const void *data, size_t len, uint64_t seed);
/* Streaming form for data that arrives in pieces (url bodies).  Gives the
 * same value as pb_hash64 over the concatenation. */
struct pb_hasher {
    uint64_t lane[4];       /* four independent accumulators (32-byte blocks) */
    uint64_t seed, total;   /* total bytes seen so far */
    unsigned char tail[32]; /* bytes of an incomplete block */
    unsigned ntail;
};
void pb_hash_init(struct pb_hasher *h, uint64_t seed);
void pb_hash_update(struct pb_hasher *h, const void *data, size_t len);
uint64_t pb_hash_final(const struct pb_hasher *h);

/* splitmix64: the deterministic generator behind every input. */
static inline uint64_t pb_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* CLOCK_MONOTONIC in seconds: comparable between processes on one host. */
double pb_now(void);

#endif
