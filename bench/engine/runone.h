/* bench/engine/runone.h: one configuration, from its options to its typed
 * result: the one path `parbench run`, every cell of `parbench matrix` and
 * every point of `parbench metg` take.
 *
 * The same function checks: in RUN_CHECK mode it goes through every step
 * `run` goes through before the run starts -- options resolved into a
 * plan, the command's own checks, workload setup (parameters, URL files),
 * the memory the run needs, --dump's directory, and the limits prepared
 * against this host (--cpus, --memory, --cpuset, --bind; the cgroups are
 * made and removed again) -- and stops there.  So whatever `run` would
 * refuse, a check refuses with the same message, and a matrix checked
 * this way never starts a cell that `run` would refuse. */
#ifndef PB_RUNONE_H
#define PB_RUNONE_H
#include <cjson/cJSON.h>
#include <stddef.h>

#include "bench/engine/config.h"
#include "bench/engine/result.h"
#include "bench/engine/run.h"

enum run_mode {
    RUN_CHECK,   /* every check, nothing run, nothing left behind */
    RUN_EXECUTE, /* the checks, then the run */
};

struct run_request {
    enum run_mode mode;
    const struct run_config *cfg;
    int no_task_records; /* repetitions without their tasks (metg's 100k
                            task points would make huge results) */
    int want_json;       /* RUN_EXECUTE: make the report's run object */
    const struct run_cell *cell; /* the matrix cell, for the run object */
    /* The command's own refusals of the resolved plan (run: its --output),
     * checked in their place among the others; NULL: none. */
    int (*check_plan)(const struct run_plan *p, char *err, size_t errlen);
};

struct run_outcome {
    struct run_result res; /* RUN_EXECUTE: the result, every path */
    cJSON *json;     /* want_json: the run object (take it: set it to NULL),
                        NULL when not even a failed one fits in memory */
    int recorded;    /* res and json hold a run (RUN_EXECUTE) */
    double estimate_s; /* RUN_CHECK: the run's estimated duration */
    /* Kept until run_outcome_free, for run_outcome_oom: the configuration
     * the run object is made from (its workload set up). */
    struct run_state st;
    struct run_cell cell;
    int has_cell, live;
};

/* Run (or check) rq->cfg; plan receives the resolved plan (the caller
 * reads its output, quiet).  Returns 0 when the checks passed (and, when
 * executing, the run was made: out->res says how it went, ok or not), or
 * -EINVAL when the configuration is refused, err saying why (bad input:
 * exit 2, nothing run).  A refusal met while executing after the plan was
 * resolved (a matrix cell whose host changed since the check: memory,
 * cgroups, a file) is also recorded as a failed run in out, so a caller
 * that goes on can keep it. */
int run_one(const struct run_request *rq, struct run_plan *plan,
            struct run_outcome *out, char *err, size_t errlen);
/* When the report holding out's run object cannot be printed for lack of
 * memory: the run becomes a failed one saying so ("out of memory building
 * the report"), and this is its object (the caller's, NULL when out of
 * memory still), to put where the first one was. */
cJSON *run_outcome_oom(struct run_outcome *out);
/* Free out's result and run object, and give back the configuration's
 * workload plan. */
void run_outcome_free(struct run_outcome *out);
#endif
