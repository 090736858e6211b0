/* bench/engine/server_proc.h: the embedded HTTP server as a child process of
 * `parbench run --workload url` (when no --urls file is given). */
#ifndef PB_SERVER_PROC_H
#define PB_SERVER_PROC_H
#include <stddef.h>
#include <sys/types.h>

#include "bench/engine/config.h"
#include "bench/engine/serve.h"

struct server_proc {
    pid_t pid;          /* the `parbench serve` child; 0 when not running */
    char base_url[96];  /* "http://127.0.0.1:PORT", no trailing slash */
};

/* Start `parbench serve --port 0 ...` (fork + exec of /proc/self/exe) with
 * c's latency, jitter, body and seed on 127.0.0.1, wait until it accepts
 * connections, and fill sp.  Until server_proc_stop(), SIGINT and SIGTERM
 * to this process stop the child and exit with 130 / 143, and the child
 * gets SIGTERM should this process die (PR_SET_PDEATHSIG).  0, or -1 with
 * a one-line reason in err (nothing is left running). */
int server_proc_start(struct server_proc *sp, const struct serve_config *c,
                      char *err, size_t errlen);
/* What `run` and `matrix` do before run_setup(): when p needs the embedded
 * server (p->embedded_server: url without --urls), start it with
 * p->server and give the workload its address (server_at); otherwise do
 * nothing.  Stop it
 * with server_proc_stop() after the run.  0, or -1 with err. */
int server_proc_attach(struct server_proc *sp, struct run_plan *p, char *err,
                       size_t errlen);
/* For checking p without running it: when p needs the embedded server,
 * point p->w.p.base_url at an address where none listens (setup only
 * formats URLs from it, so the check needs no server). */
void server_proc_check(struct run_plan *p);
/* Stop the child (SIGTERM, then SIGKILL after 5 s), reap it, restore the
 * signal handlers.  Safe to call when nothing was started. */
void server_proc_stop(struct server_proc *sp);
#endif
