/* bench/engine/execute.c: one configuration, in-process or under limits.
 *
 * Without limits the run happens in this process.  With limits it happens
 * in a child inside the run's cgroups (bench/host/isolate.c) and this process
 * only records: the run object comes back as JSON, or, when the child was
 * killed (the OOM killer, a crash), this process writes the run object
 * itself with the cause.
 *
 * "oom" is what the kernel says, never a guess from the signal: a SIGKILL
 * from outside (a user, a watchdog) while --memory is set is "failed" with
 * the signal.  The run is "oom" when the cgroup's OOM-kill counter moved
 * (which also catches a worker killed while the child survived).  On a
 * kernel without that counter (v1 before Linux 4.13) the stated rule is:
 * a process of the run died of SIGKILL and the cgroup had reached its
 * limit (memory.failcnt > 0 and the peak at the limit).  A run with no
 * memory cgroup of its own (no writable cgroup: inside a container) that
 * dies of SIGKILL while the OOM-kill counter of the cgroup parbench is in
 * moved is "oom" too: that cgroup's tighter limit killed it. */
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <stdio.h>
#include <string.h>

#include "bench/engine/execute.h"
#include "bench/report/jsonmem.h"
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
    int failed;
};

static cJSON *body(void *arg)
{
    struct body_arg *b = arg;
    return run_execute(b->s, &b->failed);
}

static void set_str(cJSON *o, const char *k, const char *v)
{
    cJSON_DeleteItemFromObject(o, k);
    cJSON_AddStringToObject(o, k, v);
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

/* Every configuration runs in a supervised child (bench/host/isolate.c): with
 * limits, so they hold the run and not the recorder; and always, so that a
 * stuck or stopped worker -- a thread included, which cannot be killed on
 * its own -- ends as status "timeout" with the report written and the next
 * matrix cell going on. */
cJSON *execute_run(struct run_state *s, struct limit_state *ls, int *failed)
{
    struct body_arg b = {.s = s};
    char err[300];
    int sig = 0, timed_out = 0;
    unsigned long mark = pb_json_mark();
    size_t pg_bytes = 0;
    struct run_progress *pg = map_progress(s->plan, &pg_bytes);
    s->progress = pg;
    cJSON *run = isolate_run_watched(ls, body, &b, pg, &sig, &timed_out, err,
                                     sizeof err);
    s->progress = NULL;
    if (pg)
        munmap(pg, pg_bytes);
    int64_t ooms = limits_oom_kills(ls);
    uint64_t peak = limits_memory_peak(ls);
    if (!run) {
        run = run_failed_json(s, err);
        if (run && timed_out)
            set_str(run, "status", "timeout");
    }
    if (!run) {
        limits_cleanup(ls);
        *failed = 1;
        return NULL;
    }
    const cJSON *st = cJSON_GetObjectItem(run, "status");
    int ok = cJSON_IsString(st) && !strcmp(st->valuestring, "ok");
    const cJSON *e = cJSON_GetObjectItem(run, "error");
    /* A worker's death reaches the error text as "signal 9". */
    int sigkill = sig == SIGKILL ||
                  (cJSON_IsString(e) && strstr(e->valuestring, "signal 9"));
    int oom = ooms > 0 ||
              (ooms < 0 && sigkill && limits_memory_limit_hit(ls));
    int64_t outer = ok || oom || !sigkill ? -1 : limits_outer_oom_kills(ls);
    if (outer > 0) {
        /* Killed by the limit of the cgroup parbench itself is in (a
         * container's), tighter than the run's own. */
        char lim[32], own[64] = "", msg[1900];
        if (ls->req.memory) {
            pb_format_size(ls->req.memory, lim, sizeof lim);
            snprintf(own, sizeof own, " before the run's own of %s", lim);
        }
        snprintf(msg, sizeof msg, "out of memory: the cgroup parbench runs "
                 "in (%s) reached its limit%s (%lld OOM kill%s there): %s",
                 ls->outer_mem_dir, own, (long long)outer, outer == 1 ? "" : "s",
                 cJSON_IsString(e) ? e->valuestring : "killed");
        set_str(run, "status", "oom");
        set_str(run, "error", msg);
    }
    if (!ok && oom) {
        char lim[32], msg[600], count[64];
        pb_format_size(ls->req.memory, lim, sizeof lim);
        if (ooms >= 0)
            snprintf(count, sizeof count, "%lld OOM kill%s", (long long)ooms,
                     ooms == 1 ? "" : "s");
        else
            snprintf(count, sizeof count, "killed at its limit");
        snprintf(msg, sizeof msg, "out of memory: the run exceeded its "
                 "memory limit of %s (%s; %s): %s", lim, ls->mechanism, count,
                 cJSON_IsString(e) ? e->valuestring : "killed");
        set_str(run, "status", "oom");
        set_str(run, "error", msg);
    }
    if (limits_active(&ls->req)) {
        cJSON *lj = limits_json(ls);
        if (peak)
            cJSON_AddNumberToObject(lj, "cgroup_memory_peak_bytes",
                                    (double)peak);
        cJSON_DeleteItemFromObject(run, "limits");
        cJSON_AddItemToObject(run, "limits", lj);
        limits_cleanup(ls);
    }
    if (pb_json_failed_since(mark)) { /* reading it back or adding to it */
        cJSON_Delete(run);
        *failed = 1;
        return run_oom_json(s);
    }
    st = cJSON_GetObjectItem(run, "status");
    *failed = !(cJSON_IsString(st) && !strcmp(st->valuestring, "ok"));
    return run;
}
