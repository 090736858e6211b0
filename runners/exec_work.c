/* runners/exec_work.c: what a peer is told about each workload, and
 * parbench's own results its lines are checked against
 * (peers/PROTOCOL.md, "Workloads").
 *
 * The setup's params are every parameter the workload reports (its report
 * op: the report's own keys) and what it derived in setup (describe:
 * image width, height, kernel size and sigma), plus what the protocol
 * adds: spin's duration and iterations, url's "direct".  Each task carries
 * what makes it: prime's range, spin's starting state, url's address, the
 * image arenas' offsets.  Those are the protocol's per-workload contract,
 * which is why this file -- and only this one -- knows the workloads by
 * name.
 *
 * The reference: prime by a sieve of Eratosthenes over [0, limit) (tens of
 * milliseconds where trial division takes a second; the sums are the same
 * numbers), and beyond 2^26 by parbench's own kernel; url by fetching
 * every URL once with parbench's own client; image by parbench's own
 * pipeline on every task's input; spin by composing the loop's affine step
 * (x -> a x + c mod 2^64) by squaring, for whatever count the peer ran.
 * Computed once per process, before any peer is started, outside every
 * timed region. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/prime.h"
#include "kernels/spin.h"
#include "kernels/url.h"
#include "runners/exec.h"

#define SPIN_MUL 6364136223846793005ull
#define SPIN_ADD 1442695040888963407ull
#define SIEVE_MAX (1ull << 26)

static int is(const struct workload *w, const char *name)
{
    return strcmp(w->ops->name, name) == 0;
}

int exec_work_has_arenas(const struct workload *w)
{
    return is(w, "image");
}

static void sink_num(void *ctx, const char *key, double v)
{
    cJSON_AddNumberToObject(ctx, key, v);
}

static void sink_str(void *ctx, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(ctx, key, v);
    else
        cJSON_AddNullToObject(ctx, key);
}

/* The workload's reported parameters and derived values, one object. */
static cJSON *work_params(const struct workload *w)
{
    cJSON *o = cJSON_CreateObject();
    struct wl_sink s = {o, sink_num, sink_str};
    if (w->ops->report)
        w->ops->report(w, &s);
    if (w->ops->describe) {
        const char *keys[16];
        double vals[16];
        int n = w->ops->describe(w, keys, vals, 16);
        for (int i = 0; i < n; i++) {
            cJSON_DeleteItemFromObjectCaseSensitive(o, keys[i]);
            cJSON_AddNumberToObject(o, keys[i], vals[i]);
        }
    }
    return o;
}

static double num_of(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

double exec_spin_duration(const struct workload *w)
{
    /* parbench's iterations at this machine's rate for its own loop (the
     * rate measured once per process): so a peer told to calibrate its
     * own loop makes tasks as long as parbench's, whatever the language
     * -- and `parbench metg`, which pins --spin-iters, gets the durations
     * it means. */
    static double rate;
    cJSON *p = work_params(w);
    double iters = num_of(p, "spin_iters");
    cJSON_Delete(p);
    if (!(rate > 0))
        rate = spin_calibrate();
    return iters > 0 && rate > 0 ? iters / rate : 0.01;
}

static cJSON *arena_json(const struct peer_arena *a)
{
    if (!a)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    char path[128];
    snprintf(path, sizeof path, "/dev/shm/%s", a->name);
    cJSON_AddStringToObject(o, "shm", a->name);
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddNumberToObject(o, "size", (double)a->size);
    return o;
}

char *exec_setup_line(const struct workload *w, const struct task_data *d,
                      const struct run_options *o,
                      const struct peer_arena *in,
                      const struct peer_arena *out, double spin_duration_s,
                      double spin_iters)
{
    cJSON *doc = cJSON_CreateObject();
    char seed[24];
    snprintf(seed, sizeof seed, "%" PRIu64, w->p.seed);
    cJSON_AddStringToObject(doc, "type", "setup");
    cJSON_AddStringToObject(doc, "protocol", EXEC_PROTOCOL);
    cJSON_AddStringToObject(doc, "workload", w->ops->name);
    cJSON_AddNumberToObject(doc, "workers", o->workers);
    cJSON_AddStringToObject(doc, "transfer", o->transfer == TRANSFER_COPY
                                                 ? "copy" : "shared");
    cJSON_AddStringToObject(doc, "seed", seed);
    cJSON *params = work_params(w);
    uint64_t limit = (uint64_t)num_of(params, "limit");
    if (is(w, "spin")) {
        cJSON_DeleteItemFromObjectCaseSensitive(params, "duration_s");
        cJSON_AddNumberToObject(params, "duration_s", spin_duration_s);
        cJSON_AddNumberToObject(params, "iters", spin_iters > 0
                                                     ? spin_iters
                                                     : num_of(params,
                                                              "spin_iters"));
        cJSON_AddBoolToObject(params, "iters_fixed", spin_iters > 0);
    }
    if (is(w, "url"))
        cJSON_AddBoolToObject(params, "direct", url_is_embedded(w));
    cJSON_AddItemToObject(doc, "params", params);
    cJSON *tasks = cJSON_AddArrayToObject(doc, "tasks");
    for (size_t i = 0; i < d->ntasks; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddNumberToObject(t, "id", (double)i);
        if (is(w, "prime")) {
            uint64_t lo, hi;
            prime_task_range(limit, w->p.tasks, i, &lo, &hi);
            cJSON_AddNumberToObject(t, "lo", (double)lo);
            cJSON_AddNumberToObject(t, "hi", (double)hi);
        } else if (is(w, "spin")) {
            char x0[20];
            snprintf(x0, sizeof x0, "%016" PRIx64,
                     (uint64_t)(w->p.seed ^ (0x9e3779b97f4a7c15ull * (i + 1))));
            cJSON_AddStringToObject(t, "x0", x0);
        } else if (is(w, "url")) {
            const char *u = url_task_url(w, i);
            cJSON_AddStringToObject(t, "url", u ? u : "");
        } else if (exec_work_has_arenas(w)) {
            cJSON_AddNumberToObject(t, "in_off", (double)d->in_off[i]);
            cJSON_AddNumberToObject(t, "in_len", (double)d->in_len[i]);
            cJSON_AddNumberToObject(t, "out_off", (double)d->out_off[i]);
            cJSON_AddNumberToObject(t, "out_len", (double)d->out_len[i]);
        }
        cJSON_AddItemToArray(tasks, t);
    }
    cJSON_AddItemToObject(doc, "inputs", arena_json(in));
    cJSON_AddItemToObject(doc, "outputs", arena_json(out));
    cJSON_AddNumberToObject(doc, "task_timeout_s", o->task_timeout_s);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = 0;
    return line;
}

uint64_t exec_spin_expected(uint64_t x, uint64_t iters)
{
    uint64_t mul = 1, add = 0, sm = SPIN_MUL, sa = SPIN_ADD;
    while (iters) {
        if (iters & 1) {
            mul *= sm;
            add = add * sm + sa;
        }
        sa = sa * sm + sa;
        sm *= sm;
        iters >>= 1;
    }
    return x * mul + add;
}

/* ---------------------------------------------------------- reference */

struct exec_expect {
    size_t ntasks;
    int64_t *value;      /* prime: each range's sum; url: body bytes */
    uint64_t *digest;    /* url: each body's digest */
    int32_t *failed;     /* url: parbench's own fetch failed (no check) */
    uint8_t *out;        /* image: parbench's outputs, as the arena */
};

static struct exec_expect *cached;

static int prime_sieve(const struct workload *w, uint64_t limit,
                       struct exec_expect *e)
{
    uint8_t *comp = calloc(limit + 1, 1);
    if (!comp)
        return -1;
    for (uint64_t i = 2; i * i < limit; i++)
        if (!comp[i])
            for (uint64_t j = i * i; j < limit; j += i)
                comp[j] = 1;
    for (size_t t = 0; t < e->ntasks; t++) {
        uint64_t lo, hi;
        prime_task_range(limit, w->p.tasks, t, &lo, &hi);
        int64_t s = 0;
        for (uint64_t n = lo < 2 ? 2 : lo; n < hi && n < limit; n++)
            if (!comp[n])
                s += (int64_t)n;
        e->value[t] = s;
    }
    free(comp);
    return 0;
}

/* Run every task with parbench's own kernel in this thread. */
static int own_run(const struct workload *w, const struct task_data *d,
                   struct exec_expect *e, char *err, size_t errlen)
{
    void *ctx = NULL;
    if (w->ops->worker_init && w->ops->worker_init(w, &ctx) != 0) {
        snprintf(err, errlen, "parbench's own reference: worker "
                 "initialisation failed");
        return -1;
    }
    size_t maxout = 0;
    for (size_t i = 0; i < d->ntasks; i++)
        if (d->out_len[i] > maxout)
            maxout = d->out_len[i];
    uint8_t *scratch = e->out ? NULL : malloc(maxout ? maxout : 1);
    int rc = 0;
    for (size_t i = 0; i < d->ntasks && rc == 0; i++) {
        struct task_result r;
        memset(&r, 0, sizeof r);
        uint8_t *out = e->out ? e->out + d->out_off[i] : scratch;
        if (!out) {
            rc = -1;
            snprintf(err, errlen, "out of memory for parbench's reference");
            break;
        }
        wl_exec(w, ctx, i, d->in ? d->in + d->in_off[i] : NULL, out, &r);
        e->value[i] = r.value;
        e->digest[i] = r.digest;
        e->failed[i] = r.status != 0;
    }
    free(scratch);
    if (w->ops->worker_fini && ctx)
        w->ops->worker_fini(w, ctx);
    return rc;
}

struct exec_expect *exec_expect_get(const struct workload *w,
                                    const struct task_data *d, char *err,
                                    size_t errlen)
{
    if (cached && cached->ntasks == d->ntasks)
        return cached;
    struct exec_expect *e = calloc(1, sizeof *e);
    size_t n = d->ntasks;
    if (!e || !(e->value = calloc(n, sizeof *e->value)) ||
        !(e->digest = calloc(n, sizeof *e->digest)) ||
        !(e->failed = calloc(n, sizeof *e->failed)))
        goto oom;
    e->ntasks = n;
    int rc = 0;
    if (is(w, "spin"))
        ; /* recomputed per task from the peer's count */
    else if (is(w, "prime")) {
        cJSON *p = work_params(w);
        uint64_t limit = (uint64_t)num_of(p, "limit");
        cJSON_Delete(p);
        rc = limit <= SIEVE_MAX ? prime_sieve(w, limit, e)
                                : own_run(w, d, e, err, errlen);
        if (rc && !err[0])
            goto oom;
    } else {
        if (exec_work_has_arenas(w)) {
            size_t bytes = 0;
            for (size_t i = 0; i < n; i++)
                if (d->out_off[i] + d->out_len[i] > bytes)
                    bytes = d->out_off[i] + d->out_len[i];
            if (!(e->out = malloc(bytes ? bytes : 1)))
                goto oom;
        }
        rc = own_run(w, d, e, err, errlen);
    }
    if (rc) {
        free(e->value), free(e->digest), free(e->failed), free(e->out);
        free(e);
        return NULL;
    }
    cached = e;
    return e;
oom:
    if (e)
        free(e->value), free(e->digest), free(e->failed), free(e->out);
    free(e);
    snprintf(err, errlen, "out of memory for parbench's reference results");
    return NULL;
}

static double agree(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += abs((int)a[i] - (int)b[i]) <= 1;
    return n ? (double)ok / (double)n : 1.0;
}

#define IMAGE_AGREE_MIN 0.97

int exec_check_results(const struct workload *w, const struct task_data *d,
                       struct exec_expect *e, const struct peer_task *t,
                       const uint8_t *out_arena, double *agreement,
                       char *err, size_t errlen)
{
    *agreement = NAN;
    int image = exec_work_has_arenas(w);
    double least = 1.0;
    for (size_t i = 0; i < d->ntasks; i++) {
        const struct peer_task *x = &t[i];
        if (x->status != 0)
            continue; /* a failed task: the run is partial, not wrong */
        if (is(w, "prime")) {
            if (!x->has_value) {
                snprintf(err, errlen, "prime task %zu: no value", i);
                return -1;
            }
            if (x->value != e->value[i]) {
                snprintf(err, errlen, "result mismatch: prime task %zu: "
                         "value %" PRId64 ", parbench's %" PRId64, i,
                         x->value, e->value[i]);
                return -1;
            }
        } else if (is(w, "spin")) {
            if (!x->has_value || !x->has_iters) {
                snprintf(err, errlen, "spin task %zu: no value or iters", i);
                return -1;
            }
            uint64_t x0 = (uint64_t)(w->p.seed ^ (0x9e3779b97f4a7c15ull * (i + 1)));
            if (x->uvalue != exec_spin_expected(x0, x->iters)) {
                snprintf(err, errlen, "result mismatch: spin task %zu: "
                         "wrong value after %" PRIu64 " iterations", i,
                         x->iters);
                return -1;
            }
        } else if (is(w, "url")) {
            if (!x->has_digest) {
                snprintf(err, errlen, "url task %zu: no digest", i);
                return -1;
            }
            if (!e->failed[i] && (x->digest != e->digest[i] ||
                                  (x->has_value && x->value != e->value[i]))) {
                snprintf(err, errlen, "result mismatch: url task %zu: body "
                         "digest %016" PRIx64 " (%" PRId64 " bytes), "
                         "parbench's %016" PRIx64 " (%" PRId64 " bytes)", i,
                         x->digest, x->value, e->digest[i], e->value[i]);
                return -1;
            }
        } else if (image) {
            const uint8_t *got = out_arena + d->out_off[i];
            double a = agree(got, e->out + d->out_off[i], d->out_len[i]);
            if (a < least)
                least = a;
            if (a < IMAGE_AGREE_MIN) {
                snprintf(err, errlen, "result mismatch: image task %zu: "
                         "%.2f%% of bytes within one level of parbench's "
                         "(at least %.0f%% needed)", i, a * 100,
                         IMAGE_AGREE_MIN * 100);
                *agreement = a;
                return -1;
            }
            if (x->has_digest &&
                x->digest != pb_hash64(got, d->out_len[i], 0)) {
                snprintf(err, errlen, "image task %zu: its digest is not "
                         "that of its output in the arena", i);
                return -1;
            }
        }
    }
    if (image)
        *agreement = least;
    return 0;
}
