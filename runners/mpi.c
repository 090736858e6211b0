/* runners/mpi.c: the mpi runner, driver half.  It runs in the parbench
 * process the user started and never calls MPI itself: MPI_Init happens
 * only in processes mpiexec starts.
 *
 * run() execs MPICH's launcher (Hydra) as
 *
 *   mpiexec -n N+1 [-hosts H | -f FILE] [-launcher L] [-launcher-exec CMD]
 *           /path/to/parbench mpi-rank --workload ... (the job's options)
 *
 * in a process group of its own, and reads mpiexec's standard output and
 * error (runners/mpi_stream.c): the head rank's result lines arrive there,
 * forwarded by Hydra from whichever host rank 0 runs on.  Rank 0 is the
 * head, ranks 1..N the workers (runners/mpi_rank.c).
 *
 *  spawn_s  exec of mpiexec until the head's "ready" line arrives: launching
 *           (ssh or fork), MPI_Init, workload setup and data placement on
 *           every rank.
 *  wall_s   the head's timed region: first dispatch to last result.
 *  CPU      every rank's getrusage(RUSAGE_SELF) over the timed region
 *           (start-up CPU would swamp short runs; spawn_s shows start-up).
 *           The head is counted with the workers.  mpiexec and Hydra's
 *           proxies, which sleep in poll(), are not counted.
 *  RSS      every rank's ru_maxrss (whole life).  worker_max is the largest
 *           worker rank; total adds every rank, the head included.
 *
 * Failures: a rank that dies is reported by its watcher (which rank, which
 * host, which signal) and Hydra then stops the job.  If anything else goes
 * wrong (no "ready" within the start timeout, garbage on the result stream,
 * mpiexec lingering after a death or after the results) the driver sends
 * mpiexec SIGTERM, which Hydra forwards to every rank, then SIGKILL to its
 * process group.  mpiexec also gets SIGTERM if the driver dies
 * (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runners/mpi_driver.h"

#define START_TIMEOUT_S 60.0 /* PARBENCH_MPI_START_TIMEOUT overrides */
#define EXIT_GRACE_S 30.0     /* after the results, for mpiexec to exit */
#define TERM_GRACE_S 3.0      /* after SIGTERM, before SIGKILL */
#define DIED_GRACE_S 2.0      /* after a rank died, for Hydra to stop */
#define MAX_ARGS 96

/* The runner's own options: where the ranks run and how Hydra starts
 * them (NULL: Hydra's default, this host and ssh). */
struct mpi_opts {
    const char *hosts, *hostfile, *launcher, *launcher_exec;
};
PB_PARAMS_FIT(struct mpi_opts);

#define MO(f) offsetof(struct mpi_opts, f)
static const struct opt mpi_opts[] = {
    {"hosts", OT_STR, MO(hosts), 0, 0, "LIST", "hosts and slots, h1:2,h2:2 (rank 0, the head, takes the first slot; default: this host)", NULL},
    {"hostfile", OT_STR, MO(hostfile), 0, 0, "FILE", "Hydra host file, one 'host[:slots]' a line (instead of --hosts)", NULL},
    {"launcher", OT_STR, MO(launcher), 0, 0, "NAME", "how Hydra starts ranks on other hosts: ssh|rsh|fork|slurm|... (default ssh)", NULL},
    {"launcher-exec", OT_STR, MO(launcher_exec), 0, 0, "CMD", "the launcher's program, called as CMD HOST COMMAND...", NULL},
};
#undef MO

static int check(const struct run_options *o, char *err, size_t errlen)
{
    const struct mpi_opts *mo = o->params;
    if (mo->hosts && mo->hostfile) {
        snprintf(err, errlen, "--hosts and --hostfile: give one of them");
        return -EINVAL;
    }
    if (mo->hostfile && access(mo->hostfile, R_OK) != 0) {
        snprintf(err, errlen, "--hostfile '%s': %s", mo->hostfile,
                 strerror(errno));
        return -EINVAL;
    }
    return 0;
}

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

#ifdef PB_NO_MPI
/* Built without MPICH (make MPI=0, or its development files missing): the
 * runner is listed, unavailable, with the reason; the rank side is absent. */
static const char *unavailable(void)
{
    return "parbench was built without MPI (make MPI=0, or MPICH's "
           "development files were missing: apt-get install libmpich-dev "
           "mpich, then rebuild)";
}

int mpi_rank_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "parbench: " MPI_RANK_CMD ": %s\n", unavailable());
    return 2;
}
#else
static const char *unavailable(void)
{
    char p[PATH_MAX];
    if (find_in_path("mpiexec", p, sizeof p) == 0)
        return NULL;
    return "mpiexec not found on PATH (install MPICH: apt-get install mpich)";
}
#endif

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

/* A disk workload's files are in one directory (its workdir op) that
 * every rank must see: on other hosts, a file system they share.  The
 * workload's options lead the ranks' setup there (pyramid: run-dir, so a
 * temporary directory is not made again by each rank); the driver leaves
 * a marker file of this job in it, which each rank looks for before its
 * setup: one that does not find it says so and the job does not start.
 * The marker is removed once the ranks are ready (or failed to be). */
static int mark_workdir(struct job *j, const struct workload *w,
                        struct mpi_job *job, char *name, size_t n)
{
    const char *dir = w->ops->workdir(w);
    if (!dir || !*dir)
        return 0;
    uint64_t seed[2] = {(uint64_t)getpid(), (uint64_t)(pb_now() * 1e9)};
    snprintf(name, n, ".parbench-mpi-%016llx",
             (unsigned long long)pb_hash64(seed, sizeof seed, 0x6d7069));
    snprintf(j->marker, sizeof j->marker, "%s/%s", dir, name);
    int fd = open(j->marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
                                 O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(j->m->error, sizeof j->m->error, "mpi: cannot write in "
                 "the workload's directory %s: %s", dir, strerror(errno));
        j->marker[0] = 0;
        return -1;
    }
    close(fd);
    job->workdir = dir;
    job->marker = name;
    return 0;
}

static void unmark_workdir(struct job *j)
{
    if (j->marker[0])
        unlink(j->marker);
    j->marker[0] = 0;
}

static int spawn(struct job *j, const struct workload *w,
                 const struct run_options *o)
{
    char mpiexec[PATH_MAX], self[PATH_MAX], nbuf[16], jbuf[16384];
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
    const struct mpi_opts *mo = o->params;
    const char *opt[][2] = {{"-hosts", mo->hosts},
                            {"-f", mo->hostfile},
                            {"-launcher", mo->launcher},
                            {"-launcher-exec", mo->launcher_exec}};
    for (size_t k = 0; k < sizeof opt / sizeof *opt; k++)
        if (opt[k][1] && *opt[k][1]) {
            argv[argc++] = (char *)opt[k][0];
            argv[argc++] = (char *)opt[k][1];
        }
    argv[argc++] = (char *)exe;
    argv[argc++] = MPI_RANK_CMD;
    struct mpi_job job = {.w = *w,
                          .schedule = o->schedule, .transfer = o->transfer,
                          .reps = j->reps, .task_timeout_s = o->task_timeout_s};
    char marker[64];
    if (w->ops->workdir && mark_workdir(j, w, &job, marker, sizeof marker))
        return -1;
    if (mpi_job_to_args(&job, argv, &argc, MAX_ARGS - 1, jbuf, sizeof jbuf)) {
        snprintf(j->m->error, sizeof j->m->error, "mpi: job options too long");
        unmark_workdir(j);
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
    /* mpiexec leads its own process group: the supervisor kills it too
     * when the run times out. */
    if (j->d->progress)
        atomic_store(&j->d->progress->kill_pgid, (int32_t)j->pid);
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

/* What is still in the pipes after mpiexec ended (Hydra's banner about a
 * dead rank comes last), for at most `seconds`: a stray process may hold
 * them open. */
static void drain(struct job *j, double seconds)
{
    double until = pb_now() + seconds;
    while ((j->out.fd >= 0 || j->err.fd >= 0) && pb_now() < until) {
        struct pollfd pf[2] = {{.fd = j->out.fd, .events = POLLIN},
                               {.fd = j->err.fd, .events = POLLIN}};
        if (poll(pf, 2, 50) <= 0)
            continue;
        if (pf[0].revents)
            mpi_pump(j, &j->out, 1);
        if (pf[1].revents)
            mpi_pump(j, &j->err, 0);
    }
}

enum until { UNTIL_READY, UNTIL_END_OF_REP, UNTIL_CLOSED };

/* Read both pipes until `until` is reached, or they close, or something
 * goes wrong (j->bad, a failure line, a dead rank), or a deadline passes.
 * Lines already buffered are handled first: a persistent job may have
 * printed the next repetition's results while the driver was busy. */
static void drive(struct job *j, enum until until)
{
    const double start_limit = start_timeout();
    double exit_deadline = 0;
    j->hold = 0;
    mpi_lines(j, &j->out, 1);
    for (;;) {
        if (j->bad || (until == UNTIL_READY && (j->ready || j->fail_msg[0])) ||
            (until == UNTIL_END_OF_REP && j->ended))
            return;
        if (j->out.fd < 0 && j->err.fd < 0)
            return;
        struct pollfd pf[2] = {{.fd = j->out.fd, .events = POLLIN},
                               {.fd = j->err.fd, .events = POLLIN}};
        int r = poll(pf, 2, 100);
        if (r < 0 && errno != EINTR)
            return;
        if (pf[0].revents)
            mpi_pump(j, &j->out, 1);
        if (pf[1].revents)
            mpi_pump(j, &j->err, 0);
        double now = pb_now();
        if (!j->ready && !j->fail_msg[0] && now - j->t_exec > start_limit) {
            snprintf(j->m->error, sizeof j->m->error,
                     "mpi: the ranks were not ready within %.0f s (is every "
                     "host reachable by the launcher? see "
                     "PARBENCH_MPI_START_TIMEOUT)", start_limit);
            j->m->timed_out = 1;
            j->bad = 1;
            return;
        }
        /* The pipes normally close when mpiexec exits.  Grace periods for
         * the cases where they do not: the results are complete but
         * mpiexec lingers; a rank died and Hydra has not stopped the job (a
         * rank that exits across hosts can leave the rest waiting); mpiexec
         * is gone but a stray process still holds a pipe. */
        int done_all = until == UNTIL_CLOSED && j->reps_done == j->reps;
        if (!exit_deadline && (done_all || j->died_rank >= 0 || exited(j, 0)))
            exit_deadline = now + (done_all ? EXIT_GRACE_S
                                   : j->died_rank >= 0 ? DIED_GRACE_S : 1.0);
        if (exit_deadline && now > exit_deadline)
            return;
    }
}

/* The job failed: stop it, collect what it said, and say why in m. */
static void fail_job(struct job *j)
{
    if (!exited(j, 0))
        terminate(j);
    drain(j, 1.0);
    if (!j->bad)
        mpi_describe_failure(j);
    j->bad = 1;
}

static void free_job(struct job *j)
{
    if (j->pid > 0 && !j->reaped)
        terminate(j);
    unmark_workdir(j);
    for (struct linebuf *b = &j->out; b; b = b == &j->out ? &j->err : NULL) {
        if (b->fd >= 0)
            close(b->fd);
        free(b->buf);
    }
    free(j->seen), free(j->use), free(j->rank);
    free(j);
}

/* A job is the pool: mpiexec and its ranks, started once (open), running
 * one repetition per run, ending after its last (close).  With --pool
 * per-repetition each repetition has a job of its own. */
static int open_pool(const struct workload *w, const struct task_data *d,
                     const struct run_options *o, void **pool,
                     struct run_measure *m)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(m->error, sizeof m->error, "out of memory for the mpi job");
        return -1;
    }
    *j = (struct job){.d = d, .m = m, .nranks = o->workers + 1,
                      .died_rank = -1, .late_rank = -1,
                      .task_timeout_s = o->task_timeout_s,
                      .reps = o->pool == POOL_PERSISTENT && o->pool_reps
                                  ? o->pool_reps : 1};
    j->out.fd = j->err.fd = -1;
    j->seen = calloc(d->ntasks ? d->ntasks : 1, 1);
    j->use = calloc(j->nranks, sizeof *j->use);
    j->rank = calloc(j->nranks, sizeof *j->rank);
    if (!j->seen || !j->use || !j->rank) {
        snprintf(m->error, sizeof m->error, "out of memory for the mpi job");
        free_job(j);
        return -1;
    }
    if (spawn(j, w, o) != 0) {
        free_job(j);
        return -1;
    }
    drive(j, UNTIL_READY);
    unmark_workdir(j); /* every rank has looked for it by now */
    if (j->ready)
        m->spawn_s = j->t_ready - j->t_exec;
    /* The worker ranks on this host, for the supervisor to kill if the run
     * times out (a pid on another host means nothing here). */
    char here[PB_HOST_MAX] = "";
    gethostname(here, sizeof here - 1);
    for (unsigned k = 1; d->progress && k < j->nranks &&
                         k <= d->progress->nworkers; k++)
        if (j->rank[k].pid > 0 && !strcmp(j->rank[k].host, here))
            atomic_store(&d->progress->w[k - 1].pid, j->rank[k].pid);
    if (!j->ready || j->bad) {
        fail_job(j);
        free_job(j);
        return -1;
    }
    *pool = j;
    return 0;
}

static int run(void *pool, struct run_measure *m)
{
    struct job *j = pool;
    const struct task_data *d = j->d;
    j->m = m;
    m->workers_are_processes = 1;
    for (size_t i = 0; i < d->ntasks; i++) {
        m->tasks[i].res.status = -1;
        snprintf(m->tasks[i].res.error, sizeof m->tasks[i].res.error,
                 "not run: the mpi job failed");
    }
    for (unsigned k = 1; m->pids && k < j->nranks; k++)
        m->pids[k - 1] = j->rank[k].pid;
    snprintf(m->handout, sizeof m->handout, "%s", j->handout);
    if (j->bad || j->reps_done >= j->reps) {
        snprintf(m->error, sizeof m->error, "mpi: the job has no "
                 "repetition left");
        return -1;
    }
    memset(j->seen, 0, d->ntasks ? d->ntasks : 1);
    j->ntasks_seen = 0, j->nuse = 0, j->have_d = 0, j->ended = 0;
    drive(j, UNTIL_END_OF_REP);
    int complete = !j->bad && j->ended && j->have_d && !j->fail_msg[0] &&
                   j->ntasks_seen == d->ntasks && j->nuse == j->nranks;
    if (!complete) {
        fail_job(j);
        return -1;
    }
    j->reps_done++;
    m->wall_s = j->wall;
    m->bytes_moved = j->moved;
    m->input_wait_s = j->input_wait;
    for (unsigned k = 0; k < j->nranks; k++) {
        m->workers_user_s += j->use[k].user_s;
        m->workers_sys_s += j->use[k].sys_s;
        m->rss_workers_sum += j->use[k].maxrss_bytes;
        if (k > 0 && j->use[k].maxrss_bytes > m->rss_worker_max)
            m->rss_worker_max = j->use[k].maxrss_bytes;
    }
    return 0;
}

static int close_pool(void *pool, struct run_measure *m)
{
    struct job *j = pool;
    j->m = m;
    double t = pb_now();
    int rc = 0;
    if (!j->bad) {
        if (j->reps_done < j->reps) {
            /* The driver stopped early (a failed repetition): the ranks
             * would go on with the rest; stop them. */
            j->stopping = 1;
            terminate(j);
        } else {
            drive(j, UNTIL_CLOSED);
            for (double until = pb_now() + EXIT_GRACE_S;
                 !exited(j, 0) && pb_now() < until;)
                usleep(5000);
            if (!exited(j, 0))
                terminate(j);
            drain(j, 1.0);
            if (!(WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0)) {
                mpi_describe_failure(j);
                rc = -1;
            }
        }
    }
    free_job(j);
    m->stop_s = pb_now() - t;
    return rc;
}

const struct runner runner_mpi = {
    .name = "mpi",
    .help = "a head and --workers ranks started by MPICH's mpiexec, on this "
            "host or --hosts/--hostfile (--transfer local|copy)",
    .kinds = WL_CPU | WL_IO | WL_DISK | WL_DEPS,
    .transfers = 1u << TRANSFER_LOCAL | 1u << TRANSFER_COPY,
    .default_transfer = TRANSFER_LOCAL,
    .unavailable = unavailable,
    .open = open_pool,
    .run = run,
    .close = close_pool,
    .persistent = 1,
    .own_before_rep = 1, /* the head, before each "go" (mpi_rank.c) */
    .opts = mpi_opts,
    .nopts = sizeof mpi_opts / sizeof *mpi_opts,
    .check = check,
    /* The ranks' outputs stay on the ranks; --bind pins through hwloc in
     * the driver's process tree, which mpiexec's ranks are not part of. */
    .no_dump = "does not bring task outputs back to the driver (use "
               "another runner)",
    .no_bind = "Hydra binds ranks itself: HYDRA_BINDING=core",
    .start_s = 0.3, /* mpiexec's start-up, per repetition */
    .role = MPI_RANK_CMD,
    .role_main = mpi_rank_main,
};
