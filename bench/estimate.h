/* bench/estimate.h: a rough duration of a run before it runs, for
 * `matrix --dry-run` and its progress estimate. */
#ifndef PB_ESTIMATE_H
#define PB_ESTIMATE_H
#include "bench/config.h"

/* Seconds for warm-up + repetitions of the plan (after run_setup). */
double estimate_run_s(const struct run_plan *p);
#endif
