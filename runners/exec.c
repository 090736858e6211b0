/* runners/exec.c: the exec runner -- a peer program in any language, run
 * over the parbench.peer/1 protocol (peers/PROTOCOL.md) and measured from
 * outside like every other runner.
 *
 *   --runner exec:NAME     the peer registered as peers/NAME.peer
 *   --runner exec --exec CMD ARGS...   any program (every argument after
 *                          --exec is its command; in a matrix file a JSON
 *                          array)
 *
 * open: start the peer (no shell, its own session and cgroups), send the
 * setup line, wait for ready: that is start-up (spawn_s), apart from the
 * timed region.  run: one run line; its task lines, checked field by field
 * and placed on parbench's clock; its end line; then the results checked
 * against parbench's own (a mismatch fails the run) and the tree's CPU
 * time and peak memory read from its cgroup.  close: stdin closed, done,
 * exit 0, no process left.  Anything else -- an error line, a line that is
 * not the protocol, an exit or a signal, no line within the limit -- fails
 * the run with the reason and the last lines of the peer's stderr, and the
 * whole tree is killed.
 *
 * Limits: a run line must be answered by the run's deadline (--run-timeout,
 * or the one parbench derives after the first repetition) less a margin,
 * so the runner, not the supervisor, ends a hung peer (status failed, its
 * cgroup emptied); before a deadline exists, within --task-timeout (300 s
 * until the first repetition sets it) times the tasks per worker. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runners/exec.h"

PB_PARAMS_FIT(struct exec_params);

#define EP(f) offsetof(struct exec_params, f)
static const struct opt exec_opts[] = {
    {"exec", OT_ARGV, EP(exec), 0, 0, "CMD ARGS...", "run this program as the peer (no shell): every argument after --exec is its command; in a matrix file a JSON array (see \"Peers\")", NULL},
};
#undef EP

#define MARGIN_S 0.5        /* before the supervisor's deadline */
#define DONE_LIMIT_S 30.0   /* for the done line and the exit */

struct exec_pool {
    const struct workload *w;
    const struct task_data *d;
    const struct run_options *o;
    struct peer_manifest man;
    int have_man;
    char *argv[EXEC_ARGV_MAX + 1];
    char dir[1024];
    struct peer_arena in, out;
    int has_arenas;
    struct peer_proc proc;
    int started;
    int dead;                    /* failed: the tree is killed already */
    struct peer_ready ready;
    struct exec_expect *expect;
    struct peer_task *tasks;
    unsigned char *seen;
    char version[200];
};

static int next_rep; /* the rep numbers this process sends */
/* spin: the count the first peer of this configuration calibrated, which
 * every later one (--pool per-repetition) is told to run, so that every
 * repetition does the same work and gives the same checksum. */
static double pinned_spin_iters;

static const struct exec_params *params_of(const struct run_options *o)
{
    return o->params;
}

/* ------------------------------------------------------------- failing */

/* Fail with reason: wait a moment for the peer to end by itself (so the
 * report says how it ended), kill the whole tree, then m->error is the
 * reason, how it ended and the last lines of its stderr. */
__attribute__((format(printf, 3, 4)))
static int fail(struct exec_pool *p, struct run_measure *m, const char *fmt,
                ...)
{
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (p->started)
        exec_proc_wait(&p->proc, pb_now() + 0.3);
    char how[80] = "", tail[400] = "";
    if (p->started) {
        exec_proc_exit_text(&p->proc, how, sizeof how);
        if (!p->proc.exited)
            snprintf(how, sizeof how, "still running: killed with its "
                     "process tree");
        size_t left = exec_proc_kill(&p->proc);
        p->dead = 1;
        exec_proc_stderr_tail(&p->proc, tail, sizeof tail);
        if (left)
            snprintf(how + strlen(how), sizeof how - strlen(how),
                     "; %zu processes survived SIGKILL", left);
    }
    snprintf(m->error, sizeof m->error, "peer %s: %s%s%s%s%s%s",
             p->have_man ? p->man.name : p->argv[0], why, how[0] ? " (" : "",
             how, how[0] ? ")" : "", tail[0] ? "; stderr: " : "", tail);
    return -1;
}

/* The limit for a run line (or the start): the supervisor's deadline less
 * a margin, else fallback seconds from now. */
static double limit_at(const struct exec_pool *p, double fallback)
{
    double now = pb_now();
    const struct run_progress *pg = p->d->progress;
    int64_t dl = pg ? atomic_load(&pg->deadline_ns) : 0;
    double at = now + fallback;
    if (dl > 0) {
        double d = (double)dl * 1e-9 - MARGIN_S;
        if (d < at)
            at = d < now + 0.05 ? now + 0.05 : d;
    }
    return at;
}

/* The next line, parsed; an error line, the end of output or no line in
 * time fails the run. */
static int next_line(struct exec_pool *p, struct run_measure *m,
                     double deadline, const char *what, struct peer_line *l)
{
    char *text;
    size_t len;
    int rc = exec_proc_line(&p->proc, deadline, &text, &len);
    if (rc == -ETIMEDOUT)
        return fail(p, m, "no %s within the time limit (%.3g s): hung?",
                    what, deadline - p->proc.started);
    if (rc == -EPROTO)
        return fail(p, m, "a line longer than %d bytes", EXEC_LINE_MAX);
    if (rc == 0)
        return fail(p, m, "its output ended before the %s", what);
    if (rc < 0)
        return fail(p, m, "reading its output: %s", strerror(-rc));
    char err[200];
    rc = exec_parse_line(text, len, l, err, sizeof err);
    exec_proc_consume(&p->proc, len);
    if (rc)
        return fail(p, m, "%s", err);
    if (l->type == PL_ERROR) {
        char msg[200];
        snprintf(msg, sizeof msg, "%.199s", l->message);
        exec_line_free(l);
        return fail(p, m, "reported: %s", msg);
    }
    return 0;
}

/* ------------------------------------------------------ the report info */

static void add_argv(cJSON *o, const char *key, char *const *argv)
{
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; argv[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
}

/* m->info: peer, command, version, protocol, and what ready said. */
static void make_info(struct exec_pool *p, struct run_measure *m)
{
    cJSON *o = cJSON_CreateObject();
    if (p->have_man) {
        cJSON_AddStringToObject(o, "peer", p->man.name);
        cJSON_AddStringToObject(o, "language", p->man.language);
    } else {
        cJSON_AddNullToObject(o, "peer");
    }
    add_argv(o, "command", p->argv);
    if (p->version[0])
        cJSON_AddStringToObject(o, "version", p->version);
    cJSON_AddStringToObject(o, "protocol", EXEC_PROTOCOL);
    if (p->ready.peer) {
        const cJSON *x;
        if ((x = cJSON_GetObjectItemCaseSensitive(p->ready.peer, "engine")) &&
            cJSON_IsString(x))
            cJSON_AddStringToObject(o, "engine", x->valuestring);
        if (!p->have_man &&
            (x = cJSON_GetObjectItemCaseSensitive(p->ready.peer,
                                                  "language")) &&
            cJSON_IsString(x))
            cJSON_AddStringToObject(o, "language", x->valuestring);
        if ((x = cJSON_GetObjectItemCaseSensitive(p->ready.peer,
                                                  "versions")) &&
            cJSON_IsObject(x))
            cJSON_AddItemToObject(o, "versions", cJSON_Duplicate(x, 1));
    }
    if (p->ready.phases)
        cJSON_AddItemToObject(o, "phases",
                              cJSON_Duplicate(p->ready.phases, 1));
    if (p->ready.spin_iters > 0)
        cJSON_AddNumberToObject(o, "spin_iters", p->ready.spin_iters);
    char *s = cJSON_PrintUnformatted(o);
    if (s && strlen(s) < sizeof m->info)
        snprintf(m->info, sizeof m->info, "%s", s);
    else /* the essentials always fit */
        snprintf(m->info, sizeof m->info, "{\"peer\":\"%.60s\","
                 "\"protocol\":\"%s\"}", p->have_man ? p->man.name : "",
                 EXEC_PROTOCOL);
    free(s);
    cJSON_Delete(o);
    if (p->ready.label[0])
        snprintf(m->label, sizeof m->label, "%s", p->ready.label);
    else if (p->have_man)
        snprintf(m->label, sizeof m->label, "%s %s", p->man.language,
                 p->man.name);
    else
        snprintf(m->label, sizeof m->label, "exec %.100s", p->argv[0]);
}

/* ---------------------------------------------------------- open / close */

static void pool_free(struct exec_pool *p)
{
    if (p->started) {
        exec_proc_kill(&p->proc);
        exec_tree_remove(&p->proc.tree);
        exec_proc_free(&p->proc);
    } else {
        exec_tree_remove(&p->proc.tree);
    }
    if (p->d->progress) {
        atomic_store(&p->d->progress->kill_pgid, 0);
        p->d->progress->kill_cgroup[0][0] = p->d->progress->kill_cgroup[1][0] = 0;
    }
    exec_arena_free(&p->in);
    exec_arena_free(&p->out);
    exec_ready_free(&p->ready);
    if (p->have_man)
        exec_manifest_free(&p->man);
    exec_argv_free(p->argv);
    free(p->tasks);
    free(p->seen);
    free(p);
}

static int open_pool(const struct workload *w, const struct task_data *d,
                     const struct run_options *o, void **pool,
                     struct run_measure *m)
{
    const struct exec_params *ep = params_of(o);
    struct exec_pool *p = calloc(1, sizeof *p);
    char err[300] = "";
    if (!p) {
        snprintf(m->error, sizeof m->error, "out of memory");
        return -1;
    }
    signal(SIGPIPE, SIG_IGN); /* a peer gone is an EPIPE, not our end */
    p->w = w, p->d = d, p->o = o;
    p->proc.in_fd = p->proc.out_fd = p->proc.err_fd = -1;
    p->tasks = calloc(d->ntasks ? d->ntasks : 1, sizeof *p->tasks);
    p->seen = calloc(d->ntasks ? d->ntasks : 1, 1);
    int rc = !p->tasks || !p->seen ? -ENOMEM : 0;
    if (rc == 0 && ep->peer[0]) {
        rc = exec_manifest_find(ep->peer, &p->man, err, sizeof err);
        p->have_man = rc == 0;
        for (size_t i = 0; rc == 0 && p->man.command[i]; i++)
            if (!(p->argv[i] = strdup(p->man.command[i])))
                rc = -ENOMEM;
        snprintf(p->dir, sizeof p->dir, "%s", p->man.dir);
        char why[300];
        if (rc == 0)
            exec_manifest_version(&p->man, p->version, sizeof p->version,
                                  why, sizeof why);
    } else if (rc == 0) {
        rc = exec_argv_parse(ep->exec ? ep->exec : "", p->argv,
                             EXEC_ARGV_MAX, err, sizeof err);
    }
    if (rc) {
        snprintf(m->error, sizeof m->error, "%s", err[0] ? err
                                                         : "out of memory");
        pool_free(p);
        return -1;
    }
    make_info(p, m);
    /* parbench's own results and the arenas: before the peer starts. */
    p->expect = exec_expect_get(w, d, err, sizeof err);
    if (!p->expect) {
        snprintf(m->error, sizeof m->error, "%s", err);
        pool_free(p);
        return -1;
    }
    p->has_arenas = exec_work_has_arenas(w);
    if (p->has_arenas) {
        size_t inb = 0, outb = 0;
        for (size_t i = 0; i < d->ntasks; i++) {
            if (d->in_off[i] + d->in_len[i] > inb)
                inb = d->in_off[i] + d->in_len[i];
            if (d->out_off[i] + d->out_len[i] > outb)
                outb = d->out_off[i] + d->out_len[i];
        }
        if (exec_arena_make(&p->in, "in", inb, d->in, err, sizeof err) ||
            exec_arena_make(&p->out, "out", outb, NULL, err, sizeof err)) {
            snprintf(m->error, sizeof m->error, "%s", err);
            pool_free(p);
            return -1;
        }
    }
    char *setup = exec_setup_line(w, d, o, p->has_arenas ? &p->in : NULL,
                                  p->has_arenas ? &p->out : NULL,
                                  exec_spin_duration(w), pinned_spin_iters);
    if (!setup) {
        snprintf(m->error, sizeof m->error, "out of memory for the setup");
        pool_free(p);
        return -1;
    }
    exec_tree_make(&p->proc.tree);
    snprintf(m->rss_source, sizeof m->rss_source, "%s",
             p->proc.tree.source);
    double limit = limit_at(p, o->task_timeout_s > 0 ? o->task_timeout_s
                                                     : 300);
    if (exec_proc_start(&p->proc, p->argv, p->dir, err, sizeof err)) {
        free(setup);
        fail(p, m, "%s", err);
        pool_free(p);
        return -1;
    }
    p->started = 1;
    if (d->progress) { /* the supervisor's kill, should it come to that */
        struct run_progress *pg = d->progress;
        const char *dirs[2] = {p->proc.tree.mem_dir, p->proc.tree.cpu_dir};
        for (int i = 0; i < 2; i++)
            if (strlen(dirs[i]) < sizeof pg->kill_cgroup[i] &&
                (i == 0 || strcmp(dirs[0], dirs[1])))
                memcpy(pg->kill_cgroup[i], dirs[i], strlen(dirs[i]) + 1);
        atomic_store(&pg->kill_pgid, p->proc.pid);
    }
    rc = exec_proc_send(&p->proc, setup, strlen(setup), limit, err,
                        sizeof err);
    free(setup);
    struct peer_line l;
    if (rc) {
        fail(p, m, "sending the setup line: %s", err);
    } else if ((rc = next_line(p, m, limit, "ready line", &l)) == 0) {
        double now = pb_now();
        if (l.type != PL_READY) {
            rc = fail(p, m, "its first line is '%s', not 'ready'",
                      l.type == PL_TASK ? "task" : l.type == PL_END ? "end"
                                                                    : "done");
        } else if (exec_ready_take(&l, o->workers, &p->ready, err,
                                   sizeof err)) {
            rc = fail(p, m, "%s", err);
        } else if (p->ready.clock == CLOCK_MONO &&
                   (p->ready.t < p->proc.started || p->ready.t > now)) {
            rc = fail(p, m, "ready line: t %.6f is outside [%.6f, %.6f]: "
                      "not CLOCK_MONOTONIC?", p->ready.t, p->proc.started,
                      now);
        } else {
            m->spawn_s = now - p->proc.started;
            if (!(pinned_spin_iters > 0))
                pinned_spin_iters = p->ready.spin_iters;
            make_info(p, m);
        }
        exec_line_free(&l);
    }
    if (rc) {
        pool_free(p);
        return -1;
    }
    *pool = p;
    return 0;
}

static int close_pool(void *pool, struct run_measure *m)
{
    struct exec_pool *p = pool;
    double t0 = pb_now();
    int rc = 0;
    if (p->dead) { /* a run failed: what is left is cleaning up */
        pool_free(p);
        m->stop_s = pb_now() - t0;
        return 0;
    }
    exec_proc_close_stdin(&p->proc);
    double limit = limit_at(p, DONE_LIMIT_S);
    struct peer_line l;
    if ((rc = next_line(p, m, limit, "done line", &l)) == 0) {
        if (l.type != PL_DONE)
            rc = fail(p, m, "a %s line after its input ended, not done",
                      l.type == PL_TASK ? "task" : l.type == PL_END ? "end"
                                                                    : "ready");
        exec_line_free(&l);
    }
    if (rc == 0 && !exec_proc_wait(&p->proc, limit))
        rc = fail(p, m, "did not exit after its done line");
    if (rc == 0 && !(WIFEXITED(p->proc.status) &&
                     WEXITSTATUS(p->proc.status) == 0)) {
        char how[80];
        exec_proc_exit_text(&p->proc, how, sizeof how);
        rc = fail(p, m, "%s after its done line", how);
    }
    if (rc == 0) {
        /* Processes that are on their way out get a moment; one still
         * there then was left behind. */
        pid_t left[8];
        size_t n = 0;
        for (double until = pb_now() + 1.0; pb_now() < until;) {
            n = exec_tree_members(&p->proc.tree, left, 8);
            if (!n)
                break;
            usleep(10000);
        }
        if (n)
            rc = fail(p, m, "left %zu process%s behind after exiting (pid "
                      "%d%s), killed", n, n == 1 ? "" : "es", (int)left[0],
                      n > 1 ? ", ..." : "");
    }
    m->stop_s = pb_now() - t0;
    pool_free(p);
    return rc;
}

/* ----------------------------------------------------------------- run */

static int run(void *pool, struct run_measure *m)
{
    struct exec_pool *p = pool;
    const struct task_data *d = p->d;
    size_t n = d->ntasks;
    unsigned workers = p->o->workers;
    memset(p->seen, 0, n ? n : 1);
    memset(p->tasks, 0, (n ? n : 1) * sizeof *p->tasks);
    if (p->has_arenas)
        memset(p->out.p, 0, p->out.size);
    m->workers_are_processes = 1;
    snprintf(m->rss_source, sizeof m->rss_source, "%s", p->proc.tree.source);
    make_info(p, m);
    for (unsigned k = 0; m->pids && k < workers && k < 64; k++)
        m->pids[k] = p->ready.wpid[k];
    exec_tree_begin(&p->proc.tree);
    int rep = next_rep++;
    char line[64], err[300];
    snprintf(line, sizeof line, "{\"type\":\"run\",\"rep\":%d}\n", rep);
    size_t per = (n + workers - 1) / workers;
    double fallback = (p->o->task_timeout_s > 0 ? p->o->task_timeout_s : 300)
                      * (double)(per ? per : 1);
    double limit = limit_at(p, fallback);
    double sent = pb_now();
    if (exec_proc_send(&p->proc, line, strlen(line), limit, err, sizeof err))
        return fail(p, m, "sending run %d: %s", rep, err);
    size_t got = 0;
    struct peer_line l;
    for (;;) {
        if (next_line(p, m, limit, "end line", &l))
            return -1;
        if (l.type != PL_TASK && l.type != PL_END) {
            exec_line_free(&l);
            return fail(p, m, "a '%s' line inside run %d",
                        l.type == PL_READY ? "ready" : "done", rep);
        }
        if (l.rep != rep) {
            exec_line_free(&l);
            return fail(p, m, "rep %d in run %d", l.rep, rep);
        }
        if (l.type == PL_END)
            break;
        struct peer_task *t = &l.task;
        exec_line_free(&l);
        if (t->id >= n || p->seen[t->id])
            return fail(p, m, "task id %zu %s", t->id,
                        t->id >= n ? "out of range" : "given twice");
        if ((unsigned)t->worker >= workers)
            return fail(p, m, "task %zu: worker %d out of range for %u "
                        "workers", t->id, t->worker, workers);
        p->seen[t->id] = 1;
        p->tasks[t->id] = *t;
        got++;
    }
    double received = pb_now();
    exec_line_free(&l);
    if (l.tasks != n || got != n)
        return fail(p, m, "run %d: %zu task lines, its end line says %zu, "
                    "%zu expected", rep, got, l.tasks, n);
    /* Times on parbench's clock: monotonic as they are, relative from the
     * moment the run line was sent. */
    double base = p->ready.clock == CLOCK_RELATIVE ? sent : 0;
    double rs = base + l.start, re = base + l.end;
    if (rs < sent || re < rs || re > received)
        return fail(p, m, "run %d: its start and end (%.6f, %.6f) are not "
                    "within [%.6f, %.6f] (sent, read): not CLOCK_MONOTONIC?",
                    rep, rs, re, sent, received);
    for (size_t i = 0; i < n; i++) {
        const struct peer_task *t = &p->tasks[i];
        double ts = base + t->start, te = base + t->end;
        if (ts < rs || te > re)
            return fail(p, m, "task %zu: its times are outside its run's",
                        i);
        struct task_record *r = &m->tasks[i];
        r->start_s = ts - sent;
        r->end_s = te - sent;
        r->worker = t->worker;
        r->res.status = t->status;
        r->res.bytes = t->bytes;
        r->res.http_status = t->http_status;
        r->res.latency_s = t->latency_s;
        r->res.ttfb_s = t->ttfb_s;
        if (t->status)
            snprintf(r->res.error, sizeof r->res.error, "%s", t->error);
    }
    m->wall_s = received - sent;
    uint64_t total = 0, big = 0;
    exec_tree_end(&p->proc.tree, &m->workers_user_s, &m->workers_sys_s,
                  &total, &big);
    m->rss_workers_sum = total;
    m->rss_worker_max = big;
    double agreement;
    if (exec_check_results(p->w, d, p->expect, p->tasks,
                           p->has_arenas ? p->out.p : NULL, &agreement, err,
                           sizeof err)) {
        m->agreement = agreement;
        return fail(p, m, "%s", err);
    }
    m->agreement = agreement;
    /* Values and digests as parbench's own kernels make them, so the run's
     * checksum is comparable with the built-in runners'. */
    for (size_t i = 0; i < n; i++) {
        const struct peer_task *t = &p->tasks[i];
        struct task_result *r = &m->tasks[i].res;
        if (t->status)
            continue;
        uint8_t le[8];
        if (p->has_arenas) {
            r->digest = pb_hash64(p->out.p + d->out_off[i], d->out_len[i], 0);
            r->bytes = d->out_len[i];
        } else if (t->has_digest && !t->has_iters && t->has_value &&
                   t->bytes == (uint64_t)t->value) {
            r->digest = t->digest; /* url: the body's */
            r->value = t->value;
        } else {
            for (int b = 0; b < 8; b++)
                le[b] = (uint8_t)(t->uvalue >> (8 * b));
            r->digest = pb_hash64(le, 8, 0);
            r->value = t->value;
        }
    }
    return 0;
}

const struct runner runner_exec = {
    .name = "exec",
    .help = "an external peer program over the parbench.peer/1 protocol "
            "(exec:NAME from peers/, or --exec CMD ARGS...)",
    .kinds = WL_CPU | WL_IO,
    .transfers = 1u << TRANSFER_SHARED | 1u << TRANSFER_COPY,
    .default_transfer = TRANSFER_COPY,
    .open = open_pool,
    .run = run,
    .close = close_pool,
    .persistent = 1,
    .opts = exec_opts,
    .nopts = sizeof exec_opts / sizeof *exec_opts,
    .variant = exec_variant,
    .list_variants = exec_list_variants,
    .no_dump = "runs another program: its outputs are checked, not dumped",
    .no_bind = "the peer places its own workers",
    .start_s = 0.5,
};
