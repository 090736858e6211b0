/* bench/engine/config.c: the option table of `parbench run`, and turning options
 * into a checked run plan.  Every option is one row: adding an option means
 * adding a row (and the field it fills). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/engine/config.h"
#include "bench/host/host.h"
#include "bench/cli/opts.h"
#include "bench/cli/parse.h"

#define F(field) offsetof(struct run_config, field)
static const struct opt opts[] = {
    {"workload", OT_STR, F(workload), 0, 0, "NAME", "image|prime|url|spin (default image)"},
    {"runner", OT_STR, F(runner), 0, 0, "NAME", "single|pthreads|fork|async|mpi (default single)"},
    {"workers", OT_UINT, F(workers), 1, 4096, "N", "workers (default: the CPUs this process may use)"},
    {"tasks", OT_UINT, F(tasks), 1, 10000000, "N", "tasks the work is split into (default 10)"},
    {"repeat", OT_UINT, F(repeat), 1, 100000, "N", "measured repetitions (default 5)"},
    {"warmup", OT_UINT, F(warmup), 0, 1000, "N", "unmeasured repetitions first (default 1)"},
    {"seed", OT_UINT, F(seed), 0, INT64_MAX, "S", "seed of the generated inputs (default 42)"},
    {"output", OT_STR, F(output), 0, 0, "FILE", "write the JSON report here (default: standard output)"},
    {"size", OT_SIZE, F(size), 1, 0, "SIZE", "image: total bytes of RGB input (default 100MB)"},
    {"complexity", OT_UINT, F(complexity), 1, 100, "C", "image: blur kernel 5*C (+1 if even) (default 1)"},
    {"blur", OT_STR, F(blur), 0, 0, "MODE", "image: separable|direct (default separable)"},
    {"brightness", OT_INT, F(brightness), -255, 255, "N", "image: brightness offset (default 30)"},
    {"dump", OT_STR, F(dump), 0, 0, "DIR", "image: write the first tasks' input and output as PPM"},
    {"limit", OT_UINT, F(limit), 2, INT64_MAX, "N", "prime: sum the primes below N (default 1000000)"},
    {"duration", OT_DURATION, F(duration), 0, 0, "TIME", "spin: compute time per task (default 10ms)"},
    {"spin-iters", OT_UINT, F(spin_iters), 1, INT64_MAX, "N", "spin: iterations per task (default: calibrated)"},
    {"urls", OT_STR, F(urls), 0, 0, "FILE", "url: URLs, one a line, # comments (default: embedded server, --tasks paths)"},
    {"timeout", OT_DURATION, F(timeout), 0, 0, "TIME", "url: per-request timeout (default 10s)"},
    {"latency", OT_DURATION, F(latency), 0, 0, "TIME", "url: embedded server's delay per response (default 50ms)"},
    {"jitter", OT_DURATION, F(jitter), 0, 0, "TIME", "url: delay spread, uniform +-TIME per path (default 0)"},
    {"body", OT_SIZE, F(body), 1, SERVE_BODY_MAX, "SIZE", "url: embedded server's body size (default 64KiB)"},
    {"transfer", OT_STR, F(transfer), 0, 0, "MODE", "fork: shared|copy (default shared); mpi: local|copy (default local)"},
    {"schedule", OT_STR, F(schedule), 0, 0, "MODE", "dynamic|static (default dynamic)"},
    {"pool", OT_STR, F(pool), 0, 0, "MODE", "per-repetition|persistent: start the workers for every repetition, or once for all (default per-repetition)"},
    {"task-timeout", OT_DURATION, F(task_timeout), 0, 0, "TIME", "end the run as 'timeout' when a task runs longer (default: 10x the warm-up's longest task, at least 10s; 300s before that)"},
    {"run-timeout", OT_DURATION, F(run_timeout), 0, 0, "TIME", "end the run as 'timeout' when it takes longer in all (default: 60s + 10x the first repetition's time per repetition)"},
    {"cpus", OT_NUMBER, F(cpus), 0, 4096, "X", "limit the run to X CPUs of time (CFS quota, fractional like docker --cpus)"},
    {"memory", OT_SIZE, F(memory), 1, 0, "SIZE", "limit the run's memory, driver and workers together (like docker -m)"},
    {"cpuset", OT_STR, F(cpuset), 0, 0, "LIST", "run on these CPUs only, e.g. 0-1,4"},
    {"bind", OT_STR, F(bind), 0, 0, "MODE", "none|core|pu: pin worker k to core/PU k (hwloc) (default none)"},
    {"hosts", OT_STR, F(hosts), 0, 0, "LIST", "mpi: hosts and slots, h1:2,h2:2 (rank 0, the head, takes the first slot)"},
    {"hostfile", OT_STR, F(hostfile), 0, 0, "FILE", "mpi: Hydra host file, one 'host[:slots]' a line"},
    {"launcher", OT_STR, F(launcher), 0, 0, "NAME", "mpi: how Hydra starts remote ranks: ssh|rsh|fork|slurm|... (default ssh)"},
    {"launcher-exec", OT_STR, F(launcher_exec), 0, 0, "CMD", "mpi: the launcher's program, called as CMD HOST COMMAND..."},
    {"quiet", OT_FLAG, F(quiet), 0, 0, "", "no summary on standard error"},
    {"force", OT_FLAG, F(force), 0, 0, "", "run even when the configuration needs more memory than is available"},
};
#undef F
#define NOPTS (sizeof opts / sizeof *opts)

void config_defaults(struct run_config *c)
{
    memset(c, 0, sizeof *c);
    c->workload = "image";
    c->runner = "single";
    c->tasks = 10;
    c->repeat = 5;
    c->warmup = 1;
    c->seed = 42;
    c->size = 100000000;
    c->complexity = 1;
    c->blur = "separable";
    c->brightness = 30;
    c->limit = 1000000;
    c->duration = 0.01;
    c->timeout = 10;
    c->latency = 0.05;
    c->body = 64 * 1024;
}

int config_set(struct run_config *c, const char *name, const char *value,
               char *err, size_t errlen)
{
    const struct opt *o = opt_find(opts, NOPTS, name);
    if (!o) {
        snprintf(err, errlen, "unknown option '--%s'", name);
        return -ENOENT;
    }
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
    return opt_parse(opts, NOPTS, c, set_by_row, argc, argv, NULL, 0, NULL,
                     err, errlen);
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
    if (r->max_workers && c->workers_set && c->workers > r->max_workers) {
        snprintf(err, errlen, "runner '%s' runs at most %u worker%s "
                 "(--workers %llu)", r->name, r->max_workers,
                 r->max_workers == 1 ? "" : "s",
                 (unsigned long long)c->workers);
        return -EINVAL;
    }
    if (!(r->kinds & wo->kind)) {
        snprintf(err, errlen, "runner '%s' cannot run the %s workload (%s)",
                 r->name, wo->name,
                 wo->kind == WL_CPU ? "it is CPU-bound" : "it is I/O-bound");
        return -EINVAL;
    }
    int blur = lookup((const char *const[]){"separable", "direct"}, 2, c->blur);
    if (blur < 0) {
        snprintf(err, errlen, "--blur: unknown mode '%s' (separable|direct)",
                 c->blur);
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
    if (c->dump && strcmp(wo->name, "image") != 0) {
        snprintf(err, errlen, "--dump works with the image workload only");
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
    int is_mpi = strcmp(r->name, "mpi") == 0;
    if (!is_mpi && (c->hosts || c->hostfile || c->launcher ||
                    c->launcher_exec)) {
        snprintf(err, errlen, "--%s works with the mpi runner only",
                 c->hosts ? "hosts" : c->hostfile ? "hostfile"
                 : c->launcher ? "launcher" : "launcher-exec");
        return -EINVAL;
    }
    if (is_mpi && c->hosts && c->hostfile) {
        snprintf(err, errlen, "--hosts and --hostfile: give one of them");
        return -EINVAL;
    }
    if (is_mpi && c->hostfile && access(c->hostfile, R_OK) != 0) {
        snprintf(err, errlen, "--hostfile '%s': %s", c->hostfile,
                 strerror(errno));
        return -EINVAL;
    }
    /* The ranks' outputs stay on the ranks; --bind pins through hwloc in
     * this process tree, which mpiexec's ranks are not part of. */
    if (is_mpi && c->dump) {
        snprintf(err, errlen, "--dump: the mpi runner does not bring task "
                 "outputs back to the driver (use another runner)");
        return -EINVAL;
    }
    if (is_mpi && bind != BIND_NONE) {
        snprintf(err, errlen, "--bind: not supported by the mpi runner "
                 "(Hydra binds ranks itself: HYDRA_BINDING=core)");
        return -EINVAL;
    }
    int is_url = strcmp(wo->name, "url") == 0;
    if (is_url && !(c->timeout > 0)) {
        snprintf(err, errlen, "--timeout must be positive");
        return -EINVAL;
    }
    p->runner = r;
    p->w.ops = wo;
    p->w.p = (struct wl_params){
        .seed = c->seed, .tasks = c->tasks, .size_bytes = c->size,
        .complexity = (unsigned)c->complexity,
        .blur = (enum blur_mode)blur, .brightness = (int)c->brightness,
        .limit = c->limit, .duration_s = c->duration,
        .spin_iters = c->spin_iters, .urls_file = c->urls,
        .timeout_s = c->timeout, .tasks_given = c->tasks_set,
    };
    p->embedded_server = is_url && !c->urls;
    p->server = (struct serve_config){
        .bind = "127.0.0.1", .port = 0, .latency_s = c->latency,
        .jitter_s = c->jitter, .body_bytes = c->body, .seed = c->seed,
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
    p->ro.hosts = c->hosts;
    p->ro.hostfile = c->hostfile;
    p->ro.launcher = c->launcher;
    p->ro.launcher_exec = c->launcher_exec;
    p->task_timeout_s = c->task_timeout;
    p->run_timeout_s = c->run_timeout;
    p->ro.task_timeout_s = c->task_timeout > 0 ? c->task_timeout : 300.0;
    p->repeat = (unsigned)c->repeat;
    p->warmup = (unsigned)c->warmup;
    p->output = c->output && strcmp(c->output, "-") != 0 ? c->output : NULL;
    p->dump = c->dump;
    p->quiet = c->quiet;
    p->force = c->force;
    return 0;
}

void config_print_help(FILE *f)
{
    fprintf(f, "usage: parbench run [OPTIONS]\n\noptions:\n");
    opt_print(f, opts, NOPTS);
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
