/* bench/host/isolate.c: the supervisor of a limited run.
 *
 * The limits of a run must hold the driver and all its workers, but not the
 * process that records results: if the run is killed for exceeding its
 * memory, the report must still be written and a matrix must go on.  So the
 * supervisor forks a child; the child joins the run's cgroups and runs the
 * configuration; its run object comes back as JSON text through a pipe.
 * The supervisor reads while the child writes (a big report would fill the
 * pipe), then reaps it.  The child dies with the supervisor (PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/host/isolate.h"
#include "bench/report/jsonmem.h"
#include "runners/sysio.h"

/* The child's exit status when it could not build or print its result. */
#define EXIT_NO_MEMORY 5

static void child(const struct limit_state *st, cJSON *(*body)(void *),
                  void *arg, int fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char err[256];
    if (limits_enter(st, err, sizeof err) != 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "isolate_error", err);
        char *t = cJSON_PrintUnformatted(o);
        if (t)
            pb_write_all(fd, t, strlen(t));
        _exit(3);
    }
    cJSON *o = body(arg);
    char *t = o ? cJSON_PrintUnformatted(o) : NULL;
    if (!t)
        _exit(EXIT_NO_MEMORY);
    _exit(pb_write_all(fd, t, strlen(t)) == 0 ? 0 : 4);
}

/* Which limit, if any, pg says is passed now; its description in err. */
static int overdue(const struct run_progress *pg, char *err, size_t errlen)
{
    int64_t now = (int64_t)(pb_now() * 1e9);
    int64_t tmo = atomic_load(&pg->task_timeout_ns);
    for (unsigned k = 0; tmo > 0 && k < pg->nworkers; k++) {
        const struct worker_progress *w = &pg->w[k];
        uint64_t t1 = atomic_load_explicit(&w->task1, memory_order_acquire);
        int64_t start = atomic_load_explicit(&w->start_ns, memory_order_relaxed);
        if (t1 && now - start > tmo) {
            int pid = atomic_load(&w->pid);
            char who[48] = "";
            if (pid > 0)
                snprintf(who, sizeof who, " (pid %d)", pid);
            snprintf(err, errlen, "timeout: task %llu on worker %u%s ran "
                     "longer than %.3g s (--task-timeout)",
                     (unsigned long long)(t1 - 1), k, who, (double)tmo * 1e-9);
            return 1;
        }
    }
    int64_t dl = atomic_load(&pg->deadline_ns);
    if (dl > 0 && now > dl) {
        snprintf(err, errlen, "timeout: the run went past its --run-timeout");
        return 1;
    }
    return 0;
}

/* End the run from outside: SIGKILL works on stopped processes too. */
static void kill_run(pid_t child, const struct run_progress *pg)
{
    kill(child, SIGKILL);
    int pgid = atomic_load(&pg->kill_pgid);
    if (pgid > 1)
        kill(-pgid, SIGKILL);
    for (unsigned k = 0; k < pg->nworkers; k++) {
        int pid = atomic_load(&pg->w[k].pid);
        if (pid > 1)
            kill(pid, SIGKILL);
    }
}

/* Wait up to `seconds` for the run's worker processes to be gone (they are
 * the child's children: once it is dead, init reaps them). */
static void await_gone(const struct run_progress *pg, double seconds)
{
    for (double until = pb_now() + seconds; pb_now() < until;) {
        int left = 0;
        for (unsigned k = 0; k < pg->nworkers; k++) {
            int pid = atomic_load(&pg->w[k].pid);
            if (pid > 1 && kill(pid, 0) == 0) {
                /* A zombie still answers kill(0): look at its state. */
                char path[64], buf[512];
                snprintf(path, sizeof path, "/proc/%d/stat", pid);
                if (pb_read_small(path, buf, sizeof buf) >= 0) {
                    char *rp = strrchr(buf, ')');
                    if (!(rp && rp[1] == ' ' && rp[2] == 'Z'))
                        left++;
                }
            }
        }
        if (!left)
            return;
        usleep(10000);
    }
}

cJSON *isolate_run(const struct limit_state *st, cJSON *(*body)(void *arg),
                   void *arg, int *signal_out, char *err, size_t errlen)
{
    int timed_out;
    return isolate_run_watched(st, body, arg, NULL, signal_out, &timed_out,
                               err, errlen);
}

cJSON *isolate_run_watched(const struct limit_state *st,
                           cJSON *(*body)(void *arg), void *arg,
                           struct run_progress *pg, int *signal_out,
                           int *timed_out, char *err, size_t errlen)
{
    *signal_out = 0;
    *timed_out = 0;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return NULL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fds[0]), close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        close(fds[0]);
        child(st, body, arg, fds[1]);
    }
    close(fds[1]);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    char why[300] = "";
    for (;;) {
        if (!buf)
            break;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf), buf = NULL;
                break;
            }
            buf = nb;
        }
        if (pg) {
            struct pollfd pf = {.fd = fds[0], .events = POLLIN};
            int r = poll(&pf, 1, 50);
            if (r == 0 || (r < 0 && errno == EINTR)) {
                if (overdue(pg, why, sizeof why)) {
                    kill_run(pid, pg);
                    *timed_out = 1;
                    break;
                }
                continue;
            }
        }
        ssize_t r = read(fds[0], buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (*timed_out) {
        await_gone(pg, 5.0);
        free(buf);
        snprintf(err, errlen, "%s", why);
        return NULL;
    }
    cJSON *o = NULL;
    int no_mem = !buf; /* the result could not be kept or parsed */
    if (buf) {
        buf[len] = 0;
        unsigned long mark = pb_json_mark();
        o = len ? cJSON_Parse(buf) : NULL;
        no_mem = pb_json_failed_since(mark);
        free(buf);
    }
    const cJSON *ie = o ? cJSON_GetObjectItem(o, "isolate_error") : NULL;
    if (ie) {
        snprintf(err, errlen, "%s", cJSON_GetStringValue(ie));
        cJSON_Delete(o);
        return NULL;
    }
    if (o && !no_mem && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return o;
    cJSON_Delete(o);
    if (WIFSIGNALED(status)) {
        *signal_out = WTERMSIG(status);
        snprintf(err, errlen, "the run's process was killed by signal %d (%s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) == EXIT_NO_MEMORY || no_mem) {
        snprintf(err, errlen, "out of memory building the report");
    } else {
        snprintf(err, errlen, "the run's process exited with status %d "
                 "without a result", WEXITSTATUS(status));
    }
    return NULL;
}
