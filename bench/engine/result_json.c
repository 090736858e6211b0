/* bench/engine/result_json.c: a run's result as the report's run object --
 * the only place one is made (result.h).  The keys and their order are the
 * report's stable format (DESIGN.md, README "The report"); every run
 * object has every key, whatever its status, so a failed run reads like
 * any other with empty repetitions.
 *
 * cJSON reports a failed allocation only through NULL returns that a
 * builder cannot check at every key, so the whole object is checked once,
 * at the end (bench/report/jsonmem.h): an object that lost a key is
 * replaced by a failed run saying memory ran out, never written as if
 * complete. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/engine/result.h"
#include "bench/engine/run.h"
#include "bench/report/jsonmem.h"
#include "bench/report/stats.h"

/* Kinds of workload whose tasks and repetitions carry more keys. */
struct shape {
    int io;   /* url: http_status, bytes, ttfb_s, latency_s */
    int deps; /* task dependencies: ready_s; critical path, input wait */
    int disk; /* disk workloads: the read/compute/write split, bytes */
};

static void num_or_null(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *task_json(size_t i, const struct task_out *t,
                        const struct run_result *r, struct shape sh)
{
    int io = sh.io, deps = sh.deps;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)i);
    cJSON_AddNumberToObject(o, "worker", t->worker);
    cJSON_AddNumberToObject(o, "start_s", t->start_s);
    cJSON_AddNumberToObject(o, "end_s", t->end_s);
    if (deps)
        cJSON_AddNumberToObject(o, "ready_s", t->ready_s);
    if (t->host && t->host <= r->text_len)
        cJSON_AddStringToObject(o, "host", r->text + t->host - 1);
    if (io) {
        cJSON_AddNumberToObject(o, "http_status", t->http_status);
        cJSON_AddNumberToObject(o, "bytes", (double)t->bytes);
        cJSON_AddNumberToObject(o, "ttfb_s", t->ttfb_s);
        cJSON_AddNumberToObject(o, "latency_s", t->latency_s);
    }
    if (sh.disk) {
        cJSON_AddNumberToObject(o, "level", t->level);
        cJSON_AddNumberToObject(o, "read_s", t->read_s);
        cJSON_AddNumberToObject(o, "compute_s", t->compute_s);
        cJSON_AddNumberToObject(o, "write_s", t->write_s);
        cJSON_AddNumberToObject(o, "io_blocked_s", t->io_blocked_s);
        cJSON_AddNumberToObject(o, "read_bytes", (double)t->read_bytes);
        cJSON_AddNumberToObject(o, "write_bytes", (double)t->write_bytes);
        cJSON_AddNumberToObject(o, "device_read_bytes",
                                (double)t->dev_read_bytes);
        cJSON_AddNumberToObject(o, "device_write_bytes",
                                (double)t->dev_write_bytes);
    }
    if (t->failed)
        cJSON_AddStringToObject(o, "error", t->error && t->error <= r->text_len
                                                ? r->text + t->error - 1
                                                : "task failed");
    return o;
}

static cJSON *io_json(const struct rep_io *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "read_s", x->read_s);
    cJSON_AddNumberToObject(o, "compute_s", x->compute_s);
    cJSON_AddNumberToObject(o, "write_s", x->write_s);
    cJSON_AddNumberToObject(o, "io_blocked_s", x->io_blocked_s);
    cJSON_AddNumberToObject(o, "read_bytes", (double)x->read_bytes);
    cJSON_AddNumberToObject(o, "write_bytes", (double)x->write_bytes);
    cJSON_AddNumberToObject(o, "device_read_bytes", (double)x->dev_read_bytes);
    cJSON_AddNumberToObject(o, "device_write_bytes",
                            (double)x->dev_write_bytes);
    num_or_null(o, "blkio_delay_s", x->blkio_s);
    num_or_null(o, "pressure_some_s", x->psi_some_s);
    num_or_null(o, "pressure_full_s", x->psi_full_s);
    return o;
}

static cJSON *rep_json(const struct run_result *r, size_t k, struct shape sh)
{
    int deps = sh.deps;
    const struct rep_result *p = &r->reps[k];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "wall_s", p->wall_s);
    cJSON_AddNumberToObject(o, "user_s", p->user_s);
    cJSON_AddNumberToObject(o, "sys_s", p->sys_s);
    cJSON_AddNumberToObject(o, "cpu_utilization", p->cpu_utilization);
    cJSON *rss = cJSON_AddObjectToObject(o, "rss_peak_bytes");
    cJSON_AddNumberToObject(rss, "driver", (double)p->rss_driver);
    cJSON_AddNumberToObject(rss, "worker_max", (double)p->rss_worker_max);
    cJSON_AddNumberToObject(rss, "total", (double)p->rss_total);
    cJSON_AddNumberToObject(o, "spawn_s", p->spawn_s);
    cJSON_AddNumberToObject(o, "stop_s", p->stop_s);
    cJSON_AddNumberToObject(o, "end_to_end_s",
                            p->spawn_s + p->wall_s + p->stop_s);
    cJSON *pj = cJSON_AddArrayToObject(o, "worker_pids");
    for (unsigned w = 0; w < r->workers; w++)
        cJSON_AddItemToArray(pj, cJSON_CreateNumber(r->pids[k * r->workers + w]));
    cJSON_AddNumberToObject(o, "bytes_moved", (double)p->bytes_moved);
    if (p->handout[0])
        cJSON_AddStringToObject(o, "handout", p->handout);
    if (p->rss_source[0])
        cJSON_AddStringToObject(o, "rss_source", p->rss_source);
    if (isfinite(p->agreement))
        cJSON_AddNumberToObject(o, "agreement", p->agreement);
    if (deps) {
        num_or_null(o, "critical_path_s", p->critical_path_s);
        num_or_null(o, "input_wait_s", p->input_wait_s);
    }
    if (sh.disk)
        cJSON_AddItemToObject(o, "io", io_json(&p->io));
    char hex[17];
    snprintf(hex, sizeof hex, "%016" PRIx64, p->checksum);
    cJSON_AddStringToObject(o, "checksum", hex);
    if (k + 1 == r->nreps && r->last_rep_failed)
        cJSON_AddStringToObject(o, "error", r->last_rep_error);
    if (r->tasks) {
        cJSON *tasks = cJSON_AddArrayToObject(o, "tasks");
        const struct task_out *t = r->tasks + k * r->ntasks;
        for (size_t i = 0; i < r->ntasks; i++)
            cJSON_AddItemToArray(tasks, task_json(i, &t[i], r, sh));
    }
    return o;
}

static cJSON *stat_json(const double *x, size_t n)
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
static int add_summary(cJSON *run, const struct run_result *r)
{
    size_t n = r->nsummary;
    cJSON *sum = cJSON_AddObjectToObject(run, "summary");
    double *x = calloc(n ? n : 1, sizeof *x);
    if (!x || !sum) {
        free(x);
        return -1;
    }
#define FIELD(key, expr)                                   \
    do {                                                   \
        for (size_t i = 0; i < n; i++)                     \
            x[i] = (double)(r->reps[i].expr);              \
        cJSON_AddItemToObject(sum, key, stat_json(x, n));  \
    } while (0)
    FIELD("wall_s", wall_s);
    FIELD("user_s", user_s);
    FIELD("sys_s", sys_s);
    FIELD("cpu_utilization", cpu_utilization);
    FIELD("rss_driver_bytes", rss_driver);
    FIELD("rss_worker_max_bytes", rss_worker_max);
    FIELD("rss_total_bytes", rss_total);
#undef FIELD
    free(x);
    return 0;
}

static cJSON *limits_obj(const struct run_result *r)
{
    if (!r->limited) {
        cJSON *lim = cJSON_CreateObject();
        cJSON_AddNullToObject(lim, "cpus");
        cJSON_AddNullToObject(lim, "memory_bytes");
        cJSON_AddStringToObject(lim, "mechanism", "none");
        return lim;
    }
    cJSON *lj = limits_json(&r->limits);
    if (r->cgroup_memory_peak)
        cJSON_AddNumberToObject(lj, "cgroup_memory_peak_bytes",
                                (double)r->cgroup_memory_peak);
    return lj;
}

static cJSON *build(const struct run_result *r, struct run_state *s,
                    const struct run_cell *cell)
{
    const struct run_plan *p = s->plan;
    cJSON *run = cJSON_CreateObject();
    if (!run)
        return NULL;
    run_config_json(s, run);
    cJSON_AddItemToObject(run, "limits", limits_obj(r));
    cJSON_AddStringToObject(run, "status", run_status_name(r->status));
    if (r->error[0])
        cJSON_AddStringToObject(run, "error", r->error);
    else
        cJSON_AddNullToObject(run, "error");
    cJSON *res = cJSON_AddObjectToObject(run, "result");
    char hex[17];
    snprintf(hex, sizeof hex, "%016" PRIx64, r->checksum);
    if (r->has_checksum)
        cJSON_AddStringToObject(res, "checksum", hex);
    else
        cJSON_AddNullToObject(res, "checksum");
    if (r->has_value)
        cJSON_AddNumberToObject(res, "value", (double)r->value);
    else
        cJSON_AddNullToObject(res, "value");
    cJSON *pj = cJSON_AddObjectToObject(run, "pool");
    cJSON_AddStringToObject(pj, "mode", pool_name(p->ro.pool));
    if (p->ro.pool == POOL_PERSISTENT) {
        /* Started once before the warm-up, stopped after the last
         * repetition: its start-up is not in any repetition's spawn_s.
         * Its workers are those of the last repetition run. */
        cJSON_AddNumberToObject(pj, "spawn_s", r->pool_spawn_s);
        cJSON_AddNumberToObject(pj, "stop_s", r->pool_stop_s);
        cJSON *ids = cJSON_AddArrayToObject(pj, "pids");
        const int32_t *last = r->nsummary
                                  ? r->pids + (r->nreps - 1) * r->workers
                                  : NULL;
        for (unsigned k = 0; last && k < r->workers; k++)
            cJSON_AddItemToArray(ids, cJSON_CreateNumber(last[k]));
    }
    cJSON_AddNumberToObject(run, "setup_s", r->setup_s);
    cJSON_AddNumberToObject(run, "input_bytes", (double)r->input_bytes);
    cJSON_AddNumberToObject(run, "output_bytes", (double)r->output_bytes);
    cJSON *reps = cJSON_AddArrayToObject(run, "repetitions");
    struct shape sh = {.io = p->w.ops->kind == WL_IO,
                       .deps = (p->w.ops->kind & WL_DEPS) != 0,
                       .disk = (p->w.ops->kind & WL_DISK) != 0};
    for (size_t k = 0; reps && k < r->nreps; k++)
        cJSON_AddItemToArray(reps, rep_json(r, k, sh));
    int incomplete = add_summary(run, r) != 0 || !reps;
    /* A runner that names itself (exec: the peer's language and model). */
    if (r->runner_label[0])
        cJSON_AddStringToObject(run, "runner_label", r->runner_label);
    else if (p->runner->variant)
        cJSON_AddStringToObject(run, "runner_label", p->runner_name);
    if (r->runner_info[0]) {
        cJSON *info = cJSON_Parse(r->runner_info);
        if (cJSON_IsObject(info))
            cJSON_AddItemToObject(run, "runner_info", info);
        else
            cJSON_Delete(info);
    }
    if (cell) {
        cJSON *c = cJSON_AddObjectToObject(run, "cell");
        cJSON_AddNumberToObject(c, "index", (double)cell->index);
        cJSON_AddStringToObject(c, "experiment", cell->experiment);
        cJSON_AddStringToObject(c, "key", cell->key);
    }
    if (incomplete) {
        cJSON_Delete(run);
        return NULL;
    }
    return run;
}

cJSON *run_result_json(struct run_result *r, struct run_state *s,
                       const struct run_cell *cell)
{
    unsigned long mark = pb_json_mark();
    cJSON *run = build(r, s, cell);
    if (run && !pb_json_failed_since(mark))
        return run;
    /* Its memory is what the short one needs. */
    cJSON_Delete(run);
    run_result_fail_oom(r, s->plan->w.p.tasks, s->plan->repeat);
    mark = pb_json_mark();
    run = build(r, s, cell);
    if (run && !pb_json_failed_since(mark))
        return run;
    cJSON_Delete(run);
    return NULL;
}
