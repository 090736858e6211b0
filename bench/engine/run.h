/* bench/engine/run.h: executing one configuration (warm-up + repetitions)
 * into its typed result (bench/engine/result.h), and the configuration
 * part of the report's run object. */
#ifndef PB_RUN_H
#define PB_RUN_H
#include <cjson/cJSON.h>
#include <stdio.h>

#include "bench/engine/config.h"
#include "bench/engine/result.h"

/* The run's state between preparing and measuring. */
struct run_state {
    struct run_plan *plan;
    struct task_data d;
    size_t in_bytes, out_bytes; /* arena sizes */
    double setup_s;             /* workload setup + input generation */
    int setup_done;             /* workload setup() succeeded */
    char error[256];            /* preparation failure ("" if none) */
    struct run_progress *progress; /* watched by the supervisor, or NULL */
    struct pb_graph *graph;     /* the tasks' dependencies, or NULL */
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
/* Make the inputs, run warm-up and measured repetitions into res (which
 * it initialises): the measured repetitions, the result, the status and
 * its cause.  Runs in the supervised child (bench/engine/execute.c). */
void run_execute(struct run_state *s, struct run_result *res);
void run_cleanup(struct run_state *s);
/* Add the configuration part of a run object (workload, runner, workers,
 * tasks, params, derived) to run; returns its params object.  Called by
 * run_result_json() only. */
cJSON *run_config_json(struct run_state *s, cJSON *run);
/* One line per run for people, on f. */
void run_print_summary(FILE *f, const cJSON *run);
#endif
