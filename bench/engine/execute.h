/* bench/engine/execute.h: run one prepared configuration, under its limits when it
 * has any; shared by `run` and `matrix`. */
#ifndef PB_EXECUTE_H
#define PB_EXECUTE_H
#include <cjson/cJSON.h>
#include <stddef.h>

#include "bench/host/isolate.h"
#include "bench/engine/run.h"

/* Check and make the limits of the plan (bad input: -EINVAL with err). */
int execute_prepare(struct run_plan *p, struct limit_state *ls, char *err,
                    size_t errlen);
/* Execute s (set up by run_setup) and return its run object; *failed is 1
 * unless its status is "ok".  With limits, the run happens in a supervised
 * child inside them; an OOM kill gives status "oom".  Removes the limits'
 * cgroups before returning.  Out of memory: a failed run object saying
 * so, or NULL when even that could not be made. */
cJSON *execute_run(struct run_state *s, struct limit_state *ls, int *failed);
#endif
