/* runners/mpi.c: the mpi runner, driver half.  It runs in the parbench
 * process the user started and never calls MPI itself: MPI_Init happens
 * only in processes mpiexec starts.
 *
 * run() execs MPICH's launcher (Hydra) as
 *
 *   mpiexec -n N+1 [-hosts H | -f FILE] [-launcher L] [-launcher-exec CMD]
 *           /path/to/parbench mpi-rank --workload ... (the job's options)
 *
 * in a process group of its own, and reads two pipes: mpiexec's standard
 * output, which carries the head rank's result lines (runners/mpi.h; Hydra
 * forwards them from whichever host rank 0 runs on), and its standard
 * error.  Other lines are passed through to our standard error, except
 * Hydra's "BAD TERMINATION" banner, which is parsed into the run's error.  Rank 0 is the head, ranks
 * 1..N the workers (runners/mpi_rank.c).
 *
 *  spawn_s  exec of mpiexec until the head's "ready" line arrives: launching
 *           (ssh or fork), MPI_Init, workload setup and data placement on
 *           every rank.
 *  wall_s   the head's timed region: first dispatch to last result.
 *  CPU     every rank's getrusage(RUSAGE_SELF) over the timed region
 *           (start-up CPU would swamp short runs; spawn_s shows start-up).
 *           The head is counted with the workers.  mpiexec and Hydra's
 *           proxies, which sleep in poll(), are not counted.
 *  RSS      every rank's ru_maxrss (whole life).  worker_max is the largest
 *           worker rank; total adds every rank, the head included.
 *
 * Failures: a rank that dies makes Hydra kill the rest and print which pid
 * on which host died; the ranks' pid/host lines turn that into a rank.  If
 * anything else goes wrong (no "ready" within the start timeout, garbage on
 * the result stream, mpiexec lingering) the driver sends mpiexec SIGTERM,
 * which Hydra forwards to every rank, then SIGKILL to its process group.
 * mpiexec also gets SIGTERM if the driver dies (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runners/mpi.h"

#define START_TIMEOUT_S 60.0 /* PARBENCH_MPI_START_TIMEOUT overrides */
#define EXIT_GRACE_S 30.0     /* after the results, for mpiexec to exit */
#define TERM_GRACE_S 3.0      /* after SIGTERM, before SIGKILL */
#define DIED_GRACE_S 2.0      /* after a rank died, for Hydra to stop */
#define MAX_ARGS 96

/* Search PATH like execvp does; 0 and the full path in out when found. */
static int find_in_path(const char *name, char *out, size_t n)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        snprintf(out, n, "%.*s/%s", (int)(len ? len : 1), len ? path : ".",
                 name);
        struct stat st;
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
            access(out, X_OK) == 0)
            return 0;
        path += len + (end ? 1 : 0);
    }
    return -1;
}

static const char *unavailable(void)
{
    char p[PATH_MAX];
    if (find_in_path("mpiexec", p, sizeof p) == 0)
        return NULL;
    return "mpiexec not found on PATH (install MPICH: apt-get install mpich)";
}

/* A pipe's bytes, split into lines as they complete. */
struct linebuf {
    int fd;
    char *buf;
    size_t len, cap;
};

struct job {
    const struct task_data *d;
    struct run_measure *m;
    unsigned nranks;
    pid_t pid;
    int reaped, status;
    struct rusage ru;
    struct linebuf out, err;
    double t_exec, t_ready;
    int ready, ended, bad;  /* bad: a protocol error, error set */
    int stopping;           /* we are killing it: keep Hydra's noise quiet */
    size_t ntasks_seen;
    unsigned char *seen;    /* [ntasks] */
    struct mpi_usage *use;  /* [nranks] */
    unsigned nuse;
    double wall;
    unsigned long long moved;
    int have_d;
    struct { int pid, watcher; char host[PB_HOST_MAX]; } *rank; /* [nranks] */
    /* A rank's watcher saw it die (PBMPI X): which, and its wait status. */
    int died_rank, died_pid, died_status;
    char died_host[PB_HOST_MAX];
    char fail_msg[256];     /* a PBMPI F line */
    /* From Hydra's banner about a process that died. */
    int dead_pid;
    char dead_host[PB_HOST_MAX], dead_how[128];
    char last_err[200];     /* last other line on mpiexec's stderr */
};

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
    case 'R':
        j->ready = 1;
        j->t_ready = pb_now();
        return;
    case 'D':
        j->wall = strtod(p, &end);
        if (end == p || *end != ' ')
            return protocol_error(j, line);
        j->moved = strtoull(end + 1, NULL, 10);
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

/* Read what is there; 0 at EOF, 1 otherwise. */
static int pump(struct job *j, struct linebuf *b, int results)
{
    if (b->cap - b->len < 4096) {
        size_t cap = b->cap ? 2 * b->cap : 65536;
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
        if (b->len) { /* a last line without its newline */
            b->buf[b->len] = 0;
            if (results && !strncmp(b->buf, MPI_LINE_TAG, strlen(MPI_LINE_TAG)))
                on_result_line(j, b->buf);
            else
                on_error_line(j, b->buf);
        }
        b->len = 0;
        close(b->fd);
        b->fd = -1;
        return 0;
    }
    b->len += (size_t)r;
    size_t start = 0;
    for (size_t k = b->len - (size_t)r; k < b->len; k++) {
        if (b->buf[k] != '\n')
            continue;
        b->buf[k] = 0;
        char *line = b->buf + start;
        /* Hydra prints its banner on standard output: anything there
         * that is not a result line is handled like standard error. */
        if (results && !strncmp(line, MPI_LINE_TAG, strlen(MPI_LINE_TAG)))
            on_result_line(j, line);
        else
            on_error_line(j, line);
        start = k + 1;
    }
    memmove(b->buf, b->buf + start, b->len - start);
    b->len -= start;
    return 1;
}

/* Has mpiexec exited?  Reaps it (with its rusage) when it has. */
static int exited(struct job *j, int block)
{
    if (j->reaped)
        return 1;
    pid_t r;
    do
        r = wait4(j->pid, &j->status, block ? 0 : WNOHANG, &j->ru);
    while (r < 0 && errno == EINTR);
    if (r == j->pid || (r < 0 && errno == ECHILD))
        j->reaped = 1;
    return j->reaped;
}

/* Stop the job: SIGTERM lets Hydra kill the ranks wherever they run; what
 * is left after the grace period gets SIGKILL, the whole process group. */
static void terminate(struct job *j)
{
    if (j->pid <= 0 || j->reaped)
        return;
    j->stopping = 1;
    kill(j->pid, SIGTERM);
    for (double until = pb_now() + TERM_GRACE_S; pb_now() < until;) {
        siginfo_t si = {0};
        if (waitid(P_PID, (id_t)j->pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
                0 && si.si_pid == j->pid)
            break;
        usleep(20000);
    }
    /* mpiexec is at most a zombie now or still running: its pid, and so
     * its group id, cannot have been reused yet. */
    kill(-j->pid, SIGKILL);
    kill(j->pid, SIGKILL);
    exited(j, 1);
}

static const char *exe_path(const struct run_options *o, char *buf, size_t n)
{
    if (o->self_exe && *o->self_exe)
        return o->self_exe;
    ssize_t r = readlink("/proc/self/exe", buf, n - 1);
    if (r <= 0)
        return NULL;
    buf[r] = 0;
    /* Rebuilt while running: the same path holds the new binary. */
    char *del = strstr(buf, " (deleted)");
    if (del && del[10] == 0)
        *del = 0;
    return buf;
}

static int spawn(struct job *j, const struct workload *w,
                 const struct run_options *o)
{
    char mpiexec[PATH_MAX], self[PATH_MAX], nbuf[16], jbuf[2048];
    char *argv[MAX_ARGS];
    int argc = 0;
    const char *exe = exe_path(o, self, sizeof self);
    if (find_in_path("mpiexec", mpiexec, sizeof mpiexec) != 0 || !exe) {
        snprintf(j->m->error, sizeof j->m->error, "%s",
                 exe ? unavailable() : "cannot find the parbench binary");
        return -1;
    }
    snprintf(nbuf, sizeof nbuf, "%u", j->nranks);
    argv[argc++] = "mpiexec";
    argv[argc++] = "-n";
    argv[argc++] = nbuf;
    const char *opt[][2] = {{"-hosts", o->hosts},
                            {"-f", o->hostfile},
                            {"-launcher", o->launcher},
                            {"-launcher-exec", o->launcher_exec}};
    for (size_t k = 0; k < sizeof opt / sizeof *opt; k++)
        if (opt[k][1] && *opt[k][1]) {
            argv[argc++] = (char *)opt[k][0];
            argv[argc++] = (char *)opt[k][1];
        }
    argv[argc++] = (char *)exe;
    argv[argc++] = MPI_RANK_CMD;
    struct mpi_job job = {.workload = w->ops->name, .p = w->p,
                          .schedule = o->schedule, .transfer = o->transfer};
    if (mpi_job_to_args(&job, argv, &argc, MAX_ARGS - 1, jbuf, sizeof jbuf)) {
        snprintf(j->m->error, sizeof j->m->error, "mpi: job options too long");
        return -1;
    }
    argv[argc] = NULL;

    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0)
        goto pipe_failed;
    if (pipe2(pe, O_CLOEXEC) != 0) {
        close(po[0]), close(po[1]);
        goto pipe_failed;
    }
    pid_t parent = getpid();
    j->t_exec = pb_now();
    j->pid = fork();
    if (j->pid < 0) {
        snprintf(j->m->error, sizeof j->m->error, "fork: %s", strerror(errno));
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        return -1;
    }
    if (j->pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        int nul = open("/dev/null", O_RDONLY);
        if (nul < 0 || dup2(nul, 0) < 0 || dup2(po[1], 1) < 0 ||
            dup2(pe[1], 2) < 0)
            _exit(127);
        close_range(3, ~0U, 0);
        signal(SIGPIPE, SIG_DFL);
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
        /* UCX patches mmap/munmap when it loads, to watch memory
         * registrations (for RDMA); under the sanitizers' interceptors
         * that crashes the ranks.  TCP and shared memory do not need it. */
        setenv("UCX_MEM_MMAP_HOOK_MODE", "none", 0);
#endif
        execv(mpiexec, argv);
        fprintf(stderr, "exec %s: %s\n", mpiexec, strerror(errno));
        _exit(127);
    }
    close(po[1]), close(pe[1]);
    j->out.fd = po[0], j->err.fd = pe[0];
    return 0;
pipe_failed:
    snprintf(j->m->error, sizeof j->m->error, "pipe: %s", strerror(errno));
    return -1;
}

static double start_timeout(void)
{
    const char *s = getenv("PARBENCH_MPI_START_TIMEOUT");
    double t = s ? strtod(s, NULL) : 0;
    return t > 0 ? t : START_TIMEOUT_S;
}

/* Read both pipes until they close (or a deadline passes). */
static void drive(struct job *j)
{
    const double start_limit = start_timeout();
    double exit_deadline = 0;
    while (j->out.fd >= 0 || j->err.fd >= 0) {
        struct pollfd pf[2] = {{.fd = j->out.fd, .events = POLLIN},
                               {.fd = j->err.fd, .events = POLLIN}};
        int r = poll(pf, 2, 100);
        if (r < 0 && errno != EINTR)
            break;
        if (pf[0].revents)
            pump(j, &j->out, 1);
        if (pf[1].revents)
            pump(j, &j->err, 0);
        if (j->bad)
            break;
        double now = pb_now();
        if (!j->ready && !j->fail_msg[0] && now - j->t_exec > start_limit) {
            snprintf(j->m->error, sizeof j->m->error,
                     "mpi: the ranks were not ready within %.0f s (is every "
                     "host reachable by the launcher? see "
                     "PARBENCH_MPI_START_TIMEOUT)", start_limit);
            j->bad = 1;
            break;
        }
        /* Pipes can outlive mpiexec (held by a stray process): once it has
         * exited, or the results are complete, allow a grace period. */
        /* A dead rank: Hydra normally stops the job at once, but not in
         * every case (a rank that exits across hosts can leave the rest
         * waiting), so give it a moment, then stop it ourselves. */
        if (!exit_deadline && (j->ended || j->died_rank >= 0 || exited(j, 0)))
            exit_deadline = now + (j->ended ? EXIT_GRACE_S
                                   : j->died_rank >= 0 ? DIED_GRACE_S : 1.0);
        if (exit_deadline && now > exit_deadline)
            break;
    }
}

static void describe_failure(struct job *j)
{
    struct run_measure *m = j->m;
    if (j->fail_msg[0]) {
        snprintf(m->error, sizeof m->error, "%s", j->fail_msg);
        return;
    }
    if (j->died_rank >= 0) {
        char who[32] = "the head", how[80];
        if (j->died_rank > 0)
            snprintf(who, sizeof who, "worker %d", j->died_rank - 1);
        int st = j->died_status;
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

static int run(const struct workload *w, const struct task_data *d,
               const struct run_options *o, struct run_measure *m)
{
    struct job j = {.d = d, .m = m, .nranks = o->workers + 1,
                    .died_rank = -1};
    j.out.fd = j.err.fd = -1;
    j.seen = calloc(d->ntasks ? d->ntasks : 1, 1);
    j.use = calloc(j.nranks, sizeof *j.use);
    j.rank = calloc(j.nranks, sizeof *j.rank);
    int rc = -1;
    m->workers_are_processes = 1;
    for (size_t i = 0; i < d->ntasks; i++) {
        m->tasks[i].res.status = -1;
        snprintf(m->tasks[i].res.error, sizeof m->tasks[i].res.error,
                 "not run: the mpi job failed");
    }
    if (!j.seen || !j.use || !j.rank) {
        snprintf(m->error, sizeof m->error, "out of memory for the mpi job");
        goto out;
    }
    if (spawn(&j, w, o) != 0)
        goto out;
    drive(&j);
    int complete = !j.bad && j.ended && j.have_d && !j.fail_msg[0] &&
                   j.ntasks_seen == d->ntasks && j.nuse == j.nranks;
    if (complete) {
        /* Results are in: give mpiexec its grace period to exit cleanly. */
        for (double until = pb_now() + EXIT_GRACE_S;
             !exited(&j, 0) && pb_now() < until;)
            usleep(5000);
    }
    if (!exited(&j, 0))
        terminate(&j);
    /* Drain what Hydra printed while dying (its banner names the rank). */
    while (j.err.fd >= 0 && pump(&j, &j.err, 0))
        ;
    if (complete && WIFEXITED(j.status) && WEXITSTATUS(j.status) == 0) {
        rc = 0;
    } else if (!j.bad) {
        describe_failure(&j);
    }
    if (j.ready)
        m->spawn_s = j.t_ready - j.t_exec;
    if (j.have_d) {
        m->wall_s = j.wall;
        m->bytes_moved = j.moved;
    }
    for (unsigned k = 0; k < j.nranks && j.nuse == j.nranks; k++) {
        m->workers_user_s += j.use[k].user_s;
        m->workers_sys_s += j.use[k].sys_s;
        m->rss_workers_sum += j.use[k].maxrss_bytes;
        if (k > 0 && j.use[k].maxrss_bytes > m->rss_worker_max)
            m->rss_worker_max = j.use[k].maxrss_bytes;
    }
out:
    if (j.pid > 0 && !j.reaped)
        terminate(&j);
    for (struct linebuf *b = &j.out; b; b = b == &j.out ? &j.err : NULL) {
        if (b->fd >= 0)
            close(b->fd);
        free(b->buf);
    }
    free(j.seen), free(j.use), free(j.rank);
    return rc;
}

const struct runner runner_mpi = {
    .name = "mpi",
    .help = "a head and --workers ranks started by MPICH's mpiexec, on this "
            "host or --hosts/--hostfile (--transfer local|copy)",
    .kinds = WL_CPU | WL_IO,
    .transfers = 1u << TRANSFER_LOCAL | 1u << TRANSFER_COPY,
    .default_transfer = TRANSFER_LOCAL,
    .unavailable = unavailable,
    .run = run,
};
