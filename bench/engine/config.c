/* bench/engine/config.c: the option table of `parbench run`, and turning options
 * into a checked run plan.  Every option is one row: adding an option means
 * adding a row (and the field it fills).  The rows here are the options
 * every run has; a workload's or runner's own are declared in its own
 * file and handled through bench/engine/plugin.c, so nothing here names
 * a workload or a runner (but the defaults of --workload and --runner). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/engine/config.h"
#include "bench/host/host.h"
#include "bench/cli/opts.h"
#include "bench/cli/parse.h"

#define F(field) offsetof(struct run_config, field)
static const struct opt opts[] = {
    {"workload", OT_STR, F(workload), 0, 0, "NAME", "the work: a workload of parbench list, which shows each with its options", "image"},
    {"runner", OT_STR, F(runner), 0, 0, "NAME", "how it is run: a runner of parbench list, which shows each with its options", "single"},
    {"workers", OT_UINT, F(workers), 1, 4096, "N", "threads / processes (default: the CPUs this process may use: affinity mask and cgroup v1/v2 CPU quota, rounded up)", NULL},
    {"tasks", OT_UINT, F(tasks), 1, 10000000, "N", "pieces the work is split into", "10"},
    {"repeat", OT_UINT, F(repeat), 1, 100000, "N", "measured repetitions", "5"},
    {"warmup", OT_UINT, F(warmup), 0, 1000, "N", "unmeasured repetitions first", "1"},
    {"seed", OT_UINT, F(seed), 0, INT64_MAX, "S", "inputs are a pure function of seed and task index", "42"},
    {"output", OT_STR, F(output), 0, 0, "FILE", "write the JSON report here (default: standard output)", NULL},
    {"schedule", OT_STR, F(schedule), 0, 0, "dynamic|static", "next free worker takes the next task, or fixed contiguous blocks", "dynamic"},
    {"pool", OT_STR, F(pool), 0, 0, "per-repetition|persistent", "start the workers for every repetition, or once for the warm-up and all repetitions (see \"Pools\")", "per-repetition"},
    {"transfer", OT_STR, F(transfer), 0, 0, "shared|copy|local", "how task data reaches the workers: in shared memory, copied to them and back, or made where they run (default and choices: the runner's, see parbench list)", NULL},
    {"task-timeout", OT_DURATION, F(task_timeout), 0, 0, "TIME", "a task running longer ends the run as 'timeout' (default: 10x the first repetition's longest task, at least 10s; 300s until then)", NULL},
    {"run-timeout", OT_DURATION, F(run_timeout), 0, 0, "TIME", "the run taking longer in all ends as 'timeout' (default: 60s + 10x the first repetition's end-to-end time per repetition)", NULL},
    {"cpus", OT_NUMBER, F(cpus), 0, 4096, "X", "limit the run to X CPUs of time (CFS quota, fractional like docker --cpus; see \"Limits\")", NULL},
    {"memory", OT_SIZE, F(memory), 1, 0, "SIZE", "limit the run's memory, driver and workers together (like docker -m)", NULL},
    {"cpuset", OT_STR, F(cpuset), 0, 0, "LIST", "run on these CPUs only, e.g. 0-1,4", NULL},
    {"bind", OT_STR, F(bind), 0, 0, "none|core|pu", "pin worker k to core (or hardware thread) k mod n, with hwloc", "none"},
    {"dump", OT_STR, F(dump), 0, 0, "DIR", "write the first 3 tasks' input and output as files (workloads that can: parbench list)", NULL},
    {"quiet", OT_FLAG, F(quiet), 0, 0, "", "no summary on standard error", NULL},
    {"force", OT_FLAG, F(force), 0, 0, "", "run even when the configuration needs more memory than is available (see \"Failure behaviour\")", NULL},
};
#undef F
#define NOPTS (sizeof opts / sizeof *opts)

/* Every field at zero, then each row's declared default. */
void config_defaults(struct run_config *c)
{
    char err[160];
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].def)
            opt_set(&opts[i], c, opts[i].def, err, sizeof err);
}

int config_set(struct run_config *c, const char *name, const char *value,
               char *err, size_t errlen)
{
    const struct opt *o = opt_find(opts, NOPTS, name);
    if (!o)
        return plug_set(&c->plug, name, value, err, errlen);
    int rc = opt_set(o, c, value, err, errlen);
    if (rc)
        return rc;
    if (strcmp(name, "workers") == 0)
        c->workers_set = 1;
    if (strcmp(name, "tasks") == 0)
        c->tasks_set = 1;
    return 0;
}

static int set_by_row(void *base, const struct opt *o, const char *value,
                      char *err, size_t errlen)
{
    return config_set(base, o->name, value, err, errlen);
}

int config_parse_args(struct run_config *c, int argc, char **argv, char *err,
                      size_t errlen)
{
    return opt_parse_more(opts, NOPTS, plug_find, c, set_by_row, argc, argv,
                          NULL, 0, NULL, err, errlen);
}

static const char *const transfer_names[] = {"default", "shared", "copy",
                                             "local"};
static const char *const schedule_names[] = {"dynamic", "static"};

static const char *const pool_names[] = {"per-repetition", "persistent"};

const char *pool_name(enum pool_mode m)
{
    return pool_names[m];
}

const char *transfer_name(enum transfer t)
{
    return transfer_names[t];
}

const char *schedule_name(enum schedule s)
{
    return schedule_names[s];
}

static int lookup(const char *const *names, int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], v) == 0)
            return i;
    return -1;
}

int config_resolve(const struct run_config *c, struct run_plan *p, char *err,
                   size_t errlen)
{
    memset(p, 0, sizeof *p);
    const struct workload_ops *wo = wl_find(c->workload);
    if (!wo) {
        snprintf(err, errlen, "unknown workload '%s' (see parbench list)",
                 c->workload);
        return -EINVAL;
    }
    const struct runner *r = runner_find(c->runner);
    if (!r) {
        snprintf(err, errlen, "unknown runner '%s' (see parbench list)",
                 c->runner);
        return -EINVAL;
    }
    const char *why = r->unavailable ? r->unavailable() : NULL;
    if (why) {
        snprintf(err, errlen, "runner '%s' is unavailable: %s", r->name, why);
        return -EINVAL;
    }
    const char *variant = strchr(c->runner, ':');
    if (variant && !r->variant) {
        snprintf(err, errlen, "runner '%s' has no variants ('%.60s')",
                 r->name, c->runner);
        return -EINVAL;
    }
    if (strlen(c->runner) >= sizeof p->runner_name) {
        snprintf(err, errlen, "runner name too long: '%.60s...'", c->runner);
        return -EINVAL;
    }
    snprintf(p->runner_name, sizeof p->runner_name, "%s", c->runner);
    if (r->max_workers && c->workers_set && c->workers > r->max_workers) {
        snprintf(err, errlen, "runner '%s' runs at most %u worker%s "
                 "(--workers %llu)", r->name, r->max_workers,
                 r->max_workers == 1 ? "" : "s",
                 (unsigned long long)c->workers);
        return -EINVAL;
    }
    if ((wo->kind & WL_DEPS) && !(r->kinds & WL_DEPS)) {
        char who[128] = "";
        for (size_t i = 0; runner_table[i]; i++)
            if (runner_table[i]->kinds & WL_DEPS)
                snprintf(who + strlen(who), sizeof who - strlen(who), "%s%s",
                         who[0] ? ", " : "", runner_table[i]->name);
        snprintf(err, errlen, "runner '%s' does not support task "
                 "dependencies, which the %s workload has (runners that "
                 "do: %s)", r->name, wo->name, who);
        return -EINVAL;
    }
    if (wo->kind & ~r->kinds) {
        snprintf(err, errlen, "runner '%s' cannot run the %s workload (it "
                 "is %s)", r->name, wo->name, wl_kind_text(wo->kind));
        return -EINVAL;
    }
    enum transfer t = r->default_transfer;
    if (c->transfer) {
        int k = lookup(transfer_names, 4, c->transfer);
        if (k <= 0 || !(r->transfers & (1u << k))) {
            snprintf(err, errlen,
                     "--transfer: '%s' is not a transfer mode of runner '%s'",
                     c->transfer, r->name);
            return -EINVAL;
        }
        t = (enum transfer)k;
    }
    enum schedule s = SCHED_DYNAMIC;
    if (c->schedule) {
        int k = lookup(schedule_names, 2, c->schedule);
        if (k < 0) {
            snprintf(err, errlen, "--schedule: unknown mode '%s' "
                     "(dynamic|static)", c->schedule);
            return -EINVAL;
        }
        s = (enum schedule)k;
        if (s == SCHED_STATIC && (wo->kind & WL_DEPS)) {
            snprintf(err, errlen, "--schedule static: the %s workload's "
                     "tasks depend on others, so ready tasks are taken "
                     "as they become ready (dynamic)", wo->name);
            return -EINVAL;
        }
    }
    enum pool_mode pm = POOL_PER_REP;
    if (c->pool) {
        int k = lookup(pool_names, 2, c->pool);
        if (k < 0) {
            snprintf(err, errlen, "--pool: unknown mode '%s' "
                     "(per-repetition|persistent)", c->pool);
            return -EINVAL;
        }
        pm = (enum pool_mode)k;
    }
    if (pm == POOL_PERSISTENT && !r->persistent) {
        snprintf(err, errlen, "--pool persistent: not supported by the %s "
                 "runner", r->name);
        return -EINVAL;
    }
    if (c->dump && !wo->dump) {
        char who[256];
        plug_dump_workloads(who, sizeof who);
        snprintf(err, errlen, "--dump works with the %s workload%s only",
                 who, strchr(who, ',') ? "s" : "");
        return -EINVAL;
    }
    int bind = c->bind ? lookup((const char *const[]){"none", "core", "pu"}, 3,
                                c->bind) : BIND_NONE;
    if (bind < 0) {
        snprintf(err, errlen, "--bind: unknown mode '%s' (none|core|pu)",
                 c->bind);
        return -EINVAL;
    }
    if (c->cpus > 0 && c->cpus < 0.01) {
        snprintf(err, errlen, "--cpus %g: at least 0.01", c->cpus);
        return -EINVAL;
    }
    p->limits = (struct limit_req){.cpus = c->cpus, .memory = c->memory,
                                   .cpuset = c->cpuset,
                                   .bind = (enum bind_mode)bind};
    if (bind != BIND_NONE) {
        p->ro.bind_worker = limits_bind_worker;
        p->ro.bind_arg = &p->limits.bind;
    }
    /* Each plug-in's own options: defaults, then the values given; one
     * that only runners other than this one declare is refused. */
    p->w.ops = wo;
    p->w.p = (struct wl_params){.seed = c->seed, .tasks = c->tasks,
                                .tasks_given = c->tasks_set};
    p->ro.params = p->runner_params;
    if (plug_apply(wo->opts, wo->nopts, p->w.params, &c->plug, err,
                   errlen) ||
        plug_apply(r->opts, r->nopts, p->runner_params, &c->plug, err,
                   errlen) ||
        plug_unused(&c->plug, wo, r, err, errlen))
        return -EINVAL;
    if (r->variant) {
        /* The variant checks itself against the workload and resolves the
         * transfer mode (its own default). */
        enum transfer vt = c->transfer ? t : TRANSFER_DEFAULT;
        int rc = r->variant(variant ? variant + 1 : NULL, wo->name, &vt,
                            p->runner_params, err, errlen);
        if (rc == -ENODEV) {
            char why2[400];
            snprintf(why2, sizeof why2, "%s", err);
            snprintf(err, errlen, "runner '%s' is unavailable: %s",
                     c->runner, why2);
        }
        if (rc)
            return -EINVAL;
        t = vt;
    }
    if (c->dump && r->no_dump) {
        snprintf(err, errlen, "--dump: the %s runner %s", r->name,
                 r->no_dump);
        return -EINVAL;
    }
    if (bind != BIND_NONE && r->no_bind) {
        snprintf(err, errlen, "--bind: not supported by the %s runner (%s)",
                 r->name, r->no_bind);
        return -EINVAL;
    }
    if (wo->check && wo->check(&p->w, err, errlen))
        return -EINVAL;
    p->runner = r;
    struct wl_server ws = {0};
    p->embedded_server = wo->server && wo->server(&p->w, &ws);
    p->server = (struct serve_config){
        .bind = "127.0.0.1", .port = 0, .latency_s = ws.latency_s,
        .jitter_s = ws.jitter_s, .body_bytes = ws.body_bytes,
        .seed = c->seed,
    };
    p->ro.workers = c->workers_set ? (unsigned)c->workers
                                   : host_effective_cpus();
    if (!c->workers_set && c->cpus > 0 && p->ro.workers > ceil(c->cpus))
        p->ro.workers = (unsigned)ceil(c->cpus);
    if (r->max_workers && p->ro.workers > r->max_workers)
        p->ro.workers = r->max_workers;
    p->ro.transfer = t;
    p->ro.schedule = s;
    p->ro.pool = pm;
    p->ro.pool_reps = (unsigned)(c->repeat + c->warmup);
    /* Under a CPU quota, the workers' start-up (touching every page) can
     * spend the current CFS period's quota just before "go" and get the
     * timed region throttled: one period's pause first (bench/host/limits.c
     * sets 10 ms periods; 12 ms crosses a boundary). */
    p->ro.settle_s = c->cpus > 0 ? 0.012 : 0;
    p->task_timeout_s = c->task_timeout;
    p->run_timeout_s = c->run_timeout;
    p->ro.task_timeout_s = c->task_timeout > 0 ? c->task_timeout : 300.0;
    p->repeat = (unsigned)c->repeat;
    p->warmup = (unsigned)c->warmup;
    p->output = c->output && strcmp(c->output, "-") != 0 ? c->output : NULL;
    p->dump = c->dump;
    p->quiet = c->quiet;
    p->force = c->force;
    if (r->check && r->check(&p->ro, err, errlen))
        return -EINVAL;
    return 0;
}

const struct opt *config_options(size_t *n)
{
    *n = NOPTS;
    return opts;
}

void config_print_markdown(FILE *f)
{
    plug_print_markdown(f, opts, NOPTS);
}

void config_print_help(FILE *f)
{
    fprintf(f, "usage: parbench run [OPTIONS]\n\noptions:\n");
    opt_print(f, opts, NOPTS);
    plug_print_help(f);
    fprintf(f, "\nworkloads:");
    for (size_t i = 0; wl_table[i]; i++)
        fprintf(f, " %s", wl_table[i]->name);
    fprintf(f, "\nrunners:  ");
    for (size_t i = 0; runner_table[i]; i++)
        fprintf(f, " %s", runner_table[i]->name);
    fprintf(f, "  (parbench list tells what each does)\n");
    fprintf(f, "\nsizes: B KB MB GB TB KiB MiB GiB TiB; durations: s ms us "
               "ns\nexit: 0 ok, 1 a run failed (report written), 2 bad "
               "usage (nothing written)\n");
}
