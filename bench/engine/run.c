/* bench/engine/run.c: one configuration, measured.
 *
 * Order of events: workload setup (parameter checks, calibration), input
 * arenas mapped MAP_SHARED and filled (timed as setup_s), then warm-up and
 * measured repetitions.  Around each repetition bench/ measures the driver
 * itself: CPU time from getrusage(RUSAGE_SELF) (all its threads) and peak
 * RSS from VmHWM after resetting it through /proc/self/clear_refs; the
 * runner adds the timed region and its worker processes' figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/engine/dump.h"
#include "bench/report/jsonmem.h"
#include "bench/engine/measure.h"
#include "bench/engine/plugin.h"
#include "bench/engine/run.h"
#include "bench/report/stats.h"

static void *map_arena(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int run_setup(struct run_state *s, struct run_plan *p, char *err,
              size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->plan = p;
    double t = pb_now();
    if (p->w.ops->setup) {
        int rc = p->w.ops->setup(&p->w, err, errlen);
        if (rc)
            return rc;
    }
    s->setup_done = 1;
    s->setup_s = pb_now() - t;
    return 0;
}

/* Offsets, arenas and inputs.  Failure is a run failure, not bad input. */
static int prepare_data(struct run_state *s)
{
    const struct workload *w = &s->plan->w;
    size_t n = w->p.tasks;
    size_t *off = calloc(4 * n, sizeof *off);
    if (!off) {
        snprintf(s->error, sizeof s->error, "out of memory for %zu tasks", n);
        return -1;
    }
    size_t *in_off = off, *in_len = off + n, *out_off = off + 2 * n,
           *out_len = off + 3 * n;
    for (size_t i = 0; i < n; i++) {
        in_off[i] = s->in_bytes;
        in_len[i] = w->ops->input_size(w, i);
        s->in_bytes += in_len[i];
        out_off[i] = s->out_bytes;
        out_len[i] = w->ops->output_size(w, i);
        s->out_bytes += out_len[i];
    }
    s->d = (struct task_data){.ntasks = n, .in_off = in_off, .in_len = in_len,
                              .out_off = out_off, .out_len = out_len,
                              .progress = s->progress};
    double t = pb_now();
    s->d.in = s->in_bytes ? map_arena(s->in_bytes) : NULL;
    s->d.out = map_arena(s->out_bytes);
    if ((s->in_bytes && !s->d.in) || !s->d.out) {
        snprintf(s->error, sizeof s->error,
                 "cannot map %zu bytes of inputs and %zu of outputs: %s",
                 s->in_bytes, s->out_bytes, strerror(errno));
        return -1;
    }
    if (s->in_bytes && w->ops->make_input)
        for (size_t i = 0; i < n; i++)
            w->ops->make_input(w, i, s->d.in + in_off[i]);
    s->setup_s += pb_now() - t;
    return 0;
}

void run_cleanup(struct run_state *s)
{
    if (s->d.in)
        munmap(s->d.in, s->in_bytes ? s->in_bytes : 1);
    if (s->d.out)
        munmap(s->d.out, s->out_bytes ? s->out_bytes : 1);
    free((void *)s->d.in_off);
    if (s->setup_done && s->plan->w.ops->teardown)
        s->plan->w.ops->teardown(&s->plan->w);
    memset(&s->d, 0, sizeof s->d);
}

/* What one repetition measured, flattened for the summary. */
struct rep {
    double wall, user, sys, util, spawn, stop;
    uint64_t rss_driver, rss_wmax, rss_total, moved;
    uint64_t checksum;
    size_t failed_tasks;
    int timed_out;     /* the runner ended it: a task or the run too long */
    double longest_task; /* s, the longest task record */
};

static cJSON *task_json(size_t i, const struct task_record *t, int io)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)i);
    cJSON_AddNumberToObject(o, "worker", t->worker);
    cJSON_AddNumberToObject(o, "start_s", t->start_s);
    cJSON_AddNumberToObject(o, "end_s", t->end_s);
    if (t->host[0])
        cJSON_AddStringToObject(o, "host", t->host);
    if (io) {
        cJSON_AddNumberToObject(o, "http_status", t->res.http_status);
        cJSON_AddNumberToObject(o, "bytes", (double)t->res.bytes);
        cJSON_AddNumberToObject(o, "ttfb_s", t->res.ttfb_s);
        cJSON_AddNumberToObject(o, "latency_s", t->res.latency_s);
    }
    if (t->res.status != 0)
        cJSON_AddStringToObject(o, "error", t->res.error[0] ? t->res.error
                                                            : "task failed");
    return o;
}

/* One repetition; fills *r and, when rep_json is non-NULL, its object.
 * pool is the persistent pool, or NULL: then this repetition starts and
 * stops its own workers (open, run, close), and pays for it. */
static int one_rep(struct run_state *s, void *pool, struct task_record *recs,
                   int32_t *pids, uint64_t *digests, struct rep *r,
                   cJSON **rep_json, char *err, size_t errlen)
{
    struct run_plan *p = s->plan;
    struct run_measure m = {.tasks = recs, .pids = pids};
    memset(recs, 0, s->d.ntasks * sizeof *recs);
    memset(pids, 0, p->ro.workers * sizeof *pids);
    struct driver_usage before, after;
    driver_usage_begin(&before);
    if (pool)
        runner_settle(&p->ro);
    int rc = pool ? p->runner->run(pool, &m)
                  : runner_run_once(p->runner, &p->w, &s->d, &p->ro, &m);
    driver_usage_end(&before, &after);

    memset(r, 0, sizeof *r);
    r->wall = m.wall_s;
    r->spawn = m.spawn_s;
    r->stop = m.stop_s;
    r->user = after.user_s + m.workers_user_s;
    r->sys = after.sys_s + m.workers_sys_s;
    unsigned workers = p->ro.workers;
    r->util = m.wall_s > 0 ? (r->user + r->sys) / (m.wall_s * workers) : NAN;
    r->rss_driver = after.rss_peak;
    r->rss_wmax = m.workers_are_processes ? m.rss_worker_max : after.rss_peak;
    /* Total: each process's peak once.  When worker processes map the
     * driver's arenas, those are counted once, apart from every process's
     * own memory (peak less resident shared memory). */
    if (m.workers_share_arenas) {
        uint64_t own = after.rss_peak > after.rss_shmem
                           ? after.rss_peak - after.rss_shmem : 0;
        r->rss_total = own + s->in_bytes + s->out_bytes + m.rss_workers_sum;
    } else {
        r->rss_total = after.rss_peak + m.rss_workers_sum;
    }
    r->moved = m.bytes_moved;
    r->timed_out = m.timed_out;
    for (size_t i = 0; i < s->d.ntasks; i++) {
        digests[i] = recs[i].res.digest;
        if (recs[i].end_s - recs[i].start_s > r->longest_task)
            r->longest_task = recs[i].end_s - recs[i].start_s;
        if (recs[i].res.status != 0)
            r->failed_tasks++;
    }
    r->checksum = wl_fold_digests(digests, s->d.ntasks);
    if (rc != 0)
        snprintf(err, errlen, "%s", m.error[0] ? m.error : "runner failed");

    if (rep_json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "wall_s", r->wall);
        cJSON_AddNumberToObject(o, "user_s", r->user);
        cJSON_AddNumberToObject(o, "sys_s", r->sys);
        cJSON_AddNumberToObject(o, "cpu_utilization", r->util);
        cJSON *rss = cJSON_AddObjectToObject(o, "rss_peak_bytes");
        cJSON_AddNumberToObject(rss, "driver", (double)r->rss_driver);
        cJSON_AddNumberToObject(rss, "worker_max", (double)r->rss_wmax);
        cJSON_AddNumberToObject(rss, "total", (double)r->rss_total);
        cJSON_AddNumberToObject(o, "spawn_s", r->spawn);
        cJSON_AddNumberToObject(o, "stop_s", r->stop);
        cJSON_AddNumberToObject(o, "end_to_end_s",
                                r->spawn + r->wall + r->stop);
        cJSON *pj = cJSON_AddArrayToObject(o, "worker_pids");
        for (unsigned k = 0; k < p->ro.workers; k++)
            cJSON_AddItemToArray(pj, cJSON_CreateNumber(pids[k]));
        cJSON_AddNumberToObject(o, "bytes_moved", (double)r->moved);
        if (m.handout[0])
            cJSON_AddStringToObject(o, "handout", m.handout);
        char hex[17];
        snprintf(hex, sizeof hex, "%016" PRIx64, r->checksum);
        cJSON_AddStringToObject(o, "checksum", hex);
        if (rc != 0)
            cJSON_AddStringToObject(o, "error", err);
        int io = p->w.ops->kind == WL_IO;
        cJSON *tasks = p->no_task_records ? NULL
                                          : cJSON_AddArrayToObject(o, "tasks");
        for (size_t i = 0; tasks && i < s->d.ntasks; i++)
            cJSON_AddItemToArray(tasks, task_json(i, &recs[i], io));
        *rep_json = o;
    }
    return rc;
}

static cJSON *summary_json(const double *x, size_t n)
{
    struct pb_summary sm;
    pb_summarize(x, n, &sm);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", (double)n);
#define NUM(k, v) \
    (isfinite(v) ? cJSON_AddNumberToObject(o, k, v) : cJSON_AddNullToObject(o, k))
    NUM("min", sm.min);
    NUM("median", sm.median);
    NUM("mean", sm.mean);
    NUM("max", sm.max);
    NUM("stddev", sm.stddev);
#undef NUM
    if (isfinite(sm.ci_lo)) {
        cJSON *ci = cJSON_AddArrayToObject(o, "ci95");
        cJSON_AddItemToArray(ci, cJSON_CreateNumber(sm.ci_lo));
        cJSON_AddItemToArray(ci, cJSON_CreateNumber(sm.ci_hi));
    } else {
        cJSON_AddNullToObject(o, "ci95");
    }
    return o;
}

/* -1 when out of memory (the summary is then incomplete). */
static int add_summary(cJSON *run, const struct rep *reps, size_t n)
{
    cJSON *sum = cJSON_AddObjectToObject(run, "summary");
    double *x = calloc(n ? n : 1, sizeof *x);
    if (!x || !sum) {
        free(x);
        return -1;
    }
#define FIELD(key, expr)                                   \
    do {                                                   \
        for (size_t i = 0; i < n; i++)                     \
            x[i] = (double)(reps[i].expr);                 \
        cJSON_AddItemToObject(sum, key, summary_json(x, n)); \
    } while (0)
    FIELD("wall_s", wall);
    FIELD("user_s", user);
    FIELD("sys_s", sys);
    FIELD("cpu_utilization", util);
    FIELD("rss_driver_bytes", rss_driver);
    FIELD("rss_worker_max_bytes", rss_wmax);
    FIELD("rss_total_bytes", rss_total);
#undef FIELD
    free(x);
    return 0;
}

cJSON *run_config_json(struct run_state *s, cJSON *run)
{
    struct run_plan *p = s->plan;
    const struct workload *w = &p->w;
    cJSON_AddStringToObject(run, "workload", w->ops->name);
    cJSON_AddStringToObject(run, "runner", p->runner->name);
    cJSON_AddNumberToObject(run, "workers", p->ro.workers);
    cJSON_AddNumberToObject(run, "tasks", (double)w->p.tasks);
    cJSON *par = cJSON_AddObjectToObject(run, "params");
    cJSON_AddNumberToObject(par, "seed", (double)w->p.seed);
    cJSON_AddStringToObject(par, "transfer", transfer_name(p->ro.transfer));
    cJSON_AddStringToObject(par, "schedule", schedule_name(p->ro.schedule));
    cJSON_AddStringToObject(par, "pool", pool_name(p->ro.pool));
    cJSON_AddNumberToObject(par, "repeat", p->repeat);
    cJSON_AddNumberToObject(par, "warmup", p->warmup);
    /* What the workload adds (its own options) and what it derived. */
    cJSON *der = cJSON_AddObjectToObject(run, "derived");
    plug_report(w, s->setup_done, par, der);
    cJSON *lim = cJSON_AddObjectToObject(run, "limits");
    cJSON_AddNullToObject(lim, "cpus");
    cJSON_AddNullToObject(lim, "memory_bytes");
    cJSON_AddStringToObject(lim, "mechanism", "none");
    return par;
}

/* Once the first repetition (normally the warm-up) has shown how long this
 * configuration takes, the timeouts the user left to parbench follow from
 * it (run.h).  They go to the supervisor through the progress page. */
static void derive_timeouts(struct run_state *s, const struct rep *r)
{
    struct run_plan *p = s->plan;
    struct run_progress *pg = s->progress;
    if (!pg)
        return;
    if (p->task_timeout_s == 0) {
        double t = RUN_TASK_TIMEOUT_FACTOR * r->longest_task;
        if (t < RUN_TASK_TIMEOUT_MIN_S)
            t = RUN_TASK_TIMEOUT_MIN_S;
        atomic_store(&pg->task_timeout_ns, (int64_t)(t * 1e9));
    }
    if (p->run_timeout_s == 0) {
        double per = r->spawn + r->wall + r->stop;
        double left = (double)(p->warmup + p->repeat); /* an upper bound */
        double t = RUN_TIMEOUT_SLACK_S + RUN_TIMEOUT_FACTOR * left * per;
        atomic_store(&pg->deadline_ns, (int64_t)((pb_now() + t) * 1e9));
    }
}

cJSON *run_failed_json(struct run_state *s, const char *error)
{
    unsigned long mark = pb_json_mark();
    cJSON *run = cJSON_CreateObject();
    if (!run)
        return NULL;
    run_config_json(s, run);
    cJSON_AddStringToObject(run, "status", "failed");
    cJSON_AddStringToObject(run, "error", error);
    cJSON *res = cJSON_AddObjectToObject(run, "result");
    cJSON_AddNullToObject(res, "checksum");
    cJSON_AddNullToObject(res, "value");
    cJSON_AddArrayToObject(run, "repetitions");
    cJSON_AddObjectToObject(run, "summary");
    if (pb_json_failed_since(mark)) {
        cJSON_Delete(run);
        return NULL;
    }
    return run;
}

cJSON *run_oom_json(struct run_state *s)
{
    char msg[160];
    snprintf(msg, sizeof msg, "out of memory building the report (%zu "
             "tasks, %u repetitions)", s->plan->w.p.tasks, s->plan->repeat);
    return run_failed_json(s, msg);
}

cJSON *run_execute(struct run_state *s, int *status)
{
    struct run_plan *p = s->plan;
    /* Every allocation of the run object is checked at once, at the end:
     * a run object that lost a key to a failed allocation is replaced
     * by a failed one saying so, never written as if complete. */
    unsigned long mark = pb_json_mark();
    cJSON *run = cJSON_CreateObject();
    if (!run) {
        *status = 1;
        return NULL;
    }
    run_config_json(s, run);
    cJSON *reps_json = cJSON_CreateArray();
    char err[256] = "";
    const char *st = "ok";
    size_t n = p->w.p.tasks;
    struct rep *reps = calloc(p->repeat, sizeof *reps);
    struct task_record *recs = calloc(n, sizeof *recs);
    uint64_t *digests = calloc(n, sizeof *digests);
    int32_t *pids = calloc(p->ro.workers, sizeof *pids);
    void *pool = NULL;
    struct run_measure pm = {0}; /* the persistent pool's start and stop */
    size_t done = 0;
    uint64_t checksum = 0;
    int64_t value = 0;
    if (!reps || !recs || !digests || !pids) {
        snprintf(err, sizeof err, "out of memory for %zu tasks", n);
        st = "failed";
    } else if (prepare_data(s) != 0) {
        snprintf(err, sizeof err, "%s", s->error);
        st = "failed";
    } else if (p->ro.pool == POOL_PERSISTENT &&
               p->runner->open(&p->w, &s->d, &p->ro, &pool, &pm) != 0) {
        snprintf(err, sizeof err, "%s", pm.error[0] ? pm.error
                                                    : "could not start the pool");
        st = "failed";
    }
    /* Failed tasks (a URL answering 404) make the run "partial" but do not
     * stop it: the repetitions still run and are reported, so each task's
     * error reaches the report even when the warm-up met it first.  A
     * runner failure ("failed") stops it.  The result and the status come
     * from the measured repetitions only: a warm-up that a flaky server
     * still answered says nothing about them.  Every repetition without
     * a failed task, the warm-up included, must give the same checksum. */
    int have_ref = 0;
    uint64_t ref = 0;
    size_t failed_measured = 0; /* failed tasks over measured repetitions */
    for (unsigned k = 0; strcmp(st, "failed") != 0 && k < p->warmup + p->repeat;
         k++) {
        int measured = k >= p->warmup;
        struct rep r;
        cJSON *rj = NULL;
        int rc = one_rep(s, pool, recs, pids, digests, &r,
                         measured ? &rj : NULL, err, sizeof err);
        if (rj)
            cJSON_AddItemToArray(reps_json, rj);
        if (rc != 0) {
            st = r.timed_out ? "timeout" : "failed";
            break;
        }
        if (k == 0)
            derive_timeouts(s, &r);
        if (!r.failed_tasks && !have_ref) {
            ref = r.checksum;
            have_ref = 1;
        } else if (!r.failed_tasks && r.checksum != ref) {
            snprintf(err, sizeof err, "checksum differs between repetitions "
                     "(%016" PRIx64 " then %016" PRIx64 ")", ref, r.checksum);
            st = "failed";
            break;
        }
        if (!measured)
            continue;
        if (done == 0) {
            checksum = r.checksum;
            value = 0; /* a failed task has no value */
            for (size_t i = 0; i < n; i++)
                value += recs[i].res.status == 0 ? recs[i].res.value : 0;
        }
        if (r.failed_tasks) {
            size_t first = 0;
            while (first < n && recs[first].res.status == 0)
                first++;
            snprintf(err, sizeof err, "%zu of %zu tasks failed; first: task "
                     "%zu: %s", r.failed_tasks, n, first,
                     recs[first].res.error);
            st = "partial";
            failed_measured += r.failed_tasks;
        }
        reps[done++] = r;
    }
    /* Nothing measured succeeded: there is no result to report. */
    int no_result = done && failed_measured == done * n;
    if (no_result && !strcmp(st, "partial")) {
        char why[sizeof err];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, sizeof err, "every task of every measured repetition "
                 "failed (%u repetition%s); last: %.160s", (unsigned)done,
                 done == 1 ? "" : "s", why);
        st = "failed";
    }
    if (pool) {
        pm.error[0] = 0;
        if (p->runner->close(pool, &pm) != 0 && strcmp(st, "failed")) {
            snprintf(err, sizeof err, "%s", pm.error);
            st = "failed";
        }
    }
    if (!strcmp(st, "ok") && p->dump) {
        char derr[200];
        if (dump_images(&p->w, &s->d, p->dump, derr, sizeof derr) != 0) {
            snprintf(err, sizeof err, "--dump: %s", derr);
            st = "failed";
        }
    }
    cJSON_AddStringToObject(run, "status", st);
    if (err[0])
        cJSON_AddStringToObject(run, "error", err);
    else
        cJSON_AddNullToObject(run, "error");
    cJSON *res = cJSON_AddObjectToObject(run, "result");
    char hex[17];
    snprintf(hex, sizeof hex, "%016" PRIx64, checksum);
    if (done && !no_result)
        cJSON_AddStringToObject(res, "checksum", hex);
    else
        cJSON_AddNullToObject(res, "checksum");
    if (p->w.ops->has_value && done && !no_result)
        cJSON_AddNumberToObject(res, "value", (double)value);
    else
        cJSON_AddNullToObject(res, "value");
    cJSON *pj = cJSON_AddObjectToObject(run, "pool");
    cJSON_AddStringToObject(pj, "mode", pool_name(p->ro.pool));
    if (p->ro.pool == POOL_PERSISTENT) {
        /* Started once before the warm-up, stopped after the last
         * repetition: its start-up is not in any repetition's spawn_s. */
        cJSON_AddNumberToObject(pj, "spawn_s", pm.spawn_s);
        cJSON_AddNumberToObject(pj, "stop_s", pm.stop_s);
        cJSON *ids = cJSON_AddArrayToObject(pj, "pids");
        for (unsigned k = 0; done && k < p->ro.workers; k++)
            cJSON_AddItemToArray(ids, cJSON_CreateNumber(pids[k]));
    }
    cJSON_AddNumberToObject(run, "setup_s", s->setup_s);
    cJSON_AddNumberToObject(run, "input_bytes", (double)s->in_bytes);
    cJSON_AddNumberToObject(run, "output_bytes", (double)s->out_bytes);
    cJSON_AddItemToObject(run, "repetitions", reps_json);
    int incomplete = add_summary(run, reps, done) != 0 || !reps_json;
    free(reps), free(recs), free(digests), free(pids);
    *status = strcmp(st, "ok") != 0;
    if (incomplete || pb_json_failed_since(mark)) {
        cJSON_Delete(run); /* its memory is what the short one needs */
        *status = 1;
        return run_oom_json(s);
    }
    return run;
}
