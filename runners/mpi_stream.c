/* runners/mpi_stream.c: what the mpi job prints, read by the driver.
 *
 * mpiexec's standard output carries the head's result lines (format in
 * runners/mpi.h), which fill the run's task records and measurements.  Its
 * standard error carries the ranks' watchers' "PBMPI X" lines (which rank
 * died, and how) and whatever else the ranks or Hydra print: that is
 * passed through to our standard error, except Hydra's "BAD TERMINATION"
 * banner, printed on either stream, which is parsed instead.  Whatever
 * ended the job, mpi_describe_failure() turns it into one line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runners/mpi_driver.h"

static int is_result(const char *line)
{
    return !strncmp(line, MPI_LINE_TAG, strlen(MPI_LINE_TAG));
}

static void protocol_error(struct job *j, const char *line)
{
    if (!j->bad)
        snprintf(j->m->error, sizeof j->m->error,
                 "mpi: unexpected line from the head: %.120s", line);
    j->bad = 1;
}

static void on_error_line(struct job *j, char *line);

static void on_result_line(struct job *j, char *line)
{
    const size_t nt = j->d->ntasks;
    char *p = line + strlen(MPI_LINE_TAG);
    char kind = p[0];
    if (!kind || (p[1] && p[1] != ' '))
        return protocol_error(j, line);
    p += p[1] ? 2 : 1;
    char *end;
    switch (kind) {
    case 'P': {
        int rank, pid, watcher;
        char host[PB_HOST_MAX];
        if (sscanf(p, "%d %d %d %63s", &rank, &pid, &watcher, host) != 4 ||
            rank < 0 || (unsigned)rank >= j->nranks)
            return protocol_error(j, line);
        j->rank[rank].pid = pid;
        j->rank[rank].watcher = watcher;
        snprintf(j->rank[rank].host, sizeof j->rank[rank].host, "%s", host);
        return;
    }
    case 'F':
        snprintf(j->fail_msg, sizeof j->fail_msg, "%s", p);
        return;
    case 'H':
        snprintf(j->handout, sizeof j->handout, "%s", p);
        return;
    case 'R':
        j->hold = 1;
        j->ready = 1;
        j->t_ready = pb_now();
        return;
    case 'D':
        j->wall = strtod(p, &end);
        if (end == p || *end != ' ')
            return protocol_error(j, line);
        j->moved = strtoull(end + 1, &end, 10);
        /* With task dependencies: the workers' summed wait for inputs. */
        j->input_wait = *end == ' ' ? strtod(end + 1, NULL) : 0;
        j->have_d = 1;
        return;
    case 'T': {
        unsigned long long i = strtoull(p, &end, 10);
        struct task_record rec;
        if (end == p || *end != ' ' || i >= nt ||
            mpi_hex_decode(end + 1, &rec, sizeof rec) != 0)
            return protocol_error(j, line);
        rec.host[PB_HOST_MAX - 1] = 0;
        rec.res.error[PB_ERR_MAX - 1] = 0;
        j->m->tasks[i] = rec;
        if (!j->seen[i])
            j->seen[i] = 1, j->ntasks_seen++;
        return;
    }
    case 'U': {
        unsigned long k = strtoul(p, &end, 10);
        if (end == p || *end != ' ' || k >= j->nranks ||
            mpi_hex_decode(end + 1, &j->use[k], sizeof j->use[k]) != 0)
            return protocol_error(j, line);
        j->nuse++;
        return;
    }
    case 'E':
        j->hold = 1;
        j->ended = 1;
        return;
    case 'X': /* a watcher's line, normally on standard error */
        on_error_line(j, line);
        return;
    }
    protocol_error(j, line);
}

/* mpiexec's standard error: Hydra's banner about a dead process is turned
 * into the run's error; everything else is passed through. */
static void on_error_line(struct job *j, char *line)
{
    int pid;
    char host[PB_HOST_MAX];
    const char *how = "YOUR APPLICATION TERMINATED WITH THE EXIT STRING: ";
    int rank, st;
    if (sscanf(line, MPI_LINE_TAG "X %d %d %63s %d", &rank, &pid, host,
               &st) == 4) {
        /* The first death wins, except that a signal outranks an exit
         * status: a rank that lost its peer may exit on its own. */
        if (j->died_rank < 0 ||
            (WIFSIGNALED(st) && !WIFSIGNALED(j->died_status))) {
            j->died_rank = rank, j->died_pid = pid, j->died_status = st;
            snprintf(j->died_host, sizeof j->died_host, "%s", host);
        }
        return;
    }
    unsigned long long task;
    if (sscanf(line, MPI_LINE_TAG "O %d %llu %63s", &rank, &task, host) == 3) {
        if (j->late_rank < 0) {
            j->late_rank = rank, j->late_task = task;
            snprintf(j->late_host, sizeof j->late_host, "%s", host);
        }
        return;
    }
    if (sscanf(line, "=   PID %d RUNNING AT %63s", &pid, host) == 2) {
        if (!j->dead_pid) {
            j->dead_pid = pid;
            snprintf(j->dead_host, sizeof j->dead_host, "%s", host);
        }
        return;
    }
    if (!strncmp(line, how, strlen(how))) {
        if (!j->dead_how[0])
            snprintf(j->dead_how, sizeof j->dead_how, "%.120s",
                     line + strlen(how));
        return;
    }
    if (!line[0] || line[0] == '=' ||
        !strncmp(line, "This typically refers to", 24) ||
        !strncmp(line, "Please see the FAQ", 18))
        return;
    if (!j->stopping)
        fprintf(stderr, "%s\n", line);
    snprintf(j->last_err, sizeof j->last_err, "%s", line);
}

static void on_line(struct job *j, char *line, int results)
{
    /* Hydra prints its banner on standard output: anything there that is
     * not a result line is handled like standard error. */
    if (results && is_result(line))
        on_result_line(j, line);
    else
        on_error_line(j, line);
}

void mpi_lines(struct job *j, struct linebuf *b, int results)
{
    size_t start = 0;
    for (size_t k = 0; k < b->len && !(results && j->hold); k++) {
        if (b->buf[k] != '\n')
            continue;
        b->buf[k] = 0;
        on_line(j, b->buf + start, results);
        start = k + 1;
    }
    if (start) /* (buf may still be NULL when nothing was read) */
        memmove(b->buf, b->buf + start, b->len - start);
    b->len -= start;
}

/* Read what is there; 0 at EOF, 1 otherwise. */
int mpi_pump(struct job *j, struct linebuf *b, int results)
{
    if (b->cap - b->len < 4096) {
        size_t cap = b->cap ? 2 * b->cap : 65536;
        while (cap - b->len < 4096)
            cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb) {
            if (!j->bad)
                snprintf(j->m->error, sizeof j->m->error,
                         "mpi: out of memory reading the job's output");
            j->bad = 1;
            close(b->fd);
            b->fd = -1;
            return 0;
        }
        b->buf = nb, b->cap = cap;
    }
    ssize_t r = read(b->fd, b->buf + b->len, b->cap - b->len - 1);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (r <= 0) {
        mpi_lines(j, b, results);
        if (b->len && !(results && j->hold)) {
            b->buf[b->len] = 0; /* a last line without its newline */
            on_line(j, b->buf, results);
            b->len = 0;
        }
        close(b->fd);
        b->fd = -1;
        return 0;
    }
    b->len += (size_t)r;
    mpi_lines(j, b, results);
    return 1;
}

void mpi_describe_failure(struct job *j)
{
    struct run_measure *m = j->m;
    if (j->late_rank > 0) {
        snprintf(m->error, sizeof m->error, "timeout: task %llu on worker %d "
                 "(mpi rank %d on host %s) ran longer than %.3g s "
                 "(--task-timeout)", j->late_task, j->late_rank - 1,
                 j->late_rank, j->late_host, j->task_timeout_s);
        m->timed_out = 1;
        return;
    }
    if (j->fail_msg[0]) {
        snprintf(m->error, sizeof m->error, "%s", j->fail_msg);
        return;
    }
    if (j->died_rank >= 0) {
        char who[32] = "the head", how[80];
        if (j->died_rank > 0)
            snprintf(who, sizeof who, "worker %d", j->died_rank - 1);
        int st = j->died_status;
        m->died_signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        if (WIFSIGNALED(st))
            snprintf(how, sizeof how, "was killed by signal %d (%s)",
                     WTERMSIG(st), strsignal(WTERMSIG(st)));
        else
            snprintf(how, sizeof how, "exited with status %d",
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        snprintf(m->error, sizeof m->error,
                 "mpi rank %d (%s, pid %d) on host %.64s %s", j->died_rank,
                 who, j->died_pid, j->died_host, how);
        return;
    }
    /* No watcher spoke (the watcher itself was killed): Hydra's banner
     * names a process, though when several ranks share a host it may be
     * one that Hydra killed while cleaning up. */
    if (j->dead_pid) {
        const char *how = j->dead_how[0] ? j->dead_how : "?";
        /* Hydra's exit string is its only word on how: "Killed (signal
         * 9)".  Read as the data it is, for the signal's number. */
        const char *sig = strstr(how, "(signal ");
        if (!sig || sscanf(sig, "(signal %d)", &m->died_signal) != 1)
            m->died_signal = 0;
        for (unsigned k = 0; k < j->nranks; k++)
            if (j->rank[k].pid == j->dead_pid ||
                j->rank[k].watcher == j->dead_pid) {
                snprintf(m->error, sizeof m->error, "mpi rank %u (pid %d) on "
                         "host %.64s died: %.100s", k, j->rank[k].pid,
                         j->rank[k].host, how);
                return;
            }
        snprintf(m->error, sizeof m->error, "an mpi process (pid %d) on "
                 "host %.64s died: %.100s", j->dead_pid, j->dead_host, how);
        return;
    }
    if (j->reaped && WIFSIGNALED(j->status)) {
        m->died_signal = WTERMSIG(j->status);
        snprintf(m->error, sizeof m->error, "mpiexec was killed by signal %d"
                 "%s%s", WTERMSIG(j->status), j->last_err[0] ? ": " : "",
                 j->last_err);
    } else if (j->reaped && WEXITSTATUS(j->status) != 0) {
        snprintf(m->error, sizeof m->error, "mpiexec exited with status %d%s"
                 "%s", WEXITSTATUS(j->status), j->last_err[0] ? ": " : "",
                 j->last_err);
    } else if (!j->reaped) {
        snprintf(m->error, sizeof m->error, "mpiexec did not exit after the "
                 "job ended");
    } else {
        snprintf(m->error, sizeof m->error, "the mpi job ended without its "
                 "results (%zu of %zu tasks reported)", j->ntasks_seen,
                 j->d->ntasks);
    }
}
