/* bench/execute.c: one configuration, in-process or under limits.
 *
 * Without limits the run happens in this process.  With limits it happens
 * in a child inside the run's cgroups (bench/isolate.c) and this process
 * only records: the run object comes back as JSON, or, when the child was
 * killed (the OOM killer, a crash), this process writes the run object
 * itself with the cause.  A worker killed by the OOM killer while the
 * child survives also counts as "oom": the cgroup's OOM-kill counter says
 * so. */
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <stdio.h>
#include <string.h>

#include "bench/execute.h"
#include "bench/parse.h"

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

/* Every configuration runs in a supervised child (bench/isolate.c): with
 * limits, so they hold the run and not the recorder; and always, so that a
 * stuck or stopped worker -- a thread included, which cannot be killed on
 * its own -- ends as status "timeout" with the report written and the next
 * matrix cell going on. */
cJSON *execute_run(struct run_state *s, struct limit_state *ls, int *failed)
{
    struct body_arg b = {.s = s};
    char err[300];
    int sig = 0, timed_out = 0;
    size_t pg_bytes = 0;
    struct run_progress *pg = map_progress(s->plan, &pg_bytes);
    s->progress = pg;
    cJSON *run = isolate_run_watched(ls, body, &b, pg, &sig, &timed_out, err,
                                     sizeof err);
    s->progress = NULL;
    if (pg)
        munmap(pg, pg_bytes);
    if (!run && timed_out) {
        run = cJSON_CreateObject();
        run_config_json(s, run);
        cJSON_AddStringToObject(run, "status", "timeout");
        cJSON_AddStringToObject(run, "error", err);
        cJSON *res = cJSON_AddObjectToObject(run, "result");
        cJSON_AddNullToObject(res, "checksum");
        cJSON_AddNullToObject(res, "value");
        cJSON_AddArrayToObject(run, "repetitions");
        cJSON_AddObjectToObject(run, "summary");
    }
    uint64_t ooms = limits_oom_kills(ls);
    uint64_t peak = limits_memory_peak(ls);
    if (!run) {
        run = cJSON_CreateObject();
        run_config_json(s, run);
        cJSON_AddStringToObject(run, "status", "failed");
        cJSON_AddStringToObject(run, "error", err);
        cJSON *res = cJSON_AddObjectToObject(run, "result");
        cJSON_AddNullToObject(res, "checksum");
        cJSON_AddNullToObject(res, "value");
        cJSON_AddArrayToObject(run, "repetitions");
        cJSON_AddObjectToObject(run, "summary");
    }
    const cJSON *st = cJSON_GetObjectItem(run, "status");
    int ok = cJSON_IsString(st) && !strcmp(st->valuestring, "ok");
    if (!ok && (ooms > 0 || (sig == SIGKILL && ls->req.memory))) {
        char lim[32], msg[600];
        pb_format_size(ls->req.memory, lim, sizeof lim);
        const cJSON *e = cJSON_GetObjectItem(run, "error");
        snprintf(msg, sizeof msg, "out of memory: the run exceeded its "
                 "memory limit of %s (%s; %llu OOM kill%s): %s", lim,
                 ls->mechanism, (unsigned long long)ooms, ooms == 1 ? "" : "s",
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
    st = cJSON_GetObjectItem(run, "status");
    *failed = !(cJSON_IsString(st) && !strcmp(st->valuestring, "ok"));
    return run;
}
