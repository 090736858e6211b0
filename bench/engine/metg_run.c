/* bench/engine/metg_run.c: one METG sweep, run point by point through the same
 * path as `parbench run` (bench/engine/runone.c), so a
 * point is measured exactly like a run of the spin workload would be, with
 * the same warm-up, repetitions and limits.
 *
 * Useful work is measured, not assumed: the entry's own runner at 1 worker
 * runs tasks of the largest duration (where per-task overhead is
 * negligible), giving seconds per spin iteration (iter_s).  Task Bench
 * likewise takes its peak from the same runtime.  That baseline runs
 * without --cpus/--memory: useful work is what the work costs on an
 * unhindered CPU, so a limit shows up as lost efficiency. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/metg_run.h"
#include "bench/engine/runone.h"
#include "bench/host/host.h"
#include "bench/report/stats.h"
#include "kernels/spin.h"

void metg_format_s(double s, char *buf, size_t n)
{
    static const struct { double f; const char *unit; } u[] = {
        {1e9, "ns"}, {1e6, "us"}, {1e3, "ms"}, {1, "s"}};
    if (!isfinite(s)) {
        snprintf(buf, n, "-");
        return;
    }
    /* The smallest unit that keeps 3 significant digits under 1000. */
    size_t k = 0;
    while (k + 1 < sizeof u / sizeof *u && s * u[k].f >= 999.5)
        k++;
    snprintf(buf, n, "%.3g %s", s * u[k].f, u[k].unit);
}

int metg_config(const struct metg_entry *e, const struct metg_opts *o,
                unsigned workers, uint64_t tasks, uint64_t iters, int limited,
                struct run_config *c, char *err, size_t errlen)
{
    char w[24], t[24], it[24], rep[24], wu[24];
    snprintf(w, sizeof w, "%u", workers);
    snprintf(t, sizeof t, "%llu", (unsigned long long)tasks);
    snprintf(it, sizeof it, "%llu", (unsigned long long)iters);
    snprintf(rep, sizeof rep, "%u", o->repeat);
    snprintf(wu, sizeof wu, "%u", o->warmup);
    const char *set[][2] = {
        {"workload", "spin"}, {"runner", e->runner}, {"workers", w},
        {"tasks", t}, {"spin-iters", it}, {"repeat", rep}, {"warmup", wu},
        {"schedule", e->schedule}, {"transfer", e->transfer},
        {"pool", o->pool},
    };
    config_defaults(c);
    for (size_t i = 0; i < sizeof set / sizeof *set; i++)
        if (set[i][1] && config_set(c, set[i][0], set[i][1], err, errlen))
            return -EINVAL;
    c->quiet = 1;
    if (limited) {
        c->cpus = o->cpus;
        c->memory = o->memory;
    }
    return 0;
}

/* Run e at `workers` with tasks x iters; the median wall (baseline: the
 * fastest), or NaN with err.  all (optional) gets every repetition's wall;
 * mech the limits' mechanism.  The run takes the path of `parbench run`,
 * its result read as the typed struct it is. */
static double measure(const struct metg_entry *e, const struct metg_opts *o,
                      unsigned workers, uint64_t tasks, uint64_t iters,
                      int baseline, cJSON *all, char *mech, size_t mechlen,
                      char *err, size_t errlen)
{
    struct run_config c;
    if (metg_config(e, o, workers, tasks, iters, !baseline, &c, err, errlen))
        return NAN;
    if (baseline && c.repeat < 3)
        c.repeat = 3;
    struct run_plan plan;
    struct run_outcome out;
    struct run_request rq = {.mode = RUN_EXECUTE, .cfg = &c,
                             .no_task_records = 1};
    if (run_one(&rq, &plan, &out, err, errlen)) {
        run_outcome_free(&out);
        return NAN;
    }
    const struct run_result *r = &out.res;
    double wall = NAN;
    if (r->status != RUN_OK) {
        snprintf(err, errlen, "%s: %.*s", run_status_name(r->status),
                 (int)(errlen > 16 ? errlen - 16 : 0),
                 r->error[0] ? r->error : "the run failed");
    } else {
        double *x = calloc(r->nsummary ? r->nsummary : 1, sizeof *x);
        for (size_t k = 0; x && k < r->nsummary; k++)
            x[k] = r->reps[k].wall_s;
        struct pb_summary sm;
        pb_summarize(x, x ? r->nsummary : 0, &sm);
        free(x);
        wall = baseline ? sm.min : sm.median;
        if (!(wall > 0)) {
            snprintf(err, errlen, "the run measured no wall time");
            wall = NAN;
        }
    }
    for (size_t k = 0; all && k < r->nreps; k++)
        cJSON_AddItemToArray(all, cJSON_CreateNumber(r->reps[k].wall_s));
    if (mech)
        snprintf(mech, mechlen, "%.*s", (int)mechlen,
                 r->limited ? r->limits.mechanism : "none");
    run_outcome_free(&out);
    return wall;
}

/* Put pre in front of the message in err (cut at the end if need be). */
static void prefix(char *err, size_t n, const char *pre)
{
    size_t l = strlen(pre), e = strlen(err);
    if (l >= n)
        return;
    if (l + e >= n)
        e = n - 1 - l;
    memmove(err + l, err, e);
    memcpy(err, pre, l);
    err[l + e] = 0;
}

static void add_num_or_null(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *entry_frame(const struct metg_entry *e, const struct metg_opts *o)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "runner", e->runner);
    cJSON_AddNumberToObject(j, "workers", e->workers);
    cJSON_AddStringToObject(j, "label", e->label);
    cJSON *par = cJSON_AddObjectToObject(j, "params");
    /* The names the run path resolved, defaults included. */
    struct run_config c;
    struct run_plan plan;
    char err[256];
    if (!metg_config(e, o, e->workers, 1, 1, 0, &c, err, sizeof err) &&
        !config_resolve(&c, &plan, err, sizeof err)) {
        cJSON_AddStringToObject(par, "transfer", transfer_name(plan.ro.transfer));
        cJSON_AddStringToObject(par, "schedule", schedule_name(plan.ro.schedule));
        cJSON_AddStringToObject(par, "pool", pool_name(plan.ro.pool));
    }
    cJSON *lim = cJSON_AddObjectToObject(j, "limits");
    add_num_or_null(lim, "cpus", o->cpus > 0 ? o->cpus : NAN);
    add_num_or_null(lim, "memory_bytes", o->memory ? (double)o->memory : NAN);
    cJSON *sw = cJSON_AddObjectToObject(j, "sweep");
    cJSON_AddNumberToObject(sw, "start_s", o->sweep.start_s);
    cJSON_AddNumberToObject(sw, "floor_s", o->sweep.floor_s);
    cJSON_AddNumberToObject(sw, "stop_efficiency", o->sweep.stop_eff);
    cJSON_AddNumberToObject(sw, "work_s", o->sweep.work_s);
    cJSON_AddNumberToObject(sw, "repeat", o->repeat);
    cJSON_AddNumberToObject(sw, "warmup", o->warmup);
    /* Other load skews every point of a shared machine: say how much there
     * was when the sweep started. */
    double load;
    if (getloadavg(&load, 1) == 1)
        cJSON_AddNumberToObject(sw, "loadavg_1m", load);
    return j;
}

static void log_point(const struct metg_opts *o, const cJSON *pt)
{
    if (!o->log)
        return;
    char t[32];
    metg_format_s(cJSON_GetObjectItem(pt, "task_s")->valuedouble, t, sizeof t);
    fprintf(o->log, "  %10s %9.0f %10.4f %10.3f\n", t,
            cJSON_GetObjectItem(pt, "tasks")->valuedouble,
            cJSON_GetObjectItem(pt, "wall_s")->valuedouble,
            cJSON_GetObjectItem(pt, "efficiency")->valuedouble);
}

/* METG(50%) of the points measured, into j, with a note saying what a
 * null means. */
static void add_metg(cJSON *j, const struct metg_point *pts, size_t n,
                     const struct metg_opts *o)
{
    double m = NAN;
    char note[200] = "", a[32], b[32];
    int rc = n ? metg_find(pts, n, 0.5, &m) : -EINVAL;
    if (rc == 1) {
        metg_format_s(pts[n - 1].task_s, a, sizeof a);
        snprintf(note, sizeof note, "efficiency stayed at or above 50%% down "
                 "to the sweep's last point, %s: METG(50%%) is below it", a);
    } else if (rc == 2) {
        metg_format_s(pts[0].task_s, a, sizeof a);
        snprintf(note, sizeof note, "efficiency was below 50%% from the "
                 "first point, %s: METG(50%%) is above the sweep", a);
    } else if (rc < 0) {
        snprintf(note, sizeof note, "no point was measured");
    }
    add_num_or_null(j, "metg50_s", rc == 0 ? m : NAN);
    if (note[0])
        cJSON_AddStringToObject(j, "metg50_note", note);
    else
        cJSON_AddNullToObject(j, "metg50_note");
    if (o->log) {
        metg_format_s(m, b, sizeof b);
        fprintf(o->log, "  METG(50%%): %s\n", rc == 0 ? b : note);
    }
}

cJSON *metg_run_entry(const struct metg_entry *e, const struct metg_opts *o,
                      int *failed)
{
    const struct metg_sweep *sw = &o->sweep;
    cJSON *j = entry_frame(e, o);
    char err[512] = "", mech[32] = "none";
    const cJSON *load = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "sweep"),
                                            "loadavg_1m");
    if (o->log)
        fprintf(o->log, "metg: %s (load average %.2f on %u CPUs)\n", e->label,
                cJSON_IsNumber(load) ? load->valuedouble : NAN,
                host_effective_cpus());
    /* iter_s: the largest task size on 1 worker of the same runner, the
     * fastest of at least 3 repetitions (the least disturbed by other load,
     * as in spin_calibrate).  The calibration only sizes those tasks; the
     * run measures. */
    uint64_t iters0 = metg_spin_iters(sw->start_s, 1 / spin_calibrate());
    uint64_t tasks0 = metg_tasks(sw, sw->start_s, 1, 0, 0, 0);
    double wall0 = measure(e, o, 1, tasks0, iters0, 1, NULL, NULL, 0, err,
                           sizeof err);
    double iter_s = wall0 / ((double)tasks0 * (double)iters0);
    if (!isfinite(iter_s))
        prefix(err, sizeof err, "measuring iter_s at 1 worker: ");
    add_num_or_null(j, "iter_s", iter_s);
    cJSON *base = cJSON_AddObjectToObject(j, "baseline");
    cJSON_AddStringToObject(base, "runner", e->runner);
    cJSON_AddNumberToObject(base, "workers", 1);
    cJSON_AddNumberToObject(base, "tasks", (double)tasks0);
    cJSON_AddNumberToObject(base, "spin_iters", (double)iters0);
    cJSON_AddNumberToObject(base, "repeat", o->repeat < 3 ? 3 : o->repeat);
    add_num_or_null(base, "wall_s", wall0); /* the fastest repetition */
    cJSON *points = cJSON_AddArrayToObject(j, "points");
    struct metg_point pts[64];
    size_t n = 0;
    if (isfinite(iter_s) && o->log) {
        char it[32];
        metg_format_s(iter_s, it, sizeof it);
        fprintf(o->log, "  iter_s %s (%s at 1 worker)\n  %10s %9s %10s %10s\n",
                it, e->runner, "task", "tasks", "wall_s", "efficiency");
    }
    double task = isfinite(iter_s) ? sw->start_s : 0, prev_task = 0;
    double prev_wall = 0;
    uint64_t prev_tasks = 0;
    while (task > 0 && n < sizeof pts / sizeof *pts) {
        uint64_t iters = metg_spin_iters(task, iter_s);
        double task_s = (double)iters * iter_s; /* what the tasks really are */
        uint64_t tasks = metg_tasks(sw, task_s, e->workers, prev_task,
                                    prev_tasks, prev_wall);
        cJSON *all = cJSON_CreateArray();
        double wall = measure(e, o, e->workers, tasks, iters, 0, all, mech,
                              sizeof mech, err, sizeof err);
        if (!isfinite(wall)) {
            cJSON_Delete(all);
            char t[48], at[64];
            metg_format_s(task_s, t, sizeof t);
            snprintf(at, sizeof at, "at %s tasks: ", t);
            prefix(err, sizeof err, at);
            break;
        }
        double useful = (double)tasks * (double)iters * iter_s;
        double eff = metg_efficiency(useful, e->workers, wall);
        cJSON *pt = cJSON_CreateObject();
        cJSON_AddNumberToObject(pt, "task_s", task_s);
        cJSON_AddNumberToObject(pt, "spin_iters", (double)iters);
        cJSON_AddNumberToObject(pt, "tasks", (double)tasks);
        cJSON_AddNumberToObject(pt, "wall_s", wall);
        cJSON_AddItemToObject(pt, "wall_s_all", all);
        cJSON_AddNumberToObject(pt, "efficiency", eff);
        cJSON_AddItemToArray(points, pt);
        log_point(o, pt);
        pts[n++] = (struct metg_point){.task_s = task_s, .efficiency = eff};
        prev_task = task_s, prev_tasks = tasks, prev_wall = wall;
        task = metg_next(sw, task, eff);
    }
    add_metg(j, pts, n, o);
    cJSON_AddStringToObject(cJSON_GetObjectItem(j, "limits"), "mechanism", mech);
    *failed = err[0] != 0;
    cJSON_AddStringToObject(j, "status",
                            run_status_name(*failed ? RUN_FAILED : RUN_OK));
    if (*failed) {
        cJSON_AddStringToObject(j, "error", err);
        if (o->log)
            fprintf(o->log, "  failed: %s\n", err);
    } else {
        cJSON_AddNullToObject(j, "error");
    }
    return j;
}
