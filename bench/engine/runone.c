/* bench/engine/runone.c: one configuration, checked, then run (runone.h).
 *
 * The order is the order in which `parbench run` has always refused bad
 * input: options and combinations, the command's own checks (the output
 * path), workload setup, memory, --dump's directory, limits.  Only the
 * embedded HTTP server (url without --urls) is started between the
 * command's checks and setup, because setup builds URLs from its port; a
 * check points the plan at a placeholder address instead.  A server that
 * will not start is a failed run, not bad input.
 *
 * What the run took is given back on every path out: the limits' cgroups
 * and the server at once, the workload's plan (small, in this process;
 * the run's memory was the child's) with the outcome, which keeps it to
 * make the run's object again should the report not fit in memory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/engine/dump.h"
#include "bench/engine/estimate.h"
#include "bench/engine/execute.h"
#include "bench/engine/runone.h"
#include "bench/engine/server_proc.h"

static const struct run_cell *cell_of(struct run_outcome *out)
{
    return out->has_cell ? &out->cell : NULL;
}

/* out records a failed run with cause err (and its run object). */
static void record_failure(const struct run_request *rq,
                           struct run_outcome *out, const char *err)
{
    run_result_init(&out->res);
    out->res.setup_s = out->st.setup_s;
    run_result_fail(&out->res, RUN_FAILED, "%s", err);
    out->json = rq->want_json ? run_result_json(&out->res, &out->st,
                                                cell_of(out))
                              : NULL;
    out->recorded = 1;
}

int run_one(const struct run_request *rq, struct run_plan *plan,
            struct run_outcome *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    run_result_init(&out->res);
    if (rq->cell) {
        out->cell = *rq->cell;
        out->has_cell = 1;
    }
    if (config_resolve(rq->cfg, plan, err, errlen))
        return -EINVAL;
    plan->no_task_records = rq->no_task_records;
    int check = rq->mode == RUN_CHECK;
    struct run_state *st = &out->st;
    struct server_proc srv = {0};
    struct limit_state ls;
    st->plan = plan;
    out->live = 1;
    int rc = rq->check_plan ? rq->check_plan(plan, err, errlen) : 0;
    if (rc == 0 && check) {
        server_proc_check(plan);
    } else if (rc == 0 && server_proc_attach(&srv, plan, err, errlen) != 0) {
        char why[512];
        snprintf(why, sizeof why, "embedded server: %s", err);
        record_failure(rq, out, why);
        return 0;
    }
    if (rc == 0)
        rc = run_setup(st, plan, err, errlen);
    if (rc == 0)
        rc = estimate_check_memory(plan, err, errlen);
    if (rc == 0 && plan->dump)
        rc = dump_prepare(plan->dump, err, errlen);
    if (rc == 0)
        rc = execute_prepare(plan, &ls, err, errlen);
    if (rc != 0) {
        server_proc_stop(&srv);
        if (!check)
            record_failure(rq, out, err);
        return -EINVAL;
    }
    if (check) {
        out->estimate_s = estimate_run_s(plan);
        limits_cleanup(&ls);
        return 0;
    }
    execute_run(st, &ls, &out->res);
    server_proc_stop(&srv); /* before the report is written */
    if (rq->want_json) {
        out->json = run_result_json(&out->res, st, cell_of(out));
        /* The object holds the repetitions now: only status and cause
         * are still asked of the result. */
        run_result_drop_reps(&out->res);
    }
    out->recorded = 1;
    return 0;
}

cJSON *run_outcome_oom(struct run_outcome *out)
{
    if (!out->live)
        return NULL;
    cJSON_Delete(out->json);
    out->json = NULL;
    run_result_fail_oom(&out->res, out->st.plan->w.p.tasks,
                        out->st.plan->repeat);
    return run_result_json(&out->res, &out->st, cell_of(out));
}

void run_outcome_free(struct run_outcome *out)
{
    run_result_free(&out->res);
    cJSON_Delete(out->json);
    out->json = NULL;
    if (out->live)
        run_cleanup(&out->st);
    out->live = 0;
}
