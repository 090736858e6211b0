/* kernels/workload.h: the public face of kernels/.
 *
 * A workload is the work itself, knowing nothing of how it is run: how many
 * tasks there are, how big each task's input and output are, how to make
 * task i's input, how to run task i, and how its result folds into the run's
 * checksum.  Runners include this header (and runners/runner.h), never
 * anything from bench/.  Nothing here knows about threads, processes or MPI.
 */
#ifndef PB_WORKLOAD_H
#define PB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* What kind of work a workload is; runners declare which kinds they run. */
enum wl_kind {
    WL_CPU = 1u << 0, /* compute-bound: image, prime, spin */
    WL_IO = 1u << 1,  /* waits on the network: url */
};

enum blur_mode { BLUR_SEPARABLE = 0, BLUR_DIRECT = 1 };

/* Every workload parameter, parsed by bench/ from the command line.  Each
 * workload reads the fields it needs and ignores the others. */
struct wl_params {
    uint64_t seed;       /* inputs are a pure function of (seed, task index) */
    size_t tasks;        /* number of tasks, >= 1 */
    /* image */
    uint64_t size_bytes; /* total RGB bytes over all tasks */
    unsigned complexity; /* blur kernel k = 5*complexity (+1 if even) */
    enum blur_mode blur;
    int brightness;      /* offset added with saturation, default +30 */
    /* prime */
    uint64_t limit;      /* sum primes p < limit */
    /* spin */
    double duration_s;   /* compute time per task, turned into iterations */
    uint64_t spin_iters; /* iterations per task; 0 = calibrate from duration */
    /* url */
    const char *urls_file; /* NULL: use base_url with --tasks paths */
    const char *base_url;  /* e.g. http://127.0.0.1:PORT (embedded server) */
    double timeout_s;      /* per request */
    int tasks_given;       /* --tasks was explicit: with urls_file it must
                              equal the number of URLs (setup sets tasks) */
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
    char error[PB_ERR_MAX]; /* "" when status == 0 */
};

struct workload;

/* One workload kind.  Every function pointer may be called from any thread
 * or process: they must only read *w (after setup) and their arguments. */
struct workload_ops {
    const char *name;
    const char *help;     /* one line for `parbench list` */
    unsigned kind;        /* enum wl_kind */
    int has_value;        /* 1: report result.value = sum of task values */
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
    /* Optional: bytes one worker's context (worker_init) holds, after
     * setup; NULL means it is negligible.  For the memory check made
     * before a run (with input_size and output_size). */
    size_t (*worker_bytes)(const struct workload *w);
};

struct workload {
    const struct workload_ops *ops;
    struct wl_params p;
    void *plan; /* private to the workload, built by setup() */
};

/* All workloads, NULL-terminated, in the order `parbench list` shows. */
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
