/* bench/engine/execute.h: run one prepared configuration in its supervised
 * child, under its limits when it has any (bench/engine/runone.c calls it
 * for `run`, `matrix` and `metg`). */
#ifndef PB_EXECUTE_H
#define PB_EXECUTE_H
#include <stddef.h>

#include "bench/engine/result.h"
#include "bench/engine/run.h"
#include "bench/host/isolate.h"

/* Check and make the limits of the plan (bad input: -EINVAL with err). */
int execute_prepare(struct run_plan *p, struct limit_state *ls, char *err,
                    size_t errlen);
/* Execute s (set up by run_setup) in a supervised child inside ls and fill
 * res: what the child measured, or, when the child did not send it (killed,
 * timed out, out of memory), a failed result with the cause.  The status
 * comes from typed facts only: "oom" from the kernel's count, "timeout"
 * from the supervisor, "interrupted" from the signal.  Removes the limits'
 * cgroups before returning. */
void execute_run(struct run_state *s, struct limit_state *ls,
                 struct run_result *res);
#endif
