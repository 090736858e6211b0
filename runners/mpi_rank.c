/* runners/mpi_rank.c: the ranks of the mpi runner, i.e. the hidden
 * `parbench mpi-rank` subcommand that the driver (runners/mpi.c) starts
 * through mpiexec.  Rank 0 is the head: it hands out tasks and collects
 * results.  Ranks 1..N are the workers (worker index = rank - 1).
 *
 * Start-up (outside the timed region; the driver counts it in spawn_s):
 * every rank rebuilds the workload from its options and runs setup() (spin
 * arrives with its iterations already calibrated).  Then data is placed:
 *  --transfer local  each worker makes, with make_input, the inputs of every
 *                    task it may be given: its fixed block under --schedule
 *                    static, every task under dynamic (any task may come to
 *                    any worker).  "The data is already on the node", as on
 *                    a cluster with local or replicated data; what it costs
 *                    shows in spawn_s and in the workers' peak RSS.  Only
 *                    task indices and result records cross the network.
 *  --transfer copy   the head makes every input, sends each task's input
 *                    bytes with the task and receives its output bytes into
 *                    an output arena, as an object store moves data between
 *                    nodes.  Workers hold one input and one output buffer.
 * Each rank reports ready (pid, host, set-up errors) in one gather; the head
 * answers with "go", and the timed region runs from there to the last
 * result.  A worker asks for more by returning a result; the head then
 * sends it the next task (dynamic: the next undone task; static: the next
 * of that worker's contiguous block) or "stop".
 *
 * MPICH's blocking calls busy-poll.  A head waiting for results, or a worker
 * waiting for its next task, must not burn a CPU the computing workers need
 * (one machine may have exactly as many CPUs as workers), so every wait that
 * can be long tests its request and sleeps in between (wait_req).
 *
 * The head prints the results on its standard output in the line format of
 * runners/mpi.h; Hydra forwards it to the driver from whichever host the
 * head runs on.  Everything else written to standard output goes to
 * standard error instead.  Ranks end with _exit() after MPI_Finalize, so a
 * sanitizer's exit-time leak check never turns MPI's own allocations into a
 * failed rank.
 *
 * Each rank is two processes.  The one Hydra started forks at once and
 * only waits: the child is the MPI rank.  When the child dies, the waiting
 * parent knows exactly how (its wait status) and prints that on standard
 * error (PBMPI X) before Hydra learns anything.  Hydra's own report cannot
 * be trusted to name the rank: when one process dies it kills the rest of
 * that host's processes, then may report any of them.
 */
#include <mpi.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runners/mpi.h"

#define COMM MPI_COMM_WORLD
#define CHUNK (1 << 30) /* MPI counts are int: big buffers go in pieces */
#define WAIT_SPIN_S 20e-6  /* test without sleeping this long first */
#define WAIT_MAX_NS 100000 /* then sleep 1 us, doubling up to this */
#define FINALIZE_TIMEOUT_S 2

enum { TAG_TASK = 1, TAG_STOP, TAG_INPUT, TAG_RESULT, TAG_OUTPUT };

struct task_msg {
    uint64_t task; /* index; ignored with TAG_STOP */
};

/* Sent by every rank to the head when it is ready (or failed to be). */
struct rank_info {
    int32_t pid, watcher; /* the MPI process and its watching parent */
    int32_t status, pad_; /* status 0: ready */
    char host[PB_HOST_MAX];
    char error[PB_ERR_MAX];
};

/* The head's answer: go (or give up), and its clock for same-host ranks. */
struct go_msg {
    int32_t go, pad_;
    double t0;
    char host[PB_HOST_MAX];
};

struct rank {
    int rank, size;
    unsigned nworkers;
    struct mpi_job job;
    struct workload w;
    int setup_done;
    size_t nt;
    size_t *in_off, *in_len, *out_off, *out_len; /* [nt] each */
    size_t lo, hi;     /* tasks whose inputs `in` holds (in_off - base) */
    size_t base;       /* in_off[lo] */
    uint8_t *in, *out; /* input arena [lo, hi) or one buffer; output */
    size_t max_in, max_out;
    void *ctx;
    double t0;         /* start of the timed region, this rank's clock */
    char host[PB_HOST_MAX];
    struct rank_info info;
};

static void wait_req(MPI_Request *r, MPI_Status *st)
{
    int done = 0;
    double until = pb_now() + WAIT_SPIN_S;
    long ns = 1000;
    for (;;) {
        MPI_Test(r, &done, st ? st : MPI_STATUS_IGNORE);
        if (done)
            return;
        if (pb_now() < until)
            continue;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < WAIT_MAX_NS)
            ns *= 2;
    }
}

static void send_bytes(const void *p, size_t n, int dst, int tag)
{
    const char *c = p;
    while (n) {
        int k = n > CHUNK ? CHUNK : (int)n;
        MPI_Send(c, k, MPI_BYTE, dst, tag, COMM);
        c += k, n -= (size_t)k;
    }
}

static void recv_bytes(void *p, size_t n, int src, int tag)
{
    char *c = p;
    while (n) {
        int k = n > CHUNK ? CHUNK : (int)n;
        MPI_Recv(c, k, MPI_BYTE, src, tag, COMM, MPI_STATUS_IGNORE);
        c += k, n -= (size_t)k;
    }
}

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
    r->w.ops = wl_find(r->job.workload);
    r->w.p = r->job.p;
    if (!r->w.ops)
        return fail(r, "unknown workload '%s'", r->job.workload);
    if (r->w.ops->setup && r->w.ops->setup(&r->w, err, sizeof err) != 0)
        return fail(r, "workload setup: %s", err);
    r->setup_done = 1;
    r->nt = r->w.p.tasks;
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
    } else {
        if (r->job.schedule == SCHED_STATIC)
            runner_static_block(r->nt, r->nworkers, (unsigned)r->rank - 1,
                                &r->lo, &r->hi);
        else
            r->lo = 0, r->hi = r->nt;
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
    if (r->w.ops->make_input)
        for (size_t i = r->lo; i < r->hi; i++)
            if (r->in_len[i])
                r->w.ops->make_input(&r->w, i, r->in + r->in_off[i] - r->base);
    if (r->rank > 0 && r->w.ops->worker_init &&
        r->w.ops->worker_init(&r->w, &r->ctx) != 0)
        return fail(r, "worker initialisation failed");
    return 0;
}

/* ---- the head ----------------------------------------------------------- */

struct head {
    struct rank *r;
    struct task_record *recs;
    size_t *inflight;  /* [size] task each worker is running */
    size_t *blo, *bhi; /* [size] static: rest of each worker's block */
    size_t next;       /* dynamic: next task */
    uint64_t moved;
};

static int next_task(struct head *h, int wrank, size_t *i)
{
    if (h->r->job.schedule == SCHED_STATIC) {
        if (h->blo[wrank] >= h->bhi[wrank])
            return 0;
        *i = h->blo[wrank]++;
        return 1;
    }
    if (h->next >= h->r->nt)
        return 0;
    *i = h->next++;
    return 1;
}

/* Give worker rank `wr` its next task, or tell it to stop. */
static void dispatch(struct head *h, int wr)
{
    struct rank *r = h->r;
    struct task_msg m = {0};
    size_t i;
    if (!next_task(h, wr, &i)) {
        MPI_Send(&m, sizeof m, MPI_BYTE, wr, TAG_STOP, COMM);
        return;
    }
    m.task = i;
    h->inflight[wr] = i;
    MPI_Send(&m, sizeof m, MPI_BYTE, wr, TAG_TASK, COMM);
    if (r->job.transfer == TRANSFER_COPY) {
        send_bytes(r->in + r->in_off[i], r->in_len[i], wr, TAG_INPUT);
        h->moved += r->in_len[i] + r->out_len[i];
    }
}

/* The timed region; returns its wall time. */
static double head_loop(struct head *h)
{
    struct rank *r = h->r;
    for (int k = 1; k < r->size; k++) {
        if (r->job.schedule == SCHED_STATIC)
            runner_static_block(r->nt, r->nworkers, (unsigned)k - 1,
                                &h->blo[k], &h->bhi[k]);
        dispatch(h, k);
    }
    double wall = 0;
    for (size_t done = 0; done < r->nt;) {
        struct task_record rec;
        MPI_Request req;
        MPI_Status st;
        MPI_Irecv(&rec, sizeof rec, MPI_BYTE, MPI_ANY_SOURCE, TAG_RESULT, COMM,
                  &req);
        wait_req(&req, &st);
        int wr = st.MPI_SOURCE;
        size_t i = h->inflight[wr];
        if (r->job.transfer == TRANSFER_COPY)
            recv_bytes(r->out + r->out_off[i], r->out_len[i], wr, TAG_OUTPUT);
        h->recs[i] = rec;
        if (++done == r->nt)
            wall = pb_now() - r->t0;
        dispatch(h, wr);
    }
    return wall;
}

/* ---- a worker ----------------------------------------------------------- */

static void worker_loop(struct rank *r)
{
    const int copy = r->job.transfer == TRANSFER_COPY;
    for (;;) {
        struct task_msg m;
        MPI_Request req;
        MPI_Status st;
        MPI_Irecv(&m, sizeof m, MPI_BYTE, 0, MPI_ANY_TAG, COMM, &req);
        wait_req(&req, &st);
        if (st.MPI_TAG == TAG_STOP)
            return;
        size_t i = (size_t)m.task;
        const uint8_t *in = r->in;
        if (copy)
            recv_bytes(r->in, r->in_len[i], 0, TAG_INPUT);
        else
            in = r->in + r->in_off[i] - r->base;
        struct task_record rec;
        memset(&rec, 0, sizeof rec);
        rec.worker = r->rank - 1;
        memcpy(rec.host, r->host, sizeof rec.host);
        rec.start_s = pb_now() - r->t0;
        wl_exec(&r->w, r->ctx, i, r->in_len[i] ? in : NULL, r->out, &rec.res);
        rec.end_s = pb_now() - r->t0;
        MPI_Send(&rec, sizeof rec, MPI_BYTE, 0, TAG_RESULT, COMM);
        if (copy)
            send_bytes(r->out, r->out_len[i], 0, TAG_OUTPUT);
    }
}

/* ---- both --------------------------------------------------------------- */

static void put_line_text(FILE *f, const char *tag, const char *text)
{
    fprintf(f, MPI_LINE_TAG "%s ", tag);
    for (const char *c = text; *c; c++)
        fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
    fputc('\n', f);
}

static void head_report(FILE *f, struct head *h, double wall,
                        const struct mpi_usage *use)
{
    struct rank *r = h->r;
    char hex[2 * sizeof(struct task_record) + 1];
    fprintf(f, MPI_LINE_TAG "D %a %llu\n", wall, (unsigned long long)h->moved);
    for (size_t i = 0; i < r->nt; i++) {
        mpi_hex_encode(&h->recs[i], sizeof h->recs[i], hex);
        fprintf(f, MPI_LINE_TAG "T %zu %s\n", i, hex);
    }
    for (int k = 0; k < r->size; k++) {
        mpi_hex_encode(&use[k], sizeof use[k], hex);
        fprintf(f, MPI_LINE_TAG "U %d %s\n", k, hex);
    }
    fprintf(f, MPI_LINE_TAG "E\n");
}

/* The parent half: wait for the rank, report how it ended, end the same
 * way (so Hydra sees a failed process and stops the job). */
static int watch(pid_t child)
{
    /* The PMI connection to Hydra's proxy stays open here too, unused:
     * otherwise the proxy would see it close when the child dies and kill
     * this host's processes, this one included, before it could speak. */
    int st = 0;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    char host[PB_HOST_MAX] = "", line[160];
    gethostname(host, sizeof host - 1);
    int n = snprintf(line, sizeof line, MPI_LINE_TAG "X %s %d %s %d\n",
                     getenv("PMI_RANK"), (int)child, host[0] ? host : "?",
                     st);
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return 1;
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static void finalize_escape(int sig)
{
    (void)sig;
    _exit(0);
}

static double tv(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
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
    pid_t parent = getpid(), child = fork();
    if (child > 0)
        _exit(watch(child));
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
    } /* fork failed: run unwatched */

    struct rank R, *r = &R;
    memset(r, 0, sizeof *r);
    char err[256];
    int parsed = mpi_job_from_args(&r->job, argc, argv, err, sizeof err);
    /* The head's results get the real standard output; everything else
     * that prints there (a library, a kernel) goes to standard error. */
    int res_fd = dup(STDOUT_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    prctl(PR_SET_TIMERSLACK, 1000UL); /* wait_req's short sleeps */

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
    if (parsed != 0)
        fail(r, "bad job options: %s", err);
    else if (r->size < 2)
        fail(r, "needs at least 2 ranks (a head and a worker)");
    else
        prepare(r);

    /* Ready: one gather of everyone's state; the head's answer is "go". */
    struct rank_info *infos = NULL;
    if (r->rank == 0)
        infos = calloc((size_t)r->size, sizeof *infos);
    MPI_Request req;
    MPI_Igather(&r->info, sizeof r->info, MPI_BYTE, infos, sizeof r->info,
                MPI_BYTE, 0, COMM, &req);
    wait_req(&req, NULL);
    FILE *out = r->rank == 0 ? fdopen(res_fd, "w") : NULL;
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
                put_line_text(out, "F", msg);
                go.go = 0;
            }
        }
        if (go.go)
            fprintf(out, MPI_LINE_TAG "R\n");
        fflush(out);
        memcpy(go.host, r->host, sizeof go.host);
        go.t0 = r->t0 = pb_now();
    }
    MPI_Ibcast(&go, sizeof go, MPI_BYTE, 0, COMM, &req);
    wait_req(&req, NULL);
    if (r->rank != 0) {
        /* CLOCK_MONOTONIC is shared by a host's processes: there the
         * head's start is exact.  Elsewhere, when "go" arrived. */
        r->t0 = strcmp(go.host, r->host) == 0 ? go.t0 : pb_now();
    }

    /* CPU is counted over the timed region only: start-up (MPI_Init,
     * setup, input placement) happens once per repetition and would swamp
     * short runs; it is what spawn_s measures. */
    struct rusage ru0, ru;
    getrusage(RUSAGE_SELF, &ru0);
    struct head h = {.r = r};
    double wall = 0;
    struct mpi_usage *use = NULL;
    if (r->rank == 0)
        use = calloc((size_t)r->size, sizeof *use);
    if (go.go && r->rank == 0) {
        h.recs = calloc(r->nt ? r->nt : 1, sizeof *h.recs);
        h.inflight = calloc((size_t)r->size, sizeof *h.inflight);
        h.blo = calloc((size_t)r->size, sizeof *h.blo);
        h.bhi = calloc((size_t)r->size, sizeof *h.bhi);
        if (!h.recs || !h.inflight || !h.blo || !h.bhi || !use) {
            put_line_text(out, "F", "mpi rank 0: out of memory");
            fflush(out);
            MPI_Abort(COMM, 3);
        }
        wall = head_loop(&h);
    } else if (go.go) {
        worker_loop(r);
    }

    /* What this rank cost, gathered at the head. */
    if (r->ctx && r->w.ops->worker_fini)
        r->w.ops->worker_fini(&r->w, r->ctx);
    getrusage(RUSAGE_SELF, &ru);
    struct mpi_usage mine = {tv(ru.ru_utime) - tv(ru0.ru_utime),
                             tv(ru.ru_stime) - tv(ru0.ru_stime),
                             (uint64_t)ru.ru_maxrss * 1024u};
    MPI_Igather(&mine, sizeof mine, MPI_BYTE, use, sizeof mine, MPI_BYTE, 0,
                COMM, &req);
    wait_req(&req, NULL);
    if (r->rank == 0 && go.go)
        head_report(out, &h, wall, use);
    if (out)
        fflush(out);
    /* Everything has arrived everywhere once everyone is here.  MPICH
     * 4.0's finalize over UCX/TCP can then still hang, one rank flushing
     * an endpoint whose peer already sits in the final PMI barrier (a known
     * UCX/MPI finalize race): nothing is left to deliver, so give it a few
     * seconds and leave anyway. */
    MPI_Ibarrier(COMM, &req);
    wait_req(&req, NULL);
    signal(SIGALRM, finalize_escape);
    alarm(FINALIZE_TIMEOUT_S);
    MPI_Finalize();
    alarm(0);
    if (out)
        fclose(out);
    _exit(0);
}
