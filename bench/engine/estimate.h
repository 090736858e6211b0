/* bench/engine/estimate.h: a rough duration of a run before it runs, for
 * `matrix --dry-run` and its progress estimate. */
#ifndef PB_ESTIMATE_H
#define PB_ESTIMATE_H
#include <stdint.h>

#include "bench/engine/config.h"

/* Seconds for warm-up + repetitions of the plan (after run_setup). */
double estimate_run_s(const struct run_plan *p);

/* Memory a configuration needs at least, bytes, by part (after run_setup). */
struct mem_need {
    uint64_t inputs, outputs; /* the driver's shared arenas */
    uint64_t scratch;         /* workers x one worker's context */
    uint64_t copies;          /* transfer copy/local: each worker's buffers */
    uint64_t records;         /* per-task records and digests */
    uint64_t total;
};
void estimate_memory(const struct run_plan *p, struct mem_need *m);
/* Refuse (-ENOMEM, the figures in err) a plan that needs more memory than
 * is available to this process: MemAvailable, and the memory limit of the
 * cgroup it lives in when that is lower.  p->force skips the check. */
int estimate_check_memory(const struct run_plan *p, char *err, size_t errlen);
#endif
