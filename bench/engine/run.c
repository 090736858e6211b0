/* bench/engine/run.c: one configuration, measured.
 *
 * Order of events: workload setup (parameter checks, calibration), input
 * arenas mapped MAP_SHARED and filled (timed as setup_s), then warm-up and
 * measured repetitions.  Around each repetition bench/ measures the driver
 * itself: CPU time from getrusage(RUSAGE_SELF) (all its threads) and peak
 * RSS from VmHWM after resetting it through /proc/self/clear_refs; the
 * runner adds the timed region and its worker processes' figures.
 *
 * What is measured goes into a typed struct run_result (result.h), in the
 * supervised child; the supervisor receives it whole, and result_json.c
 * makes it the report's run object, with the configuration part made
 * here (run_config_json).
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
#include "bench/engine/measure.h"
#include "bench/engine/plugin.h"
#include "bench/engine/run.h"
#include "runners/graph.h"

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
    /* The dependency graph: small (edges, not data), checked here so a
     * workload's bad graph is refused before anything runs. */
    if (p->w.ops->kind & WL_DEPS) {
        int rc = pb_graph_build(&p->w, p->w.p.tasks, &s->graph, err, errlen);
        if (rc)
            return rc;
    }
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
                              .progress = s->progress, .graph = s->graph};
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
    if (w->ops->prepare) {
        char why[200];
        if (w->ops->prepare(w, why, sizeof why) != 0) {
            snprintf(s->error, sizeof s->error, "setup: %s", why);
            return -1;
        }
    }
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
    pb_graph_free(s->graph);
    s->graph = NULL;
    if (s->setup_done && s->plan->w.ops->teardown)
        s->plan->w.ops->teardown(&s->plan->w);
    memset(&s->d, 0, sizeof s->d);
}

/* What one repetition showed beyond its report entry. */
struct rep_facts {
    size_t failed_tasks;
    int timed_out;       /* the runner ended it: a task or the run too long */
    int died_signal;     /* a worker process was killed by it; 0: none */
    double longest_task; /* s, the longest task record */
    char label[160];     /* the runner's label and info (exec), "" */
    char info[1536];
};

/* One repetition into *r and pids (the workers' ids); pool is the
 * persistent pool, or NULL: then this repetition starts and stops its own
 * workers (open, run, close), and pays for it. */
static int one_rep(struct run_state *s, void *pool, struct task_record *recs,
                   int32_t *pids, uint64_t *digests, struct rep_result *r,
                   struct rep_facts *f, char *err, size_t errlen)
{
    struct run_plan *p = s->plan;
    struct run_measure m = {.tasks = recs, .pids = pids, .agreement = NAN};
    memset(recs, 0, s->d.ntasks * sizeof *recs);
    memset(pids, 0, p->ro.workers * sizeof *pids);
    memset(r, 0, sizeof *r);
    memset(f, 0, sizeof *f);
    r->agreement = NAN;
    if (p->w.ops->before_rep && !p->runner->own_before_rep) {
        char why[200];
        if (p->w.ops->before_rep(&p->w, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s", why);
            return -1;
        }
    }
    int disk = (p->w.ops->kind & WL_DISK) != 0;
    double psi0[2] = {0, 0}, psi1[2] = {0, 0};
    int psi = disk && pressure_io(&psi0[0], &psi0[1]) == 0;
    struct driver_usage before, after;
    driver_usage_begin(&before);
    if (pool)
        runner_settle(&p->ro);
    int rc = pool ? p->runner->run(pool, &m)
                  : runner_run_once(p->runner, &p->w, &s->d, &p->ro, &m);
    driver_usage_end(&before, &after);
    psi = psi && pressure_io(&psi1[0], &psi1[1]) == 0;

    r->wall_s = m.wall_s;
    r->spawn_s = m.spawn_s;
    r->stop_s = m.stop_s;
    /* An in-process runner's own bracket of its timed region, so that
     * cpu_utilization (CPU over wall x workers) holds the same window on
     * both sides; otherwise the driver's CPU around the runner. */
    r->user_s = (m.region_cpu ? m.region_user_s : after.user_s) + m.workers_user_s;
    r->sys_s = (m.region_cpu ? m.region_sys_s : after.sys_s) + m.workers_sys_s;
    unsigned workers = p->ro.workers;
    r->cpu_utilization = m.wall_s > 0 ? (r->user_s + r->sys_s) /
                                            (m.wall_s * workers) : NAN;
    r->rss_driver = after.rss_peak;
    r->rss_worker_max = m.workers_are_processes ? m.rss_worker_max
                                                : after.rss_peak;
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
    r->bytes_moved = m.bytes_moved;
    r->input_wait_s = s->graph ? m.input_wait_s : NAN;
    r->critical_path_s = NAN;
    if (s->graph && rc == 0) {
        double *run_s = malloc(s->d.ntasks * sizeof *run_s + 1);
        if (run_s) {
            for (size_t i = 0; i < s->d.ntasks; i++)
                run_s[i] = recs[i].end_s - recs[i].start_s;
            r->critical_path_s = pb_graph_critical_path(s->graph, run_s);
            free(run_s);
        }
    }
    snprintf(r->handout, sizeof r->handout, "%s", m.handout);
    snprintf(r->rss_source, sizeof r->rss_source, "%s", m.rss_source);
    r->agreement = m.agreement;
    if (m.label[0])
        snprintf(f->label, sizeof f->label, "%s", m.label);
    if (m.info[0])
        snprintf(f->info, sizeof f->info, "%s", m.info);
    f->timed_out = m.timed_out;
    f->died_signal = m.died_signal;
    for (size_t i = 0; i < s->d.ntasks; i++) {
        digests[i] = recs[i].res.digest;
        if (recs[i].end_s - recs[i].start_s > f->longest_task)
            f->longest_task = recs[i].end_s - recs[i].start_s;
        if (recs[i].res.status != 0)
            f->failed_tasks++;
    }
    r->checksum = p->w.ops->fold ? p->w.ops->fold(&p->w, digests, s->d.ntasks)
                                 : wl_fold_digests(digests, s->d.ntasks);
    if (disk) {
        struct rep_io *io = &r->io;
        for (size_t i = 0; i < s->d.ntasks; i++) {
            const struct task_result *x = &recs[i].res;
            io->read_s += x->read_s, io->compute_s += x->compute_s;
            io->write_s += x->write_s, io->io_blocked_s += x->io_blocked_s;
            io->blkio_s += x->blkio_s;
            io->read_bytes += x->read_bytes, io->write_bytes += x->write_bytes;
            io->dev_read_bytes += x->dev_read_bytes;
            io->dev_write_bytes += x->dev_write_bytes;
        }
        if (!delayacct_on())
            io->blkio_s = NAN;
        io->psi_some_s = psi ? psi1[0] - psi0[0] : NAN;
        io->psi_full_s = psi ? psi1[1] - psi0[1] : NAN;
    }
    if (rc != 0)
        snprintf(err, errlen, "%s", m.error[0] ? m.error : "runner failed");
    return rc;
}

/* Measured repetition k's tasks into res; -1 when out of memory. */
static int keep_tasks(struct run_result *res, size_t k,
                      const struct task_record *recs)
{
    if (!res->tasks)
        return 0;
    struct task_out *t = res->tasks + k * res->ntasks;
    for (size_t i = 0; i < res->ntasks; i++) {
        const struct task_record *x = &recs[i];
        t[i] = (struct task_out){
            .start_s = x->start_s, .end_s = x->end_s, .ready_s = x->ready_s,
            .ttfb_s = x->res.ttfb_s,
            .read_s = x->res.read_s, .compute_s = x->res.compute_s,
            .write_s = x->res.write_s, .io_blocked_s = x->res.io_blocked_s,
            .read_bytes = x->res.read_bytes,
            .write_bytes = x->res.write_bytes,
            .dev_read_bytes = x->res.dev_read_bytes,
            .dev_write_bytes = x->res.dev_write_bytes,
            .level = x->res.level,
            .latency_s = x->res.latency_s, .bytes = x->res.bytes,
            .worker = x->worker, .http_status = x->res.http_status,
            .failed = x->res.status != 0,
        };
        if (x->host[0] && !(t[i].host = run_result_text(res, x->host, 1)))
            return -1;
        if (x->res.status != 0 && x->res.error[0] &&
            !(t[i].error = run_result_text(res, x->res.error, 0)))
            return -1;
    }
    return 0;
}

cJSON *run_config_json(struct run_state *s, cJSON *run)
{
    struct run_plan *p = s->plan;
    const struct workload *w = &p->w;
    cJSON_AddStringToObject(run, "workload", w->ops->name);
    cJSON_AddStringToObject(run, "runner", p->runner_name[0] ? p->runner_name
                                                             : p->runner->name);
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
    return par;
}

/* Once the first repetition (normally the warm-up) has shown how long this
 * configuration takes, the timeouts the user left to parbench follow from
 * it (run.h).  They go to the supervisor through the progress page. */
static void derive_timeouts(struct run_state *s, const struct rep_result *r,
                            double longest_task)
{
    struct run_plan *p = s->plan;
    struct run_progress *pg = s->progress;
    if (!pg)
        return;
    if (p->task_timeout_s == 0) {
        double t = RUN_TASK_TIMEOUT_FACTOR * longest_task;
        if (t < RUN_TASK_TIMEOUT_MIN_S)
            t = RUN_TASK_TIMEOUT_MIN_S;
        atomic_store(&pg->task_timeout_ns, (int64_t)(t * 1e9));
    }
    if (p->run_timeout_s == 0) {
        double per = r->spawn_s + r->wall_s + r->stop_s;
        double left = (double)(p->warmup + p->repeat); /* an upper bound */
        double t = RUN_TIMEOUT_SLACK_S + RUN_TIMEOUT_FACTOR * left * per;
        atomic_store(&pg->deadline_ns, (int64_t)((pb_now() + t) * 1e9));
    }
}

void run_execute(struct run_state *s, struct run_result *res)
{
    struct run_plan *p = s->plan;
    size_t n = p->w.p.tasks;
    unsigned workers = p->ro.workers;
    char err[600] = "";
    enum run_status st = RUN_OK;
    struct task_record *recs = calloc(n, sizeof *recs);
    uint64_t *digests = calloc(n, sizeof *digests);
    int32_t *scratch = calloc(workers, sizeof *scratch); /* warm-up pids */
    void *pool = NULL;
    /* the persistent pool's start and stop */
    struct run_measure pm = {.agreement = NAN};
    run_result_init(res);
    res->setup_s = s->setup_s;
    if (!recs || !digests || !scratch ||
        run_result_reserve(res, p->repeat, workers, n,
                           !p->no_task_records) != 0) {
        snprintf(err, sizeof err, "out of memory for %zu tasks", n);
        st = RUN_FAILED;
    } else if (prepare_data(s) != 0) {
        snprintf(err, sizeof err, "%s", s->error);
        st = RUN_FAILED;
    } else if (p->ro.pool == POOL_PERSISTENT &&
               p->runner->open(&p->w, &s->d, &p->ro, &pool, &pm) != 0) {
        snprintf(err, sizeof err, "%s", pm.error[0] ? pm.error
                                                    : "could not start the pool");
        res->died_signal = pm.died_signal;
        st = RUN_FAILED;
    }
    res->setup_s = s->setup_s;
    if (pm.label[0])
        snprintf(res->runner_label, sizeof res->runner_label, "%s", pm.label);
    if (pm.info[0])
        snprintf(res->runner_info, sizeof res->runner_info, "%s", pm.info);
    res->input_bytes = s->in_bytes;
    res->output_bytes = s->out_bytes;
    /* Failed tasks (a URL answering 404) make the run "partial" but do not
     * stop it: the repetitions still run and are reported, so each task's
     * error reaches the report even when the warm-up met it first.  A
     * runner failure ("failed") stops it.  The result and the status come
     * from the measured repetitions only: a warm-up that a flaky server
     * still answered says nothing about them.  Every repetition without
     * a failed task, the warm-up included, must give the same checksum. */
    int have_ref = 0, incomplete = 0;
    uint64_t ref = 0;
    size_t failed_measured = 0; /* failed tasks over measured repetitions */
    for (unsigned k = 0; st != RUN_FAILED && k < p->warmup + p->repeat; k++) {
        int measured = k >= p->warmup;
        struct rep_result warm, *r = measured ? &res->reps[res->nreps] : &warm;
        int32_t *pids = measured ? res->pids + res->nreps * workers : scratch;
        struct rep_facts f;
        int rc = one_rep(s, pool, recs, pids, digests, r, &f, err, sizeof err);
        if (f.label[0])
            snprintf(res->runner_label, sizeof res->runner_label, "%s",
                     f.label);
        if (f.info[0])
            snprintf(res->runner_info, sizeof res->runner_info, "%s", f.info);
        if (measured) {
            incomplete |= keep_tasks(res, res->nreps, recs) != 0;
            res->nreps++;
        }
        if (rc != 0) {
            st = f.timed_out ? RUN_TIMEOUT : RUN_FAILED;
            res->died_signal = f.died_signal;
            res->last_rep_failed = measured;
            snprintf(res->last_rep_error, sizeof res->last_rep_error, "%s",
                     err);
            break;
        }
        if (f.failed_tasks && p->w.ops->all_or_nothing) {
            /* Its outputs feed others: no result without every task.
             * The cause is the first task that failed on its own, not
             * one left unrun because of it. */
            size_t first = 0, cause = n;
            for (size_t i = 0; i < n; i++)
                if (recs[i].res.status != 0) {
                    if (first == 0 && cause == n)
                        first = i;
                    if (strncmp(recs[i].res.error, "not run", 7) != 0) {
                        cause = i;
                        break;
                    }
                }
            if (cause == n)
                cause = first;
            snprintf(err, sizeof err, "%zu of %zu tasks failed; first: "
                     "task %zu: %s", f.failed_tasks, n, cause,
                     recs[cause].res.error);
            st = RUN_FAILED;
            res->last_rep_failed = measured;
            snprintf(res->last_rep_error, sizeof res->last_rep_error, "%s",
                     err);
            break;
        }
        if (k == 0)
            derive_timeouts(s, r, f.longest_task);
        if (!f.failed_tasks && !have_ref) {
            ref = r->checksum;
            have_ref = 1;
        } else if (!f.failed_tasks && r->checksum != ref) {
            snprintf(err, sizeof err, "checksum differs between repetitions "
                     "(%016" PRIx64 " then %016" PRIx64 ")", ref, r->checksum);
            st = RUN_FAILED;
            break;
        }
        if (!measured)
            continue;
        if (res->nsummary == 0) {
            res->checksum = r->checksum;
            res->value = 0; /* a failed task has no value */
            for (size_t i = 0; i < n; i++)
                res->value += recs[i].res.status == 0 ? recs[i].res.value : 0;
        }
        if (f.failed_tasks) {
            size_t first = 0;
            while (first < n && recs[first].res.status == 0)
                first++;
            snprintf(err, sizeof err, "%zu of %zu tasks failed; first: task "
                     "%zu: %s", f.failed_tasks, n, first,
                     recs[first].res.error);
            st = RUN_PARTIAL;
            failed_measured += f.failed_tasks;
        }
        res->nsummary++;
    }
    size_t done = res->nsummary;
    /* Nothing measured succeeded: there is no result to report. */
    int no_result = done && failed_measured == done * n;
    if (no_result && st == RUN_PARTIAL) {
        char why[sizeof err];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, sizeof err, "every task of every measured repetition "
                 "failed (%u repetition%s); last: %.160s", (unsigned)done,
                 done == 1 ? "" : "s", why);
        st = RUN_FAILED;
    }
    if (pool) {
        pm.error[0] = 0;
        if (p->runner->close(pool, &pm) != 0 && st != RUN_FAILED) {
            snprintf(err, sizeof err, "%s", pm.error);
            res->died_signal = pm.died_signal;
            st = RUN_FAILED;
        }
    }
    res->pool_spawn_s = pm.spawn_s;
    res->pool_stop_s = pm.stop_s;
    if (st == RUN_OK && p->dump) {
        char derr[200];
        if (dump_images(&p->w, &s->d, p->dump, derr, sizeof derr) != 0) {
            snprintf(err, sizeof err, "--dump: %s", derr);
            st = RUN_FAILED;
        }
    }
    res->has_checksum = done && !no_result;
    res->has_value = p->w.ops->has_value && done && !no_result;
    if (st != RUN_OK && res->nreps == 0) /* failed before measuring */
        run_result_fail(res, st, "%s", err);
    else
        run_result_status(res, st, "%s", err);
    free(recs), free(digests), free(scratch);
    if (incomplete) /* a task's text did not fit: not a whole report */
        run_result_fail_oom(res, n, p->repeat);
}
