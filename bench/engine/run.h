/* bench/engine/run.h: executing one configuration (warm-up + repetitions) and
 * turning what was measured into the report's run object. */
#ifndef PB_RUN_H
#define PB_RUN_H
#include <cjson/cJSON.h>
#include <stdio.h>

#include "bench/engine/config.h"

/* The run's state between preparing and measuring. */
struct run_state {
    struct run_plan *plan;
    struct task_data d;
    size_t in_bytes, out_bytes; /* arena sizes */
    double setup_s;             /* workload setup + input generation */
    int setup_done;             /* workload setup() succeeded */
    char error[256];            /* preparation failure ("" if none) */
    struct run_progress *progress; /* watched by the supervisor, or NULL */
};

/* --task-timeout until the first repetition has shown how long tasks take
 * (then: RUN_TASK_TIMEOUT_FACTOR x its longest task, at least
 * RUN_TASK_TIMEOUT_MIN_S), and --run-timeout's default once the first
 * repetition is known: RUN_TIMEOUT_SLACK_S + RUN_TIMEOUT_FACTOR x (the
 * repetitions left) x its end-to-end time.  See the README. */
#define RUN_TASK_TIMEOUT_FIRST_S 300.0
#define RUN_TASK_TIMEOUT_FACTOR 10.0
#define RUN_TASK_TIMEOUT_MIN_S 10.0
#define RUN_TIMEOUT_SLACK_S 60.0
#define RUN_TIMEOUT_FACTOR 10.0

/* Set the workload up (validates parameters: a failure here is bad input,
 * exit 2, with the reason in err).  No memory for inputs is taken yet. */
int run_setup(struct run_state *s, struct run_plan *p, char *err,
              size_t errlen);
/* Make the inputs, run warm-up and measured repetitions, and return the
 * report's run object.  *status is 0 for "ok", 1 for any other status.
 * When memory ran out while building it, the object is a failed one whose
 * error says "out of memory building the report"; NULL when even that
 * could not be built. */
cJSON *run_execute(struct run_state *s, int *status);
/* A failed run object with its configuration and error, empty result,
 * repetitions and summary; NULL when out of memory. */
cJSON *run_failed_json(struct run_state *s, const char *error);
/* run_failed_json with "out of memory building the report (...)". */
cJSON *run_oom_json(struct run_state *s);
void run_cleanup(struct run_state *s);
/* Add the configuration part of a run object (workload, runner, workers,
 * tasks, params, limits) to run; returns its params object. */
cJSON *run_config_json(struct run_state *s, cJSON *run);
/* One line per run for people, on f. */
void run_print_summary(FILE *f, const cJSON *run);
#endif
