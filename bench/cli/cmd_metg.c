/* bench/cli/cmd_metg.c: `parbench metg`, Task Bench's minimum effective task
 * granularity for one or more runner configurations, into one report.
 *
 * --runner, --transfer and --schedule take comma lists; every valid
 * combination becomes one entry of the report's "metg" array (a runner
 * that has one transfer mode ignores --transfer, one that runs one worker
 * ignores --schedule and --workers).  Every entry is checked before the
 * first sweep starts: bad input is exit 2 with nothing written.  From then
 * on a failed run ends that entry's sweep (status "failed", the points so
 * far kept) and the others go on; the report is rewritten after each
 * entry, so an interrupted command keeps the entries it finished. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "bench/engine/runone.h"
#include "bench/host/host.h"
#include "bench/engine/metg_run.h"
#include "bench/cli/opts.h"
#include "bench/report/report.h"
#include "bench/engine/run.h"

#define MAX_ENTRIES 32

struct margs {
    const char *runner, *transfer, *schedule, *output, *pool;
    uint64_t workers, repeat, warmup, max_tasks;
    double start, min, work, cpus;
    uint64_t memory;
    int quiet, workers_set;
};

#define F(field) offsetof(struct margs, field)
static const struct opt mopts[] = {
    {"runner", OT_STR, F(runner), 0, 0, "LIST", "runners, comma-separated (default pthreads)", NULL},
    {"workers", OT_UINT, F(workers), 1, 4096, "N", "workers (default: the CPUs this process may use)", NULL},
    {"transfer", OT_STR, F(transfer), 0, 0, "LIST", "transfer modes, comma-separated (default: each runner's own)", NULL},
    {"schedule", OT_STR, F(schedule), 0, 0, "LIST", "dynamic|static, comma-separated (default dynamic)", NULL},
    {"pool", OT_STR, F(pool), 0, 0, "MODE", "per-repetition|persistent, as for run (default per-repetition)", NULL},
    {"start", OT_DURATION, F(start), 0, 0, "TIME", "largest task duration, the first point (default 4ms)", NULL},
    {"min", OT_DURATION, F(min), 0, 0, "TIME", "smallest task duration, the sweep's floor (default 100ns)", NULL},
    {"work", OT_DURATION, F(work), 0, 0, "TIME", "useful work per worker at each point (default 100ms)", NULL},
    {"max-tasks", OT_UINT, F(max_tasks), 1, 1000000, "N", "at most N tasks per point (default 200000)", NULL},
    {"repeat", OT_UINT, F(repeat), 1, 1000, "N", "measured repetitions per point, median kept (default 5)", NULL},
    {"warmup", OT_UINT, F(warmup), 0, 100, "N", "unmeasured repetitions first (default 1)", NULL},
    {"cpus", OT_NUMBER, F(cpus), 0, 4096, "X", "limit each point's run to X CPUs of time, as for run", NULL},
    {"memory", OT_SIZE, F(memory), 1, 0, "SIZE", "limit each point's run's memory, as for run", NULL},
    {"output", OT_STR, F(output), 0, 0, "FILE", "write the JSON report here (default: standard output)", NULL},
    {"quiet", OT_FLAG, F(quiet), 0, 0, "", "no tables on standard error", NULL},
};
#undef F
#define NMOPTS (sizeof mopts / sizeof *mopts)

static int set_arg(void *base, const struct opt *o, const char *value,
                   char *err, size_t errlen)
{
    struct margs *a = base;
    if (!strcmp(o->name, "workers"))
        a->workers_set = 1;
    return opt_set(o, base, value, err, errlen);
}

/* Split a comma list (copied into buf) into at most max items. */
static int split(const char *list, char *buf, size_t buflen, const char **item,
                 size_t max, const char *what, char *err, size_t errlen)
{
    if (strlen(list) >= buflen) {
        snprintf(err, errlen, "--%s: list too long", what);
        return -EINVAL;
    }
    strcpy(buf, list);
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (n == max) {
            snprintf(err, errlen, "--%s: more than %zu items", what, max);
            return -EINVAL;
        }
        item[n++] = t;
    }
    if (n == 0) {
        snprintf(err, errlen, "--%s: empty list", what);
        return -EINVAL;
    }
    return (int)n;
}

static int popcount(unsigned x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* Which transfer enum a name is; -1 if none. */
static int transfer_index(const char *name)
{
    for (int k = TRANSFER_SHARED; k <= TRANSFER_LOCAL; k++)
        if (!strcmp(transfer_name((enum transfer)k), name))
            return k;
    return -1;
}

/* Add an entry unless it is there already; -1 when the table is full. */
static int add_entry(struct metg_entry *es, size_t *n, const char *runner,
                      unsigned workers, const char *transfer,
                      const char *schedule, const struct runner *r)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(es[i].runner, runner) && es[i].workers == workers &&
            !strcmp(es[i].schedule, schedule) &&
            (es[i].transfer == transfer ||
             (es[i].transfer && transfer && !strcmp(es[i].transfer, transfer))))
            return 0; /* the same configuration twice */
    if (*n == MAX_ENTRIES)
        return -1;
    struct metg_entry *e = &es[(*n)++];
    *e = (struct metg_entry){.runner = runner, .workers = workers,
                             .transfer = transfer, .schedule = schedule};
    /* Only what differs from the runner's defaults goes into the label. */
    int non_default_t = transfer && transfer_index(transfer) !=
                                        (int)r->default_transfer;
    snprintf(e->label, sizeof e->label, "%s%s%s%s, %u worker%s", runner,
             non_default_t ? " " : "", non_default_t ? transfer : "",
             strcmp(schedule, "static") ? "" : " static", workers,
             workers == 1 ? "" : "s");
    return 0;
}

/* Every valid combination of the lists, into es (count in *n). */
static int expand(const struct margs *a, char *buf, size_t buflen,
                  struct metg_entry *es, size_t *n, char *err, size_t errlen)
{
    const char *rs[MAX_ENTRIES], *ts[4] = {NULL}, *ss[2];
    size_t third = buflen / 3;
    int nr = split(a->runner, buf, third, rs, MAX_ENTRIES, "runner", err,
                   errlen);
    int nt = a->transfer ? split(a->transfer, buf + third, third, ts, 4,
                                 "transfer", err, errlen) : 1;
    int ns = split(a->schedule, buf + 2 * third, third, ss, 2, "schedule", err,
                   errlen);
    if (nr < 0 || nt < 0 || ns < 0)
        return -EINVAL;
    for (int i = 0; i < nt && ts[i]; i++)
        if (transfer_index(ts[i]) < 0) {
            snprintf(err, errlen, "--transfer: unknown mode '%s' "
                     "(shared|copy|local)", ts[i]);
            return -EINVAL;
        }
    for (int i = 0; i < ns; i++)
        if (strcmp(ss[i], "dynamic") && strcmp(ss[i], "static")) {
            snprintf(err, errlen, "--schedule: unknown mode '%s' "
                     "(dynamic|static)", ss[i]);
            return -EINVAL;
        }
    unsigned workers = a->workers_set ? (unsigned)a->workers
                                      : host_effective_cpus();
    if (!a->workers_set && a->cpus > 0 && workers > ceil(a->cpus))
        workers = (unsigned)ceil(a->cpus);
    *n = 0;
    for (int i = 0; i < nr; i++) {
        const struct runner *r = runner_find(rs[i]);
        if (!r) {
            snprintf(err, errlen, "unknown runner '%s' (see parbench list)",
                     rs[i]);
            return -EINVAL;
        }
        unsigned w = r->max_workers && workers > r->max_workers
                         ? r->max_workers : workers;
        for (int t = 0; t < nt; t++) {
            /* A runner with one mode runs it whatever the list says; one
             * with a choice runs the listed modes it has (maybe none). */
            const char *tr = ts[t];
            if (tr && popcount(r->transfers) <= 1)
                tr = NULL;
            else if (tr && !(r->transfers & (1u << transfer_index(tr))))
                continue;
            for (int s = 0; s < ns; s++)
                if (add_entry(es, n, rs[i], w, tr, w == 1 ? "dynamic" : ss[s],
                              r)) {
                    snprintf(err, errlen, "more than %d combinations",
                             MAX_ENTRIES);
                    return -EINVAL;
                }
        }
    }
    if (*n == 0) {
        snprintf(err, errlen, "no runner accepts any of the transfer modes "
                 "given (--transfer %s)", a->transfer);
        return -EINVAL;
    }
    return 0;
}

/* Is entry e runnable as configured (names, combinations, limits)?  The
 * checks `parbench run` makes, by the function that makes them for it, on
 * a one-task configuration. */
static int check_entry(const struct metg_entry *e, const struct metg_opts *o,
                       char *err, size_t errlen)
{
    struct run_config c;
    struct run_plan plan;
    struct run_outcome out;
    struct run_request rq = {.mode = RUN_CHECK, .cfg = &c};
    if (metg_config(e, o, e->workers, 1, 1, 1, &c, err, errlen))
        return -EINVAL;
    int rc = run_one(&rq, &plan, &out, err, errlen);
    run_outcome_free(&out);
    return rc ? -EINVAL : 0;
}

static void print_help(void)
{
    printf("usage: parbench metg [OPTIONS]\n\n"
           "METG(50%%), Task Bench's minimum effective task granularity: the "
           "spin workload's\ntask duration is halved from --start to --min "
           "(or until efficiency < 10%%);\nefficiency = useful work / "
           "(workers x wall), useful work measured on the same\nrunner at 1 "
           "worker; METG(50%%) is where efficiency falls below 50%% "
           "(README: METG).\n\noptions:\n");
    opt_print(stdout, mopts, NMOPTS);
    printf("\nexit: 0 ok, 1 a sweep failed (report written), 2 bad usage "
           "(nothing written)\n");
}

int cmd_metg(int argc, char **argv)
{
    if (opt_wants_help(argc, argv))
        return print_help(), 0;
    struct margs a = {.runner = "pthreads", .schedule = "dynamic",
                      .repeat = 5, .warmup = 1, .max_tasks = 200000,
                      .start = 4e-3, .min = 100e-9, .work = 0.1};
    char err[512];
    if (opt_parse(mopts, NMOPTS, &a, set_arg, argc, argv, NULL, 0, NULL, err,
                  sizeof err))
        return pb_usage_error("metg: %s", err);
    if (!(a.start > 0) || !(a.min > 0) || a.min > a.start)
        return pb_usage_error("metg: --start and --min must be positive, "
                              "--min at most --start");
    if (a.start > 10 || a.min < 1e-9)
        return pb_usage_error("metg: task durations go from 1ns to 10s");
    if (!(a.work > 0) || a.work > 100)
        return pb_usage_error("metg: --work must be positive and at most 100s");
    struct metg_opts o = {
        .sweep = {.start_s = a.start, .floor_s = a.min, .stop_eff = 0.1,
                  .work_s = a.work, .max_wall_s = 10 * a.work,
                  .min_tasks_per_worker = 4, .max_tasks = a.max_tasks},
        .repeat = (unsigned)a.repeat, .warmup = (unsigned)a.warmup,
        .cpus = a.cpus, .memory = a.memory, .log = a.quiet ? NULL : stderr,
        .pool = a.pool,
    };
    struct metg_entry es[MAX_ENTRIES];
    size_t n = 0;
    char lists[3 * 512];
    if (expand(&a, lists, sizeof lists, es, &n, err, sizeof err))
        return pb_usage_error("metg: %s", err);
    for (size_t i = 0; i < n; i++)
        if (check_entry(&es[i], &o, err, sizeof err))
            return pb_usage_error("metg: %s: %s", es[i].label, err);
    const char *out = a.output && strcmp(a.output, "-") ? a.output : NULL;
    if (report_check_output(out, err, sizeof err))
        return pb_usage_error("metg: %s", err);

    cJSON *doc = report_new();
    cJSON *arr = cJSON_AddArrayToObject(doc, "metg");
    int any_failed = 0;
    for (size_t i = 0; i < n; i++) {
        int failed = 0;
        cJSON *e = metg_run_entry(&es[i], &o, &failed);
        any_failed |= failed;
        cJSON_AddItemToArray(arr, e);
        /* To a file after every entry; standard output once, at the end. */
        if (out && report_write(out, doc, err, sizeof err)) {
            fprintf(stderr, "parbench: metg: %s\n", err);
            cJSON_Delete(doc);
            return 1;
        }
    }
    if (!a.quiet) {
        fprintf(stderr, "\nMETG(50%%):\n");
        const cJSON *e;
        cJSON_ArrayForEach(e, arr) {
            const cJSON *m = cJSON_GetObjectItem(e, "metg50_s");
            const char *note = cJSON_GetStringValue(
                cJSON_GetObjectItem(e, "metg50_note"));
            char t[32] = "";
            if (cJSON_IsNumber(m))
                metg_format_s(m->valuedouble, t, sizeof t);
            fprintf(stderr, "  %-32s %s%s%s\n",
                    cJSON_GetStringValue(cJSON_GetObjectItem(e, "label")),
                    t[0] ? t : "null", note ? ": " : "", note ? note : "");
        }
    }
    int rc = out ? 0 : report_write(NULL, doc, err, sizeof err);
    cJSON_Delete(doc);
    if (rc) {
        fprintf(stderr, "parbench: metg: %s\n", err);
        return 1;
    }
    return any_failed ? 1 : 0;
}
