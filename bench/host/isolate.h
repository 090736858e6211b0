/* bench/host/isolate.h: running one piece of work in a child process under
 * limits, with the parent (the supervisor) outside them, watching it. */
#ifndef PB_ISOLATE_H
#define PB_ISOLATE_H
#include <cjson/cJSON.h>
#include <stddef.h>

#include "bench/host/limits.h"
#include "runners/runner.h"

/* Fork a child that enters st's limits and calls body(arg); the object it
 * returns comes back to the parent as JSON text through a pipe.  Returns
 * that object, or NULL when the child died before sending it (err says how:
 * signal or exit status; *signal_out gets the signal or 0). */
cJSON *isolate_run(const struct limit_state *st, cJSON *(*body)(void *arg),
                   void *arg, int *signal_out, char *err, size_t errlen);
/* The same, watching pg while the child runs: when a worker's task runs
 * longer than pg's task timeout, or the run passes its deadline, the run
 * is ended from outside -- the child, every worker process named in pg and
 * pg's kill_pgid get SIGKILL (a stopped process dies too), the child is
 * reaped and the worker processes are waited for -- and NULL comes back
 * with *timed_out = 1 and err naming the task, the worker and the limit. */
cJSON *isolate_run_watched(const struct limit_state *st,
                           cJSON *(*body)(void *arg), void *arg,
                           struct run_progress *pg, int *signal_out,
                           int *timed_out, char *err, size_t errlen);
#endif
