/* runners/mpi_loops.c: the mpi runner's timed region, on the ranks.
 *
 * The head (rank 0) gives every worker one task, then waits for any result;
 * the worker that returned it gets its next task (dynamic: the next undone
 * one; static: the next of its own contiguous block) or "stop".  With
 * --transfer copy the task message is followed by the input's bytes and the
 * result by the output's; with local the worker already holds its inputs
 * (runners/mpi_rank.c placed them) and only the record comes back.  A task
 * record's times are the worker's own clock from the start of the region
 * (the head's clock when they share a host), its host the worker's.
 *
 * Without hand-out messages (runners/mpi_rank.h, enum handout): under
 * --schedule static with local data each worker runs its own block, and
 * under dynamic with every worker on one node the workers take indices from
 * an atomic counter in the node's shared memory; either way a worker keeps
 * its records and sends them in one message when it runs out of tasks, and
 * the head, which has nothing to hand out, only sleeps until they arrive.
 *
 * Every wait that can be long tests and sleeps (mpi_wait): MPICH's blocking
 * calls busy-poll, and a head or an idle worker spinning would take a CPU
 * from the workers that compute (a machine may have as many CPUs as
 * workers).  The cost is a reaction time of at most WAIT_MAX_NS.
 */
#include <linux/futex.h>
#include <math.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runners/mpi_rank.h"

/* Test r until done, sleeping from 1 us, doubling, up to WAIT_MAX_NS in
 * between (after WAIT_SPIN_S of plain testing, for quick replies); 0 if
 * the deadline passed first. */
static int wait_until(MPI_Request *r, MPI_Status *st, double deadline)
{
    int done = 0;
    double spin = pb_now() + WAIT_SPIN_S;
    long ns = 1000;
    for (;;) {
        MPI_Test(r, &done, st ? st : MPI_STATUS_IGNORE);
        if (done)
            return 1;
        double now = pb_now();
        if (now < spin)
            continue;
        if (now > deadline)
            return 0;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < WAIT_MAX_NS)
            ns *= 2;
    }
}

void mpi_wait(MPI_Request *r, MPI_Status *st)
{
    wait_until(r, st, HUGE_VAL);
}

int mpi_wait_until(MPI_Request *r, double deadline)
{
    return wait_until(r, NULL, deadline);
}

void mpi_send_bytes(const void *p, size_t n, int dst, int tag)
{
    const char *c = p;
    while (n) {
        int k = n > CHUNK ? CHUNK : (int)n;
        MPI_Send(c, k, MPI_BYTE, dst, tag, COMM);
        c += k, n -= (size_t)k;
    }
}

void mpi_recv_bytes(void *p, size_t n, int src, int tag)
{
    char *c = p;
    while (n) {
        int k = n > CHUNK ? CHUNK : (int)n;
        MPI_Recv(c, k, MPI_BYTE, src, tag, COMM, MPI_STATUS_IGNORE);
        c += k, n -= (size_t)k;
    }
}

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

/* Send task i (with copy, and its input) to worker rank wr. */
static void send_task(struct head *h, int wr, size_t i)
{
    struct rank *r = h->r;
    struct task_msg m = {.task = i};
    h->inflight[wr] = i;
    MPI_Send(&m, sizeof m, MPI_BYTE, wr, TAG_TASK, COMM);
    if (r->job.transfer == TRANSFER_COPY) {
        mpi_send_bytes(r->in + r->in_off[i], r->in_len[i], wr, TAG_INPUT);
        h->moved += r->in_len[i] + r->out_len[i];
    }
}

static void send_stop(int wr)
{
    struct task_msg m = {0};
    MPI_Send(&m, sizeof m, MPI_BYTE, wr, TAG_STOP, COMM);
}

/* Give worker rank `wr` its next task, or tell it to stop. */
static void dispatch(struct head *h, int wr)
{
    size_t i;
    if (next_task(h, wr, &i))
        send_task(h, wr, i);
    else
        send_stop(wr);
}

/* Wait for the next result from any worker: its record (and with copy its
 * output) into place; returns the worker's rank and the task in *task. */
static int receive_result(struct head *h, size_t *task)
{
    struct rank *r = h->r;
    struct task_record rec;
    MPI_Request req;
    MPI_Status st;
    MPI_Irecv(&rec, sizeof rec, MPI_BYTE, MPI_ANY_SOURCE, TAG_RESULT, COMM,
              &req);
    mpi_wait(&req, &st);
    int wr = st.MPI_SOURCE;
    size_t i = h->inflight[wr];
    if (r->job.transfer == TRANSFER_COPY)
        mpi_recv_bytes(r->out + r->out_off[i], r->out_len[i], wr, TAG_OUTPUT);
    h->recs[i] = rec;
    *task = i;
    return wr;
}

/* The timed region; returns its wall time. */
double mpi_head_loop(struct head *h)
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
        size_t i;
        int wr = receive_result(h, &i);
        if (++done == r->nt)
            wall = pb_now() - r->t0;
        dispatch(h, wr);
    }
    return wall;
}

/* One more task completed (run or not run); the wall time at the last. */
static void completed(struct head *h)
{
    if (++h->ndone == h->r->nt)
        h->wall = pb_now() - h->r->t0;
}

/* The next ready task for worker rank wr, as pb_sched_take answers (1, 0:
 * none ready now, -1: every task handed out).  A task whose input failed
 * is recorded here as not run, in the head's clock and under the worker
 * that asked, and completed as failed, which may make its own dependents
 * ready (and not runnable) in turn. */
static int take_ready(struct head *h, int wr, size_t *i)
{
    struct rank *r = h->r;
    int got;
    while ((got = pb_sched_take(r->sched, i)) == 1) {
        size_t failed = pb_sched_failed_input(r->sched, *i);
        if (!failed)
            break;
        struct task_record *rec = &h->recs[*i];
        memset(rec, 0, sizeof *rec);
        /* No task data: a not-run task touches none (runner_exec_ready
         * only records it). */
        runner_exec_ready(&r->w, NULL, NULL, *i, r->t0, wr - 1, rec,
                          pb_sched_ready_s(r->sched, *i), failed);
        memcpy(rec->host, h->hosts[wr], sizeof rec->host);
        pb_sched_done(r->sched, *i, 1, rec->end_s);
        completed(h);
    }
    return got;
}

/* The timed region with task dependencies.  The head keeps the scheduler
 * (runners/graph.h) to itself: it hands a ready task to each free worker,
 * and on each result completes that task, which may make others ready for
 * the workers waiting.  A free worker with nothing ready waits without a
 * message (its wait, from the head's view, is input_wait); once every task
 * has been handed out, a free worker is told to stop.  A task's ready_s is
 * the latest end_s of its inputs as their workers recorded them, so it is
 * in the same time frame as every other time of the records. */
double mpi_head_graph(struct head *h)
{
    struct rank *r = h->r;
    pb_sched_reset(r->sched);
    h->ndone = 0, h->wall = 0, h->input_wait = 0;
    for (int k = 0; k < r->size; k++)
        h->busy[k] = 0, h->stopped[k] = 0, h->idle_since[k] = 0;
    for (;;) {
        int running = 0;
        for (int k = 1; k < r->size; k++) {
            if (h->busy[k] || h->stopped[k])
                continue;
            size_t i;
            int got = take_ready(h, k, &i);
            double now = pb_now();
            if (got != 0 && h->idle_since[k] > 0) {
                h->input_wait += now - h->idle_since[k];
                h->idle_since[k] = 0;
            }
            if (got == 1) {
                send_task(h, k, i);
                h->busy[k] = 1;
            } else if (got == 0) {
                if (h->idle_since[k] == 0)
                    h->idle_since[k] = now;
            } else {
                send_stop(k);
                h->stopped[k] = 1;
            }
        }
        for (int k = 1; k < r->size; k++)
            running += h->busy[k];
        if (h->ndone == r->nt || !running)
            break; /* !running before the end: cannot happen (acyclic) */
        size_t i;
        int wr = receive_result(h, &i);
        struct task_record *rec = &h->recs[i];
        rec->ready_s = pb_sched_ready_s(r->sched, i);
        h->busy[wr] = 0;
        pb_sched_done(r->sched, i, rec->res.status != 0, rec->end_s);
        completed(h);
    }
    /* Workers still waiting when the last task ended: nothing more will
     * become ready. */
    double now = pb_now();
    for (int k = 1; k < r->size; k++) {
        if (h->idle_since[k] > 0)
            h->input_wait += now - h->idle_since[k], h->idle_since[k] = 0;
        if (!h->stopped[k])
            send_stop(k), h->stopped[k] = 1;
    }
    if (h->ndone != r->nt)
        MPI_Abort(COMM, 4);
    return h->wall;
}

void mpi_worker_loop(struct rank *r)
{
    const int copy = r->job.transfer == TRANSFER_COPY;
    for (;;) {
        struct task_msg m;
        MPI_Request req;
        MPI_Status st;
        MPI_Irecv(&m, sizeof m, MPI_BYTE, 0, MPI_ANY_TAG, COMM, &req);
        mpi_wait(&req, &st);
        if (st.MPI_TAG == TAG_STOP)
            return;
        size_t i = (size_t)m.task;
        if (i >= r->nt)
            MPI_Abort(COMM, 4); /* cannot happen: the head sent it */
        const uint8_t *in = r->in;
        if (copy)
            mpi_recv_bytes(r->in, r->in_len[i], 0, TAG_INPUT);
        else
            in = r->in + r->in_off[i] - r->base;
        struct task_record rec;
        memset(&rec, 0, sizeof rec);
        rec.worker = r->rank - 1;
        memcpy(rec.host, r->host, sizeof rec.host);
        mpi_task_progress(r, i);
        rec.start_s = pb_now() - r->t0;
        wl_exec(&r->w, r->ctx, i, r->in_len[i] ? in : NULL, r->out, &rec.res);
        rec.end_s = pb_now() - r->t0;
        mpi_task_progress(r, SIZE_MAX);
        MPI_Send(&rec, sizeof rec, MPI_BYTE, 0, TAG_RESULT, COMM);
        if (copy)
            mpi_send_bytes(r->out, r->out_len[i], 0, TAG_OUTPUT);
    }
}

/* Shared (not FUTEX_PRIVATE) futexes: the word lives in memory that other
 * processes map. */
void mpi_futex_wait(_Atomic uint32_t *word, uint32_t val, double timeout_s)
{
    struct timespec ts = {(time_t)timeout_s,
                          (long)((timeout_s - (double)(time_t)timeout_s) * 1e9)};
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, val, &ts, NULL, 0);
}

void mpi_futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

void mpi_task_progress(struct rank *r, size_t i)
{
    if (r->watch)
        runner_mark_task(&r->watch->task1, &r->watch->start_ns, i);
}

/* Wait for a message from src (or any) with tag, testing and sleeping as
 * mpi_wait does. */
static void probe_wait(int src, int tag, MPI_Status *st)
{
    int flag = 0;
    double spin = pb_now() + WAIT_SPIN_S;
    long ns = 1000;
    for (;;) {
        MPI_Iprobe(src, tag, COMM, &flag, st);
        if (flag)
            return;
        if (pb_now() < spin)
            continue;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < WAIT_MAX_NS)
            ns *= 2;
    }
}

double mpi_head_collect(struct head *h)
{
    struct rank *r = h->r;
    struct done_rec *buf = NULL;
    size_t cap = 0;
    /* On one node the head sleeps in the kernel until the last worker has
     * finished (it says so before sending its records); the records are
     * then there to take.  The timeout only bounds a missed wake-up. */
    if (r->sync)
        for (uint32_t v; (v = atomic_load(&r->sync->finished)) < r->nworkers;)
            mpi_futex_wait(&r->sync->finished, v, 0.05);
    for (unsigned got = 0; got < r->nworkers; got++) {
        MPI_Status st;
        probe_wait(MPI_ANY_SOURCE, TAG_COUNT, &st);
        uint64_t n = 0;
        MPI_Recv(&n, 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_COUNT, COMM,
                 MPI_STATUS_IGNORE);
        if (n > r->nt)
            MPI_Abort(COMM, 4); /* cannot happen: a worker runs <= nt */
        if (n > cap) {
            free(buf);
            cap = n;
            buf = malloc(cap * sizeof *buf);
            if (!buf)
                MPI_Abort(COMM, 3);
        }
        mpi_recv_bytes(buf, n * sizeof *buf, st.MPI_SOURCE, TAG_RESULTS);
        for (uint64_t k = 0; k < n; k++)
            if (buf[k].task < r->nt)
                h->recs[buf[k].task] = buf[k].rec;
    }
    double wall = pb_now() - r->t0;
    free(buf);
    return wall;
}

/* Run task i into the next of this worker's kept records. */
static void run_kept(struct rank *r, size_t i, size_t *k)
{
    struct done_rec *d = &r->done[(*k)++];
    memset(d, 0, sizeof *d);
    d->task = i;
    d->rec.worker = r->rank - 1;
    memcpy(d->rec.host, r->host, sizeof d->rec.host);
    mpi_task_progress(r, i);
    d->rec.start_s = pb_now() - r->t0;
    wl_exec(&r->w, r->ctx, i, r->in_len[i] ? r->in + r->in_off[i] - r->base
                                           : NULL,
            r->out, &d->rec.res);
    d->rec.end_s = pb_now() - r->t0;
    mpi_task_progress(r, SIZE_MAX);
}

void mpi_worker_local(struct rank *r)
{
    size_t k = 0;
    if (r->handout == HANDOUT_BLOCKS) {
        for (size_t i = r->lo; i < r->hi; i++)
            run_kept(r, i, &k);
    } else {
        /* The counter is never reset (a reset would race with a worker
         * still taking its last index): every repetition takes nt indices
         * and each of the node's workers one more, past the end, so
         * repetition k starts at k * (nt + workers). */
        uint64_t base = (uint64_t)r->rep * (r->nt + (uint64_t)r->info.node_workers);
        uint64_t i;
        while ((i = atomic_fetch_add_explicit(r->counter, 1,
                                              memory_order_relaxed) - base) < r->nt &&
               k < r->ndone_cap)
            run_kept(r, (size_t)i, &k);
    }
    uint64_t n = k;
    if (r->sync && atomic_fetch_add(&r->sync->finished, 1) + 1 == r->nworkers)
        mpi_futex_wake(&r->sync->finished);
    MPI_Send(&n, 1, MPI_UINT64_T, 0, TAG_COUNT, COMM);
    mpi_send_bytes(r->done, k * sizeof *r->done, 0, TAG_RESULTS);
}

void mpi_put_line(FILE *f, const char *tag, const char *text)
{
    fprintf(f, MPI_LINE_TAG "%s ", tag);
    for (const char *c = text; *c; c++)
        fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
    fputc('\n', f);
}

void mpi_head_report(FILE *f, struct head *h, double wall,
                     const struct mpi_usage *use)
{
    struct rank *r = h->r;
    char hex[2 * sizeof(struct task_record) + 1];
    fprintf(f, MPI_LINE_TAG "D %a %llu %a\n", wall,
            (unsigned long long)h->moved, h->input_wait);
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
