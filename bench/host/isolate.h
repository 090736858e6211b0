/* bench/host/isolate.h: running one piece of work in a child process under
 * limits, with the parent (the supervisor) outside them, watching it. */
#ifndef PB_ISOLATE_H
#define PB_ISOLATE_H
#include <stddef.h>

#include "bench/host/limits.h"
#include "runners/runner.h"

/* What the child sends back: pieces of its own memory, sent one after the
 * other as one message. */
#define ISOLATE_PARTS 8
struct isolate_msg {
    size_t parts;
    const void *part[ISOLATE_PARTS];
    size_t len[ISOLATE_PARTS];
};
/* The work, called in the child once it is inside the limits: fill msg
 * (pointing into memory that stays valid until the child exits). */
typedef void (*isolate_body)(void *arg, struct isolate_msg *msg);

/* How the child ended, as far as the supervisor can tell. */
enum isolate_end {
    ISOLATE_SENT = 0,     /* it sent its whole message and exited 0 */
    ISOLATE_NOT_STARTED,  /* no pipe or no fork */
    ISOLATE_ENTER_FAILED, /* it could not enter the limits */
    ISOLATE_KILLED,       /* it was killed by a signal (from outside, the
                             kernel), before or while sending */
    ISOLATE_TIMED_OUT,    /* the supervisor ended it: a task or the run
                             went past its time (progress page) */
    ISOLATE_NO_MEMORY,    /* the message did not fit in the supervisor */
    ISOLATE_NO_RESULT,    /* it exited without a whole message */
};

struct isolate_outcome {
    enum isolate_end end;
    void *msg;        /* ISOLATE_SENT: the message (malloc'ed, the caller's
                         to free), else NULL */
    size_t len;
    int signal;       /* ISOLATE_KILLED: the signal */
    char error[300];  /* but for ISOLATE_SENT: what happened, one line */
};

/* Fork a child that enters st's limits and runs body; read its message
 * while it runs, then reap it.  With pg (else NULL), watch the run: when a
 * worker's task runs longer than pg's task timeout, or the run passes its
 * deadline, the run is ended from outside -- the child, every worker
 * process named in pg and pg's kill_pgid get SIGKILL (a stopped process
 * dies too), the child is reaped and the worker processes are waited for
 * -- and the outcome is ISOLATE_TIMED_OUT with error naming the task, the
 * worker and the limit. */
void isolate_run(const struct limit_state *st, isolate_body body, void *arg,
                 struct run_progress *pg, struct isolate_outcome *out);
#endif
