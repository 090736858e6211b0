/* bench/isolate.c: the supervisor of a limited run.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/isolate.h"
#include "bench/jsonmem.h"

/* The child's exit status when it could not build or print its result. */
#define EXIT_NO_MEMORY 5

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

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
            write_all(fd, t, strlen(t));
        _exit(3);
    }
    cJSON *o = body(arg);
    char *t = o ? cJSON_PrintUnformatted(o) : NULL;
    if (!t)
        _exit(EXIT_NO_MEMORY);
    _exit(write_all(fd, t, strlen(t)) == 0 ? 0 : 4);
}

cJSON *isolate_run(const struct limit_state *st, cJSON *(*body)(void *arg),
                   void *arg, int *signal_out, char *err, size_t errlen)
{
    *signal_out = 0;
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
