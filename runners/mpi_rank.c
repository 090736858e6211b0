/* runners/mpi_rank.c: the ranks of the mpi runner, i.e. the hidden
 * `parbench mpi-rank` subcommand that the driver (runners/mpi.c) starts
 * through mpiexec.  Rank 0 is the head: it hands out tasks and collects
 * results.  Ranks 1..N are the workers (worker index = rank - 1).
 *
 * Start-up (outside the timed region; the driver counts it in spawn_s):
 * every rank rebuilds the workload from its options and runs setup() (spin
 * arrives with its iterations already calibrated).  Then data is placed:
 *  --transfer local  each worker has, before the timed region, the inputs
 *                    of every task it may be given, made with make_input
 *                    where it runs: "the data is already on the node", as
 *                    on a cluster with local or replicated data.  Under
 *                    --schedule static that is its own block, in its own
 *                    memory; under dynamic (any task may come to any
 *                    worker) it is every input, one copy per node in MPI
 *                    shared memory, made by the node's workers together
 *                    (place_shared).  The cost shows in spawn_s and RSS.
 *                    Only task indices and result records cross the
 *                    network.
 *  --transfer copy   the head makes every input, sends each task's input
 *                    bytes with the task and receives its output bytes into
 *                    an output arena, as an object store moves data between
 *                    nodes.  Workers hold one input and one output buffer.
 * Each rank reports ready (pid, host, set-up errors) in one gather; the head
 * answers with "go", and the timed region (runners/mpi_loops.c) runs from
 * there to the last result.  Waits sleep between tests (mpi_wait) instead
 * of MPICH's busy polling.
 *
 * The head prints the results on its standard output in the line format of
 * runners/mpi.h; Hydra forwards it to the driver from whichever host the
 * head runs on.  Everything else written to standard output goes to
 * standard error instead.  The end is a handshake: every worker sends the
 * head its CPU and memory figures and waits for a synchronous goodbye; then
 * all leave with _exit(0) and without MPI_Finalize (see the end of
 * mpi_rank_main for why), which also keeps a sanitizer's exit-time leak
 * check from turning MPI's own allocations into a failed rank.
 *
 * Each rank is two processes.  The one Hydra started forks at once and
 * only waits: the child is the MPI rank.  When the child dies, the waiting
 * parent knows exactly how (its wait status) and prints that on standard
 * error (PBMPI X) before Hydra learns anything.  Hydra's own report cannot
 * be trusted to name the rank: when one process dies it kills the rest of
 * that host's processes, then may report any of them.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runners/mpi_rank.h"

/* The head's answer: go (or give up), and its clock for same-host ranks. */
struct go_msg {
    int32_t go;
    int32_t handout; /* enum handout */
    double t0;
    char host[PB_HOST_MAX];
};

static int fail(struct rank *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(struct rank *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->info.status = -1;
    vsnprintf(r->info.error, sizeof r->info.error, fmt, ap);
    va_end(ap);
    return -1;
}

/* Workload, plan and data of this rank; failures go into r->info. */
static int prepare(struct rank *r)
{
    char err[PB_ERR_MAX] = "";
    r->w = r->job.w; /* from_args found the workload, or failed */
    r->w.plan = NULL;
    /* A disk workload: the driver's directory must be this rank's too
     * (runners/mpi.c, mark_workdir), before setup uses it. */
    if (r->job.marker) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", r->job.workdir, r->job.marker);
        if (access(path, F_OK) != 0)
            return fail(r, "not the driver's directory (give --dir one "
                        "every host shares): %s", r->job.workdir);
    }
    if (r->w.ops->setup && r->w.ops->setup(&r->w, err, sizeof err) != 0)
        return fail(r, "workload setup: %s", err);
    r->setup_done = 1;
    r->nt = r->w.p.tasks;
    /* The head schedules dependent tasks: the graph from the workload's
     * deps/stage ops, as the driver built it (runners/graph.h). */
    if (r->rank == 0 && (r->w.ops->kind & WL_DEPS)) {
        if (pb_graph_build(&r->w, r->nt, &r->graph, err, sizeof err) != 0)
            return fail(r, "task graph: %s", err);
        void *mem = r->graph ? malloc(pb_sched_bytes(r->graph)) : NULL;
        if (r->graph && !mem)
            return fail(r, "out of memory for the task graph");
        r->sched = mem ? pb_sched_init(mem, r->graph) : NULL;
    }
    size_t *v = calloc(4 * (r->nt ? r->nt : 1), sizeof *v);
    if (!v)
        return fail(r, "out of memory for the task plan");
    r->in_off = v, r->in_len = v + r->nt;
    r->out_off = v + 2 * r->nt, r->out_len = v + 3 * r->nt;
    size_t in_total = 0, out_total = 0;
    for (size_t i = 0; i < r->nt; i++) {
        r->in_off[i] = in_total;
        r->in_len[i] = r->w.ops->input_size(&r->w, i);
        r->out_off[i] = out_total;
        r->out_len[i] = r->w.ops->output_size(&r->w, i);
        in_total += r->in_len[i], out_total += r->out_len[i];
        if (r->in_len[i] > r->max_in)
            r->max_in = r->in_len[i];
        if (r->out_len[i] > r->max_out)
            r->max_out = r->out_len[i];
    }
    const int copy = r->job.transfer == TRANSFER_COPY;
    size_t in_bytes, out_bytes;
    if (r->rank == 0) {
        /* The head holds data only when it moves it. */
        r->lo = 0, r->hi = copy ? r->nt : 0;
        in_bytes = copy ? in_total : 0;
        out_bytes = copy ? out_total : 0;
    } else if (copy) {
        r->lo = r->hi = 0;
        in_bytes = r->max_in, out_bytes = r->max_out;
    } else if (r->job.schedule == SCHED_DYNAMIC) {
        /* Every input, once per node, in shared memory: place_shared(). */
        r->lo = r->hi = 0;
        in_bytes = 0, out_bytes = r->max_out;
        r->in_total = in_total;
    } else {
        runner_static_block(r->nt, r->nworkers, (unsigned)r->rank - 1,
                            &r->lo, &r->hi);
        r->base = r->lo < r->nt ? r->in_off[r->lo] : 0;
        in_bytes = r->hi > r->lo ? r->in_off[r->hi - 1] + r->in_len[r->hi - 1]
                                       - r->base
                                 : 0;
        out_bytes = r->max_out;
    }
    r->in = malloc(in_bytes ? in_bytes : 1);
    r->out = malloc(out_bytes ? out_bytes : 1);
    if (!r->in || !r->out)
        return fail(r, "out of memory for task data");
    /* Touch the buffers now: page faults belong to start-up, as the other
     * runners' arenas are warm after their warm-up repetition. */
    if (r->rank > 0 && copy) /* else make_input fills it below */
        memset(r->in, 0, in_bytes ? in_bytes : 1);
    memset(r->out, 0, out_bytes ? out_bytes : 1);
    if (r->w.ops->make_input)
        for (size_t i = r->lo; i < r->hi; i++)
            if (r->in_len[i])
                r->w.ops->make_input(&r->w, i, r->in + r->in_off[i] - r->base);
    /* Without hand-out messages a worker keeps its records until the end:
     * room for its block (static) or for every task (dynamic), touched
     * now like every other buffer. */
    if (r->rank > 0 && !copy) {
        r->ndone_cap = r->job.schedule == SCHED_STATIC ? r->hi - r->lo : r->nt;
        r->done = malloc((r->ndone_cap ? r->ndone_cap : 1) * sizeof *r->done);
        if (!r->done)
            return fail(r, "out of memory for task records");
        runner_prefault(r->done, r->ndone_cap * sizeof *r->done, 1);
    }
    if (r->rank > 0 && r->w.ops->worker_init &&
        r->w.ops->worker_init(&r->w, &r->ctx) != 0)
        return fail(r, "worker initialisation failed");
    return 0;
}

/* Free space of the file system MPICH keeps shared memory in. */
static uint64_t shm_free(void)
{
    struct statvfs v;
    if (statvfs("/dev/shm", &v) != 0)
        return UINT64_MAX; /* let MPICH say what is wrong */
    return (uint64_t)v.f_bavail * v.f_frsize;
}

/* --transfer local with --schedule dynamic: any task may come to any
 * worker, so every worker needs every input.  The workers of one node keep
 * one copy between them in an MPI shared-memory window (MPICH puts it in
 * /dev/shm), make their share of it (task i by node worker i mod m) and
 * wait for each other: data already on the node, once per node, made in
 * parallel.  Collective over the node's workers, so every one of them
 * calls it, a worker whose set-up failed too (it contributes nothing). */
static void place_shared(struct rank *r, MPI_Comm wnode)
{
    int me, m;
    MPI_Comm_rank(wnode, &me);
    MPI_Comm_size(wnode, &m);
    uint64_t need = r->info.status == 0 ? r->in_total : 0, size = 0;
    MPI_Allreduce(&need, &size, 1, MPI_UINT64_T, MPI_MAX, wnode);
    uint64_t avail = me == 0 ? shm_free() : 0;
    MPI_Bcast(&avail, 1, MPI_UINT64_T, 0, wnode);
    if (avail < size) {
        fail(r, "the node's copy of the inputs needs %llu bytes of "
                "/dev/shm, %llu free (docker: --shm-size)",
             (unsigned long long)size, (unsigned long long)avail);
        size = 0;
    }
    /* The window: a cache line holding the node's task counter (for
     * HANDOUT_COUNTER), then the inputs. */
    const size_t head_bytes = 64;
    char *base = NULL;
    MPI_Win win;
    MPI_Win_allocate_shared(me == 0 ? (MPI_Aint)(size + head_bytes) : 0, 1,
                            MPI_INFO_NULL, wnode, &base, &win);
    MPI_Aint got;
    int unit;
    MPI_Win_shared_query(win, 0, &got, &unit, &base);
    r->counter = (_Atomic uint64_t *)(void *)base;
    if (me == 0)
        atomic_init(r->counter, 0);
    r->info.node_workers = m;
    if (r->info.status == 0 && size) {
        r->in = (uint8_t *)base + head_bytes;
        r->base = 0, r->lo = 0, r->hi = r->nt;
        for (size_t i = (size_t)me; i < r->nt; i += (size_t)m)
            if (r->in_len[i] && r->w.ops->make_input)
                r->w.ops->make_input(&r->w, i, r->in + r->in_off[i]);
    }
    MPI_Request req;
    MPI_Ibarrier(wnode, &req);
    mpi_wait(&req, NULL);
    /* Each rank made part of the inputs; make all of them present and warm
     * in this rank now, not by first touches inside the timed region. */
    runner_prefault(base, (size_t)size + head_bytes, 0);
    runner_prefault(base, head_bytes, 1);
    /* The window lives until the process ends: MPICH unlinks its file at
     * once, so nothing is left behind, and freeing it would take one more
     * collective at a moment when the node's workers finish apart. */
}

/* The parent half: wait for the rank, report how it ended, end the same
 * way (so Hydra sees a failed process and stops the job). */
static int watch(pid_t child, struct rank_watch *w, double timeout_s)
{
    /* The PMI connection to Hydra's proxy stays open here too, unused:
     * otherwise the proxy would see it close when the child dies and kill
     * this host's processes, this one included, before it could speak. */
    int st = 0;
    char host[PB_HOST_MAX] = "", line[160];
    gethostname(host, sizeof host - 1);
    for (;;) {
        pid_t r = waitpid(child, &st, w && timeout_s > 0 ? WNOHANG : 0);
        if (r == child)
            break;
        if (r < 0 && errno != EINTR)
            return 1;
        if (r != 0)
            continue;
        /* --task-timeout: the rank's current task, seen from here, so a
         * stopped or looping rank is caught too; SIGKILL ends it either
         * way, and the X line below says how it ended. */
        uint64_t t1 = atomic_load_explicit(&w->task1, memory_order_acquire);
        int64_t start = atomic_load_explicit(&w->start_ns, memory_order_relaxed);
        if (t1 && pb_now() * 1e9 - (double)start > timeout_s * 1e9) {
            int n = snprintf(line, sizeof line, MPI_LINE_TAG "O %s %llu %s\n",
                             getenv("PMI_RANK"), (unsigned long long)(t1 - 1),
                             host[0] ? host : "?");
            if (write(STDERR_FILENO, line, (size_t)n) < 0) {
                /* the exit status below still tells */
            }
            kill(child, SIGKILL);
            while (waitpid(child, &st, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    int n = snprintf(line, sizeof line, MPI_LINE_TAG "X %s %d %s %d\n",
                     getenv("PMI_RANK"), (int)child, host[0] ? host : "?",
                     st);
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return 1;
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* The end of a rank, without MPI_Finalize.  MPICH 4.0's finalize over
 * UCX/TCP can hang for good: one rank flushes an endpoint whose peer already
 * waits, no longer progressing, in the final PMI barrier (a known UCX
 * finalize race; seen here whenever ranks span three hosts).  After the
 * goodbye handshake nothing is in flight, so what is left of MPI_Finalize
 * is telling Hydra's proxy that this rank ended properly -- a rank that
 * exits without that makes Hydra kill the rest.  That is one line of the
 * PMI-1 wire protocol, sent here by hand; with PMI-2, or no PMI_FD, fall
 * back to MPI_Finalize. */
static void pmi_finalize(void)
{
    const char *fdv = getenv("PMI_FD"), *ver = getenv("MPIR_CVAR_PMI_VERSION");
    if (!fdv || (ver && strcmp(ver, "1") != 0)) {
        MPI_Finalize();
        return;
    }
    int fd = atoi(fdv);
    static const char cmd[] = "cmd=finalize\n";
    char ack[64];
    if (write(fd, cmd, sizeof cmd - 1) == (ssize_t)sizeof cmd - 1)
        while (read(fd, ack, sizeof ack) < 0 && errno == EINTR)
            ; /* "cmd=finalize_ack": the proxy has noted us */
}

static double tv(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

static const char *const handout_names[] = {"head-messages", "static-blocks",
                                            "node-counter"};

/* No hand-out messages where none are needed: local data under static, or
 * under dynamic when one node's shared counter reaches every worker. */
static int32_t choose_handout(const struct rank *r,
                              const struct rank_info *infos)
{
    /* Dependencies: only the head knows what is ready. */
    if (r->job.transfer != TRANSFER_LOCAL || r->graph)
        return HANDOUT_MESSAGES;
    if (r->job.schedule == SCHED_STATIC)
        return HANDOUT_BLOCKS;
    for (int k = 1; k < r->size; k++)
        if (infos[k].node_workers != (int32_t)r->nworkers)
            return HANDOUT_MESSAGES;
    return HANDOUT_COUNTER;
}

int mpi_rank_main(int argc, char **argv)
{
    if (!getenv("PMI_RANK") || !getenv("PMI_SIZE")) {
        fprintf(stderr, "parbench: " MPI_RANK_CMD ": internal command of the "
                        "mpi runner, started only through mpiexec\n");
        return 2;
    }
    /* If our Hydra proxy dies, so do we: no rank outlives its job. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The job's --task-timeout, for the watcher (parsed again below). */
    struct mpi_job early;
    char early_err[64];
    double timeout_s = mpi_job_from_args(&early, argc, argv, early_err,
                                         sizeof early_err) == 0
                           ? early.task_timeout_s : 0;
    struct rank_watch *rw = mmap(NULL, sizeof *rw, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (rw == MAP_FAILED)
        rw = NULL;
    pid_t parent = getpid(), child = fork();
    if (child > 0)
        _exit(watch(child, rw, timeout_s));
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
    } /* fork failed: run unwatched */

    struct rank R, *r = &R;
    memset(r, 0, sizeof *r);
    r->watch = child == 0 ? rw : NULL;
    char err[256];
    int parsed = mpi_job_from_args(&r->job, argc, argv, err, sizeof err);
    /* The head's results get the real standard output; everything else
     * that prints there (a library, a kernel) goes to standard error. */
    int res_fd = dup(STDOUT_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    prctl(PR_SET_TIMERSLACK, 1000UL); /* mpi_wait's short sleeps */

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(COMM, &r->rank);
    MPI_Comm_size(COMM, &r->size);
    r->nworkers = r->size > 1 ? (unsigned)r->size - 1 : 0;
    gethostname(r->host, sizeof r->host - 1);
    r->info.pid = (int32_t)getpid();
    r->info.watcher = child == 0 ? (int32_t)parent : 0;
    memcpy(r->info.host, r->host, sizeof r->host);
    if (r->rank != 0 && res_fd >= 0)
        close(res_fd), res_fd = -1;
    /* The node's workers, for place_shared, and when every rank is on
     * one node the futex page (collective: every rank). */
    MPI_Comm wnode = MPI_COMM_NULL;
    if (parsed == 0 && r->size > 1 && r->job.transfer == TRANSFER_LOCAL) {
        MPI_Comm node;
        MPI_Comm_split_type(COMM, MPI_COMM_TYPE_SHARED, r->rank,
                            MPI_INFO_NULL, &node);
        int nsize;
        MPI_Comm_size(node, &nsize);
        if (nsize == r->size) {
            MPI_Win win;
            char *base = NULL;
            MPI_Aint got;
            int unit;
            MPI_Win_allocate_shared(r->rank == 0 ? 64 : 0, 1, MPI_INFO_NULL,
                                    node, &base, &win);
            MPI_Win_shared_query(win, 0, &got, &unit, &base);
            r->sync = (struct node_sync *)(void *)base;
            if (r->rank == 0) {
                atomic_init(&r->sync->go_gen, 0);
                atomic_init(&r->sync->finished, 0);
            }
            runner_prefault(base, 64, 0);
            /* (The window lives until the process ends, as place_shared's.) */
        }
        if (r->job.schedule == SCHED_DYNAMIC)
            MPI_Comm_split(node, r->rank > 0 ? 0 : MPI_UNDEFINED, r->rank,
                           &wnode);
    }
    if (parsed != 0)
        fail(r, "bad job options: %s", err);
    else if (r->size < 2)
        fail(r, "needs at least 2 ranks (a head and a worker)");
    else
        prepare(r);
    if (wnode != MPI_COMM_NULL)
        place_shared(r, wnode);

    /* Ready: one gather of everyone's state; the head's answer is "go". */
    struct rank_info *infos = NULL;
    if (r->rank == 0)
        infos = calloc((size_t)r->size, sizeof *infos);
    MPI_Request req;
    MPI_Igather(&r->info, sizeof r->info, MPI_BYTE, infos, sizeof r->info,
                MPI_BYTE, 0, COMM, &req);
    mpi_wait(&req, NULL);
    FILE *out = r->rank == 0 ? fdopen(res_fd, "w") : NULL;
    if (r->rank == 0 && !out)
        out = stderr; /* the driver will miss the results and say so */
    struct go_msg go = {0};
    if (r->rank == 0) {
        go.go = 1;
        for (int k = 0; k < r->size; k++) {
            fprintf(out, MPI_LINE_TAG "P %d %d %d %s\n", k, (int)infos[k].pid,
                    (int)infos[k].watcher,
                    infos[k].host[0] ? infos[k].host : "?");
            if (infos[k].status != 0 && go.go) {
                char msg[PB_ERR_MAX + PB_HOST_MAX + 64];
                snprintf(msg, sizeof msg, "mpi rank %d on host %s: %s", k,
                         infos[k].host, infos[k].error);
                mpi_put_line(out, "F", msg);
                go.go = 0;
            }
        }
        go.handout = choose_handout(r, infos);
        if (go.go)
            fprintf(out, MPI_LINE_TAG "H %s\n" MPI_LINE_TAG "R\n",
                    handout_names[go.handout]);
        fflush(out);
        memcpy(go.host, r->host, sizeof go.host);
    }
    struct head h = {.r = r};
    struct mpi_usage *use = NULL;
    if (r->rank == 0 && go.go) {
        use = calloc((size_t)r->size, sizeof *use);
        h.recs = calloc(r->nt ? r->nt : 1, sizeof *h.recs);
        h.inflight = calloc((size_t)r->size, sizeof *h.inflight);
        h.blo = calloc((size_t)r->size, sizeof *h.blo);
        h.bhi = calloc((size_t)r->size, sizeof *h.bhi);
        h.busy = calloc((size_t)r->size, 2);
        h.stopped = h.busy ? h.busy + r->size : NULL;
        h.idle_since = calloc((size_t)r->size, sizeof *h.idle_since);
        h.hosts = calloc((size_t)r->size, sizeof *h.hosts);
        for (int k = 0; h.hosts && k < r->size; k++)
            memcpy(h.hosts[k], infos[k].host, sizeof h.hosts[k]);
        if (!h.recs || !h.inflight || !h.blo || !h.bhi || !use || !h.busy ||
            !h.idle_since || !h.hosts) {
            mpi_put_line(out, "F", "mpi rank 0: out of memory");
            fflush(out);
            MPI_Abort(COMM, 3);
        }
    }
    /* One timed region per repetition, all on these same ranks: one with
     * --pool per-repetition, the warm-up and every measured one with
     * persistent.  "go" carries the head's clock each time. */
    /* With the futex page (every rank on one node, local data) "go" is
     * broadcast once, to say how the job runs; each repetition then starts
     * with a futex wake-up, and the workers wait for it in the kernel. */
    int futex_go = 0;
    for (unsigned rep = 0; rep < r->job.reps; rep++) {
        /* Before each repetition, outside the timed region (pyramid: the
         * last repetition's outputs removed, with --cache cold the inputs
         * evicted from the page cache): the head does it, on its host,
         * just before "go", and the driver does not (own_before_rep): a
         * persistent job's ranks do not wait for the driver between
         * repetitions, so its call would overlap a running one. */
        if (r->rank == 0 && go.go && r->w.ops->before_rep) {
            char why[PB_ERR_MAX], msg[PB_ERR_MAX + 64];
            if (r->w.ops->before_rep(&r->w, why, sizeof why) != 0) {
                snprintf(msg, sizeof msg, "mpi rank 0: %s", why);
                mpi_put_line(out, "F", msg);
                fflush(out);
                MPI_Abort(COMM, 3);
            }
        }
        if (!futex_go) {
            if (r->rank == 0)
                go.t0 = r->t0 = pb_now();
            MPI_Ibcast(&go, sizeof go, MPI_BYTE, 0, COMM, &req);
            mpi_wait(&req, NULL);
            if (!go.go)
                break;
            r->handout = (enum handout)go.handout;
            futex_go = r->sync && r->handout != HANDOUT_MESSAGES;
        }
        r->rep = rep;
        if (futex_go && r->rank == 0) {
            atomic_store(&r->sync->finished, 0);
            r->sync->t0 = r->t0 = pb_now();
            atomic_store(&r->sync->go_gen, rep + 1);
            mpi_futex_wake(&r->sync->go_gen);
        } else if (futex_go) {
            for (uint32_t v; (v = atomic_load(&r->sync->go_gen)) < rep + 1;)
                mpi_futex_wait(&r->sync->go_gen, v, 0.05);
            r->t0 = r->sync->t0;
        } else if (r->rank != 0) {
            /* CLOCK_MONOTONIC is shared by a host's processes: there the
             * head's start is exact.  Elsewhere, when "go" arrived. */
            r->t0 = strcmp(go.host, r->host) == 0 ? go.t0 : pb_now();
        }
        /* CPU and peak memory are this repetition's: start-up (MPI_Init,
         * setup, input placement) is what spawn_s measures. */
        runner_reset_peak();
        struct rusage ru0, ru;
        getrusage(RUSAGE_SELF, &ru0);
        double wall = 0;
        if (r->rank == 0) {
            h.next = 0;
            wall = r->graph ? mpi_head_graph(&h)
                   : r->handout == HANDOUT_MESSAGES ? mpi_head_loop(&h)
                                                    : mpi_head_collect(&h);
        } else if (r->handout == HANDOUT_MESSAGES) {
            mpi_worker_loop(r);
        } else {
            mpi_worker_local(r);
        }
        getrusage(RUSAGE_SELF, &ru);
        uint64_t hwm, shmem;
        runner_self_memory(&hwm, &shmem);
        struct mpi_usage mine = {tv(ru.ru_utime) - tv(ru0.ru_utime),
                                 tv(ru.ru_stime) - tv(ru0.ru_stime),
                                 hwm ? hwm : (uint64_t)ru.ru_maxrss * 1024u};
        if (r->rank == 0) {
            use[0] = mine;
            for (int got = 1; got < r->size; got++) {
                struct mpi_usage u;
                MPI_Status st;
                MPI_Irecv(&u, sizeof u, MPI_BYTE, MPI_ANY_SOURCE, TAG_USAGE,
                          COMM, &req);
                mpi_wait(&req, &st);
                use[st.MPI_SOURCE] = u;
            }
            mpi_head_report(out, &h, wall, use);
            fflush(out);
        } else {
            MPI_Send(&mine, sizeof mine, MPI_BYTE, 0, TAG_USAGE, COMM);
        }
    }

    if (r->ctx && r->w.ops->worker_fini)
        r->w.ops->worker_fini(&r->w, r->ctx);
    if (r->rank == 0) {
        fflush(out);
        /* Goodbye, synchronously: each send completes once that worker has
         * taken it, so when the last one has, nothing is left in flight. */
        double until = pb_now() + BYE_TIMEOUT_S;
        for (int k = 1; k < r->size; k++) {
            MPI_Issend(NULL, 0, MPI_BYTE, k, TAG_BYE, COMM, &req);
            if (!mpi_wait_until(&req, until))
                break; /* its acknowledgement is lost: leave anyway */
        }
    } else {
        MPI_Irecv(NULL, 0, MPI_BYTE, 0, TAG_BYE, COMM, &req);
        mpi_wait(&req, NULL);
    }
    pmi_finalize();
    _exit(0);
}
