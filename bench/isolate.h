/* bench/isolate.h: running one piece of work in a child process under
 * limits, with the parent (the supervisor) outside them. */
#ifndef PB_ISOLATE_H
#define PB_ISOLATE_H
#include <cjson/cJSON.h>
#include <stddef.h>

#include "bench/limits.h"

/* Fork a child that enters st's limits and calls body(arg); the object it
 * returns comes back to the parent as JSON text through a pipe.  Returns
 * that object, or NULL when the child died before sending it (err says how:
 * signal or exit status; *signal_out gets the signal or 0). */
cJSON *isolate_run(const struct limit_state *st, cJSON *(*body)(void *arg),
                   void *arg, int *signal_out, char *err, size_t errlen);
#endif
