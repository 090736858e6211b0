/* runners/exec_proc.c: one peer process.  Started with fork and execvp
 * (never a shell) in its own session and process group, inside the tree's
 * cgroups (runners/exec_tree.c) before it execs; its stdin and stdout are
 * pipes to us, its stderr a third pipe read into a ring of its last bytes
 * whenever we wait on it, so a chatty peer never blocks and a failed one
 * leaves its last lines for the report.  Writing (the setup line can be
 * hundreds of KB) and reading are one poll loop, so neither side can wait
 * on the other. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runners/exec.h"

/* In the forked child: async-signal-safe writing of our pid. */
static void join_cgroup(const char *dir)
{
    if (!dir[0])
        return;
    char path[1100];
    size_t l = strlen(dir);
    if (l + 14 >= sizeof path)
        return;
    memcpy(path, dir, l);
    memcpy(path + l, "/cgroup.procs", 14);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char num[24];
    int k = (int)sizeof num;
    unsigned long v = (unsigned long)getpid();
    do
        num[--k] = (char)('0' + v % 10);
    while ((v /= 10));
    if (write(fd, num + k, sizeof num - (size_t)k) < 0) {
        /* measured as the sum of its processes then: the report says
         * cgroup because the tree has one, but the peer is outside it --
         * exec.c checks membership after the start */
    }
    close(fd);
}

int exec_proc_start(struct peer_proc *p, char *const argv[], const char *dir,
                    char *err, size_t errlen)
{
    int in[2], out[2], er[2], ex[2];
    p->pid = -1;
    p->in_fd = p->out_fd = p->err_fd = -1;
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
        pipe2(er, O_CLOEXEC) || pipe2(ex, O_CLOEXEC)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1; /* the few descriptors made are closed at exit */
    }
    p->started = pb_now();
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        join_cgroup(p->tree.mem_dir);
        if (p->tree.version == 1)
            join_cgroup(p->tree.cpu_dir);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(er[1], 2) < 0)
            _exit(127);
        int e = 0;
        if (dir && dir[0] && chdir(dir) != 0)
            e = errno;
        else
            execvp(argv[0], argv);
        if (!e)
            e = errno;
        if (write(ex[1], &e, sizeof e) < 0)
            _exit(127);
        _exit(127);
    }
    close(in[0]), close(out[1]), close(er[1]), close(ex[1]);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(in[1]), close(out[0]), close(er[0]), close(ex[0]);
        return -1;
    }
    p->pid = pid;
    p->tree.sid = pid;
    p->in_fd = in[1];
    p->out_fd = out[0];
    p->err_fd = er[0];
    /* The exec pipe closes on a successful exec; an errno arrives if not. */
    int e = 0;
    ssize_t r;
    while ((r = read(ex[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close(ex[0]);
    if (r == (ssize_t)sizeof e) {
        snprintf(err, errlen, "cannot start %s%s%s: %s", argv[0],
                 dir && dir[0] ? " in " : "", dir ? dir : "", strerror(e));
        exec_proc_kill(p);
        return -1;
    }
    fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
    fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
    return 0;
}

static void ring_add(struct peer_proc *p, const char *b, size_t n)
{
    if (n >= EXEC_ERR_RING) {
        b += n - EXEC_ERR_RING;
        n = EXEC_ERR_RING;
    }
    if (p->ring_len + n > EXEC_ERR_RING) {
        size_t drop = p->ring_len + n - EXEC_ERR_RING;
        memmove(p->ring, p->ring + drop, p->ring_len - drop);
        p->ring_len -= drop;
    }
    memcpy(p->ring + p->ring_len, b, n);
    p->ring_len += n;
}

static void drain_err(struct peer_proc *p)
{
    char b[4096];
    ssize_t r;
    while (p->err_fd >= 0 && (r = read(p->err_fd, b, sizeof b)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
        }
        if (r <= 0) {
            close(p->err_fd);
            p->err_fd = -1;
            return;
        }
        ring_add(p, b, (size_t)r);
    }
    if (p->err_fd >= 0) { /* end of file */
        close(p->err_fd);
        p->err_fd = -1;
    }
}

/* Append what stdout has to p->buf; -1 on a read error. */
static void drain_out(struct peer_proc *p)
{
    for (;;) {
        if (p->cap - p->len < 65536) {
            size_t cap = p->cap ? p->cap * 2 : 131072;
            char *b = realloc(p->buf, cap);
            if (!b)
                return;
            p->buf = b;
            p->cap = cap;
        }
        ssize_t r = read(p->out_fd, p->buf + p->len, p->cap - p->len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return; /* EAGAIN */
        if (r == 0) {
            p->out_eof = 1;
            return;
        }
        p->len += (size_t)r;
        /* Enough for now: the caller looks for a line. */
        if (memchr(p->buf + p->len - (size_t)r, '\n', (size_t)r))
            return;
        if (p->len > 4 * EXEC_LINE_MAX)
            return;
    }
}

/* One poll round until the deadline: stdout, stderr, and stdin when
 * want_write.  0, or -ETIMEDOUT. */
static int wait_io(struct peer_proc *p, double deadline, int want_write,
                   int *writable)
{
    struct pollfd pf[3];
    int n = 0, io = -1, ie = -1, iw = -1;
    if (p->out_fd >= 0 && !p->out_eof)
        io = n, pf[n++] = (struct pollfd){p->out_fd, POLLIN, 0};
    if (p->err_fd >= 0)
        ie = n, pf[n++] = (struct pollfd){p->err_fd, POLLIN, 0};
    if (want_write && p->in_fd >= 0)
        iw = n, pf[n++] = (struct pollfd){p->in_fd, POLLOUT, 0};
    double left = deadline - pb_now();
    if (left <= 0)
        return -ETIMEDOUT;
    int ms = left > 1000 ? 1000000 : (int)(left * 1000) + 1;
    int r = n ? poll(pf, (nfds_t)n, ms) : (usleep(10000), 0);
    if (r < 0 && errno != EINTR)
        return -errno;
    if (r <= 0)
        return pb_now() >= deadline ? -ETIMEDOUT : 0;
    if (ie >= 0 && pf[ie].revents)
        drain_err(p);
    if (io >= 0 && pf[io].revents)
        drain_out(p);
    if (writable)
        *writable = iw >= 0 && pf[iw].revents;
    return 0;
}

int exec_proc_send(struct peer_proc *p, const char *buf, size_t len,
                   double deadline, char *err, size_t errlen)
{
    size_t off = 0;
    while (off < len) {
        if (p->in_fd < 0) {
            snprintf(err, errlen, "its standard input is closed");
            return -1;
        }
        ssize_t w = write(p->in_fd, buf + off, len - off);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EPIPE) {
            snprintf(err, errlen, "it closed its standard input");
            return -1;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            snprintf(err, errlen, "writing to it: %s", strerror(errno));
            return -1;
        }
        int can = 0;
        int rc = wait_io(p, deadline, 1, &can);
        if (rc == -ETIMEDOUT) {
            snprintf(err, errlen, "it did not read its input within the "
                     "time limit");
            return -1;
        }
    }
    return 0;
}

int exec_proc_line(struct peer_proc *p, double deadline, char **line,
                   size_t *len)
{
    /* The previous line is consumed: p->buf holds it up to its '\n'. */
    for (;;) {
        char *nl = p->len ? memchr(p->buf, '\n', p->len) : NULL;
        if (nl) {
            *nl = 0;
            *line = p->buf;
            *len = (size_t)(nl - p->buf);
            if (*len > EXEC_LINE_MAX)
                return -EPROTO;
            return 1;
        }
        if (p->len > EXEC_LINE_MAX)
            return -EPROTO;
        if (p->out_eof || p->out_fd < 0)
            return 0;
        int rc = wait_io(p, deadline, 0, NULL);
        if (rc)
            return rc;
    }
}

/* Drop the line exec_proc_line gave (call before the next one). */
void exec_proc_consume(struct peer_proc *p, size_t len)
{
    size_t used = len + 1;
    if (used > p->len)
        used = p->len;
    memmove(p->buf, p->buf + used, p->len - used);
    p->len -= used;
}

void exec_proc_close_stdin(struct peer_proc *p)
{
    if (p->in_fd >= 0)
        close(p->in_fd);
    p->in_fd = -1;
}

int exec_proc_wait(struct peer_proc *p, double deadline)
{
    while (!p->exited && p->pid > 0) {
        int st;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) {
            p->exited = 1;
            p->status = st;
            break;
        }
        if (r < 0 && errno != EINTR)
            return 0;
        if (pb_now() >= deadline)
            return 0;
        drain_err(p);
        usleep(2000);
    }
    return 1;
}

void exec_proc_exit_text(const struct peer_proc *p, char *buf, size_t n)
{
    if (!p->exited)
        snprintf(buf, n, "still running");
    else if (WIFEXITED(p->status))
        snprintf(buf, n, "exit status %d", WEXITSTATUS(p->status));
    else if (WIFSIGNALED(p->status))
        snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(p->status),
                 strsignal(WTERMSIG(p->status)));
    else
        snprintf(buf, n, "ended (status %#x)", p->status);
}

void exec_proc_stderr_tail(struct peer_proc *p, char *buf, size_t n)
{
    drain_err(p);
    buf[0] = 0;
    size_t end = p->ring_len;
    while (end && (p->ring[end - 1] == '\n' || p->ring[end - 1] == '\r'))
        end--;
    /* Back EXEC_ERR_LINES lines. */
    size_t start = end;
    int lines = 0;
    while (start && lines < EXEC_ERR_LINES) {
        start--;
        if (p->ring[start] == '\n' && ++lines == EXEC_ERR_LINES) {
            start++;
            break;
        }
    }
    size_t k = 0;
    for (size_t i = start; i < end && k + 4 < n; i++) {
        char c = p->ring[i];
        if (c == '\n') {
            if (k + 4 >= n)
                break;
            memcpy(buf + k, " | ", 3);
            k += 3;
        } else {
            buf[k++] = (unsigned char)c < 0x20 ? ' ' : c;
        }
    }
    buf[k] = 0;
}

size_t exec_proc_kill(struct peer_proc *p)
{
    if (p->pid > 0 && !p->exited)
        kill(-p->pid, SIGKILL), kill(p->pid, SIGKILL);
    exec_proc_wait(p, pb_now() + 5);
    size_t left = exec_tree_kill(&p->tree);
    exec_proc_close_stdin(p);
    drain_err(p);
    if (p->out_fd >= 0)
        close(p->out_fd);
    if (p->err_fd >= 0)
        close(p->err_fd);
    p->out_fd = p->err_fd = -1;
    return left;
}

void exec_proc_free(struct peer_proc *p)
{
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}
