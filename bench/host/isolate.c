/* bench/host/isolate.c: the supervisor of a limited run.
 *
 * The limits of a run must hold the driver and all its workers, but not the
 * process that records results: if the run is killed for exceeding its
 * memory, the report must still be written and a matrix must go on.  So the
 * supervisor forks a child; the child joins the run's cgroups and runs the
 * configuration; its result comes back through a pipe as one message: its
 * length (8 bytes), then the bytes.  The supervisor reads while the child
 * writes (a big result would fill the pipe), then reaps it; how the child
 * ended (its exit status, a signal, a timeout) is said in a typed outcome.
 * The child dies with the supervisor (PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/host/isolate.h"
#include "runners/sysio.h"

/* The child's exit status when it could not enter the limits (its message
 * is then the reason) or could not write its message. */
#define EXIT_ENTER_FAILED 3
#define EXIT_WRITE_FAILED 4

static int send_msg(int fd, const struct isolate_msg *m)
{
    uint64_t total = 0;
    for (size_t k = 0; k < m->parts; k++)
        total += m->len[k];
    if (pb_write_all(fd, (const char *)&total, sizeof total))
        return -1;
    for (size_t k = 0; k < m->parts; k++)
        if (m->len[k] && pb_write_all(fd, m->part[k], m->len[k]))
            return -1;
    return 0;
}

static void child(const struct limit_state *st, isolate_body body, void *arg,
                  int fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char err[256];
    struct isolate_msg m = {0};
    if (limits_enter(st, err, sizeof err) != 0) {
        m.parts = 1;
        m.part[0] = err, m.len[0] = strlen(err);
        send_msg(fd, &m);
        _exit(EXIT_ENTER_FAILED);
    }
    body(arg, &m);
    _exit(send_msg(fd, &m) == 0 ? 0 : EXIT_WRITE_FAILED);
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

/* The cgroups the run named in pg (an exec peer's), when the run's process
 * ended without removing them (killed, timed out): every process in them
 * killed, then the cgroups removed. */
static void sweep_cgroups(struct run_progress *pg)
{
    for (int i = 0; i < 2; i++) {
        char dir[sizeof pg->kill_cgroup[i]];
        memcpy(dir, pg->kill_cgroup[i], sizeof dir);
        dir[sizeof dir - 1] = 0;
        for (int attempt = 0; dir[0] && attempt < 200; attempt++) {
            char path[sizeof dir + 16], buf[8192];
            snprintf(path, sizeof path, "%s/cgroup.procs", dir);
            ssize_t n = pb_read_small(path, buf, sizeof buf);
            if (n < 0)
                break; /* gone: removed by the runner */
            for (char *s, *t = strtok_r(buf, "\n", &s); t;
                 t = strtok_r(NULL, "\n", &s))
                kill((pid_t)atoi(t), SIGKILL);
            if (rmdir(dir) == 0)
                break;
            usleep(10000);
        }
        pg->kill_cgroup[i][0] = 0;
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

/* The message as it arrives: its length, then its bytes. */
struct inbox {
    uint64_t len;
    size_t hdr_got, got;
    char *buf;  /* [len + 1] once the length is known */
    int no_mem; /* the length did not fit in memory */
};

/* Read what is there; 0 at the end (EOF, error, or a message that cannot
 * be kept), 1 while more may come. */
static int take(int fd, struct inbox *in)
{
    ssize_t r;
    if (in->hdr_got < sizeof in->len) {
        r = read(fd, (char *)&in->len + in->hdr_got,
                 sizeof in->len - in->hdr_got);
        if (r > 0 && (in->hdr_got += (size_t)r) == sizeof in->len) {
            in->buf = in->len < SIZE_MAX ? malloc((size_t)in->len + 1) : NULL;
            if (!in->buf) {
                in->no_mem = 1; /* closing the pipe ends the child */
                return 0;
            }
        }
    } else {
        size_t want = (size_t)in->len - in->got;
        if (want > (1u << 20))
            want = 1u << 20;
        r = want ? read(fd, in->buf + in->got, want) : 0;
        if (r > 0)
            in->got += (size_t)r;
    }
    if (r < 0 && errno == EINTR)
        return 1;
    return r > 0;
}

void isolate_run(const struct limit_state *st, isolate_body body, void *arg,
                 struct run_progress *pg, struct isolate_outcome *out)
{
    memset(out, 0, sizeof *out);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        out->end = ISOLATE_NOT_STARTED;
        snprintf(out->error, sizeof out->error, "pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        out->end = ISOLATE_NOT_STARTED;
        snprintf(out->error, sizeof out->error, "fork: %s", strerror(errno));
        close(fds[0]), close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        child(st, body, arg, fds[1]);
    }
    close(fds[1]);
    struct inbox in = {0};
    char why[300] = "";
    int timed_out = 0;
    for (;;) {
        if (pg) {
            struct pollfd pf = {.fd = fds[0], .events = POLLIN};
            int r = poll(&pf, 1, 50);
            if (r == 0 || (r < 0 && errno == EINTR)) {
                if (overdue(pg, why, sizeof why)) {
                    kill_run(pid, pg);
                    timed_out = 1;
                    break;
                }
                continue;
            }
        }
        if (!take(fds[0], &in))
            break;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pg)
        sweep_cgroups(pg);
    int whole = in.buf && in.got == in.len;
    if (whole)
        in.buf[in.len] = 0;
    if (timed_out) {
        await_gone(pg, 5.0);
        out->end = ISOLATE_TIMED_OUT;
        snprintf(out->error, sizeof out->error, "%s", why);
    } else if (in.no_mem) {
        out->end = ISOLATE_NO_MEMORY;
        snprintf(out->error, sizeof out->error,
                 "out of memory building the report");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_ENTER_FAILED &&
               whole) {
        out->end = ISOLATE_ENTER_FAILED;
        snprintf(out->error, sizeof out->error, "%s", in.buf);
    } else if (WIFSIGNALED(status)) {
        out->end = ISOLATE_KILLED;
        out->signal = WTERMSIG(status);
        snprintf(out->error, sizeof out->error, "the run's process was "
                 "killed by signal %d (%s)", out->signal,
                 strsignal(out->signal));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && whole) {
        out->end = ISOLATE_SENT;
        out->msg = in.buf;
        out->len = (size_t)in.len;
        return;
    } else {
        out->end = ISOLATE_NO_RESULT;
        snprintf(out->error, sizeof out->error, "the run's process exited "
                 "with status %d without a result",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    free(in.buf);
}
