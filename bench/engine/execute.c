/* bench/engine/execute.c: one configuration, run in its supervised child.
 *
 * The run happens in a child (inside the run's cgroups when it has limits,
 * bench/host/isolate.c) and this process only records: the child's typed
 * result comes back whole, or, when the child was killed (the OOM killer,
 * a crash, a timeout, someone's SIGTERM), this process makes the failed
 * result itself with the cause.
 *
 * "oom" is what the kernel says, never a guess from the signal: a SIGKILL
 * from outside (a user, a watchdog) while --memory is set is "failed" with
 * the signal.  The run is "oom" when the cgroup's OOM-kill counter moved
 * (which also catches a worker killed while the child survived).  On a
 * kernel without that counter (v1 before Linux 4.13) the stated rule is:
 * a process of the run died of SIGKILL and the cgroup had reached its
 * limit (memory.failcnt > 0 and the peak at the limit).  Which process
 * died of which signal is a number the runner or the supervisor gives
 * (run_result.died_signal), never read out of a message.  A run with no
 * memory cgroup of its own (no writable cgroup: inside a container) that
 * dies of SIGKILL while the OOM-kill counter of the cgroup parbench is in
 * moved is "oom" too: that cgroup's tighter limit killed it.
 *
 * "interrupted": a process of the run (the child or a worker) was ended by
 * SIGINT, SIGTERM, SIGHUP or SIGQUIT, someone stopping it from outside. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <stdio.h>
#include <string.h>

#include "bench/engine/execute.h"
#include "bench/cli/parse.h"

int execute_prepare(struct run_plan *p, struct limit_state *ls, char *err,
                    size_t errlen)
{
    memset(ls, 0, sizeof *ls);
    snprintf(ls->mechanism, sizeof ls->mechanism, "none");
    if (!limits_active(&p->limits))
        return 0;
    return limits_prepare(ls, &p->limits, err, errlen);
}

struct body_arg {
    struct run_state *s;
    struct run_result res; /* the child's, sent from its memory */
};

static void body(void *arg, struct isolate_msg *m)
{
    struct body_arg *b = arg;
    run_execute(b->s, &b->res);
    m->parts = run_result_wire(&b->res, m->part, m->len);
}

/* The progress page the supervisor watches, shared with the child and its
 * worker processes; NULL when it cannot be mapped (the run is then not
 * watched, and says nothing about it). */
static struct run_progress *map_progress(const struct run_plan *p,
                                         size_t *bytes)
{
    unsigned n = p->ro.workers;
    *bytes = sizeof(struct run_progress) + n * sizeof(struct worker_progress);
    struct run_progress *pg = mmap(NULL, *bytes, PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (pg == MAP_FAILED)
        return NULL;
    pg->nworkers = n;
    double tmo = p->task_timeout_s > 0 ? p->task_timeout_s
                 : p->task_timeout_s < 0 ? 0 : RUN_TASK_TIMEOUT_FIRST_S;
    atomic_store(&pg->task_timeout_ns, (int64_t)(tmo * 1e9));
    if (p->run_timeout_s > 0)
        atomic_store(&pg->deadline_ns,
                     (int64_t)((pb_now() + p->run_timeout_s) * 1e9));
    return pg;
}

/* A signal someone sends to stop a program, as opposed to the kernel's
 * or parbench's own SIGKILL. */
static int interrupting(int sig)
{
    return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

/* res from how the child ended. */
static void take_outcome(struct run_state *s, struct isolate_outcome *o,
                         struct run_result *res)
{
    int rc = -EPROTO;
    if (o->end == ISOLATE_SENT) {
        rc = run_result_adopt(res, o->msg, o->len);
        o->msg = NULL;
        if (rc == 0)
            return;
    }
    run_result_init(res);
    res->setup_s = s->setup_s;
    struct wl_memory wm;
    wl_memory(&s->plan->w, &wm);
    res->input_bytes = wm.inputs;
    res->output_bytes = wm.outputs;
    switch (o->end) {
    case ISOLATE_TIMED_OUT:
        run_result_fail(res, RUN_TIMEOUT, "%s", o->error);
        break;
    case ISOLATE_KILLED:
        run_result_fail(res, RUN_FAILED, "%s", o->error);
        res->died_signal = o->signal;
        break;
    case ISOLATE_SENT: /* but not a whole result */
        run_result_fail(res, RUN_FAILED, "the run's process sent a "
                        "malformed result");
        break;
    default:
        run_result_fail(res, RUN_FAILED, "%s", o->error);
        break;
    }
}

/* Every configuration runs in a supervised child (bench/host/isolate.c): with
 * limits, so they hold the run and not the recorder; and always, so that a
 * stuck or stopped worker -- a thread included, which cannot be killed on
 * its own -- ends as status "timeout" with the report written and the next
 * matrix cell going on. */
void execute_run(struct run_state *s, struct limit_state *ls,
                 struct run_result *res)
{
    struct body_arg b = {.s = s};
    size_t pg_bytes = 0;
    struct run_progress *pg = map_progress(s->plan, &pg_bytes);
    s->progress = pg;
    struct isolate_outcome o;
    isolate_run(ls, body, &b, pg, &o);
    s->progress = NULL;
    if (pg)
        munmap(pg, pg_bytes);
    take_outcome(s, &o, res);
    int64_t ooms = limits_oom_kills(ls);
    uint64_t peak = limits_memory_peak(ls);
    int sigkill = res->died_signal == SIGKILL;
    int oom = ooms > 0 ||
              (ooms < 0 && sigkill && limits_memory_limit_hit(ls));
    int64_t outer = res->status == RUN_OK || oom || !sigkill
                        ? -1 : limits_outer_oom_kills(ls);
    if (outer > 0) {
        /* Killed by the limit of the cgroup parbench itself is in (a
         * container's), tighter than the run's own. */
        char lim[32], own[64] = "";
        if (ls->req.memory) {
            pb_format_size(ls->req.memory, lim, sizeof lim);
            snprintf(own, sizeof own, " before the run's own of %s", lim);
        }
        run_result_status(res, RUN_OOM, "out of memory: the cgroup parbench "
                          "runs in (%s) reached its limit%s (%lld OOM kill%s "
                          "there): %s", ls->outer_mem_dir, own,
                          (long long)outer, outer == 1 ? "" : "s",
                          res->error[0] ? res->error : "killed");
    } else if (res->status != RUN_OK && oom) {
        char lim[32], count[64];
        pb_format_size(ls->req.memory, lim, sizeof lim);
        if (ooms >= 0)
            snprintf(count, sizeof count, "%lld OOM kill%s", (long long)ooms,
                     ooms == 1 ? "" : "s");
        else
            snprintf(count, sizeof count, "killed at its limit");
        run_result_status(res, RUN_OOM, "out of memory: the run exceeded "
                          "its memory limit of %s (%s; %s): %s", lim,
                          ls->mechanism, count,
                          res->error[0] ? res->error : "killed");
    } else if ((res->status == RUN_FAILED || res->status == RUN_PARTIAL) &&
               interrupting(res->died_signal)) {
        run_result_status(res, RUN_INTERRUPTED, "%s", res->error);
    }
    if (limits_active(&ls->req)) {
        res->limited = 1;
        res->limits = *ls; /* before the cgroups' names are cleared */
        res->cgroup_memory_peak = peak;
        limits_cleanup(ls);
    }
}
