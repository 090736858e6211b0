/* runners/fork.c: a pool of --workers pre-forked processes.
 *
 * The pool is forked before the timed region; each worker initialises and
 * reports ready, and the timed region starts when all are.  Two ways to move
 * data, because what they cost is what users need to see:
 *
 *  --transfer shared  inputs and outputs live in the MAP_SHARED arenas bench/
 *                     mapped before the fork; a worker takes the next task
 *                     index from an atomic counter in shared memory and reads
 *                     and writes the arenas in place.  Nothing is copied.
 *  --transfer copy    the driver writes each task's input bytes down a pipe
 *                     to the worker it assigns it to, and reads the output
 *                     back through another pipe, as Python's multiprocessing
 *                     does with pickled arguments and results.  The driver
 *                     runs one poll() loop over every worker's pipes.
 *
 * A worker's start-up (open) makes every page it will use present and
 * touched -- the shared arenas and records, its own copy-mode buffers --
 * and builds its per-worker state; then it reports ready.  Each repetition
 * (run) hands every worker a "go" byte on its own pipe; the worker measures
 * its CPU time (getrusage) and peak RSS (VmHWM, reset through clear_refs at
 * "go") over the repetition and writes them to shared memory before its
 * "done" byte.  The pool serves one repetition (--pool per-repetition) or
 * all of them (persistent); close ends the workers by closing their "go"
 * pipes and reaps them.  A worker that dies makes the run fail with its
 * index, pid and signal; the rest are killed, so the run returns at once
 * and leaves no process behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runners/runner.h"

/* Bookkeeping every process sees (MAP_SHARED). */
struct ctl {
    atomic_size_t next; /* shared mode: next task index */
    double t0;          /* start of the timed region, set before "go" */
    struct {
        uint64_t hwm;   /* the worker's peak RSS (VmHWM) at its end */
        uint64_t shmem; /* shared memory resident in it then (RssShmem) */
        double user_s, sys_s; /* its CPU time within the timed region;
                                 user_s < 0: it never got there */
    } mem[];            /* [workers], written by each worker as it ends */
};

/* Driver -> worker message header (copy mode). */
#define END_OF_REP UINT64_MAX
struct msg {
    uint64_t task; /* END_OF_REP: the repetition is over, report usage */
    uint64_t len;  /* input bytes that follow */
};

/* One worker process, as the driver sees it. */
struct wproc {
    pid_t pid;
    int go_fd;           /* driver writes one byte per repetition here;
                            closing it tells the worker to leave */
    int task_fd;         /* copy: driver writes messages here */
    int res_fd;          /* copy: driver reads records + outputs here */
    int busy;            /* copy: a task is in flight */
    size_t task;         /* copy: the task in flight */
    size_t sent;         /* copy: bytes of header + input written so far */
    size_t got;          /* copy: bytes of record + output read so far */
    struct msg hdr;      /* copy: header of the task in flight */
    struct task_record rec; /* copy: record being received */
    size_t lo, hi;       /* copy + static schedule: remaining block */
    int reaped;
    int status;          /* wait4 status */
    struct rusage ru;
};

struct pool {
    const struct workload *w;
    const struct task_data *d;
    const struct run_options *o;
    struct run_measure *m;
    struct ctl *ctl;
    struct task_record *recs; /* shared mode: MAP_SHARED copy of records */
    size_t recs_bytes;
    struct wproc *wp;
    unsigned n;
    int ready_pipe[2], done_pipe[2];
    size_t max_in, max_out;
    size_t ctl_bytes;
    int failed;          /* a run failed: close kills instead of asking */
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r, len -= (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t r = write(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r, len -= (size_t)r;
    }
    return 0;
}

/* ---- the worker side ---------------------------------------------------- */

static void worker_shared(struct pool *p, unsigned id, void *ctx)
{
    const size_t nt = p->d->ntasks;
    size_t i, lo = 0, hi = 0;
    if (p->o->schedule == SCHED_STATIC)
        runner_static_block(nt, p->n, id, &lo, &hi);
    for (;;) {
        if (p->o->schedule == SCHED_STATIC) {
            if (lo >= hi)
                break;
            i = lo++;
        } else if ((i = atomic_fetch_add(&p->ctl->next, 1)) >= nt) {
            break;
        }
        /* Build the record privately and publish it whole, so a worker
         * dying mid-task leaves the driver's "not run" marker in place. */
        struct task_record rec = {0};
        runner_exec_task(p->w, ctx, p->d, i, p->ctl->t0, (int32_t)id, &rec);
        p->recs[i] = rec;
    }
}

/* One repetition of copy mode: tasks until the END_OF_REP message.  in and
 * out are the worker's own buffers, allocated and touched at start-up. */
static int worker_copy(struct pool *p, unsigned id, void *ctx, int in_fd,
                       int out_fd, uint8_t *in, uint8_t *out)
{
    struct msg hdr;
    while (read_full(in_fd, &hdr, sizeof hdr) == 0) {
        if (hdr.task == END_OF_REP)
            return 0;
        size_t i = (size_t)hdr.task;
        if (i >= p->d->ntasks || hdr.len > p->max_in ||
            read_full(in_fd, in, hdr.len) != 0)
            return -1;
        struct task_record rec = {0};
        rec.worker = (int32_t)id;
        runner_progress(p->d, id, i);
        rec.start_s = pb_now() - p->ctl->t0;
        wl_exec(p->w, ctx, i, in, out, &rec.res);
        rec.end_s = pb_now() - p->ctl->t0;
        runner_progress(p->d, id, SIZE_MAX);
        if (write_full(out_fd, &rec, sizeof rec) != 0 ||
            write_full(out_fd, out, p->d->out_len[i]) != 0)
            return -1;
    }
    return -1; /* the driver went away mid-repetition */
}

static void worker_main(struct pool *p, unsigned id, int go_fd, int in_fd,
                        int out_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (p->d->progress && id < p->d->progress->nworkers)
        atomic_store(&p->d->progress->w[id].pid, (int32_t)getpid());
    const int copy = p->o->transfer == TRANSFER_COPY;
    uint8_t *in = NULL, *out = NULL;
    /* Everything this worker will touch in the timed region, touched now. */
    runner_prefault(p->ctl, p->ctl_bytes, 1);
    if (copy) {
        in = malloc(p->max_in ? p->max_in : 1);
        out = malloc(p->max_out ? p->max_out : 1);
        if (in && out) {
            runner_prefault(in, p->max_in, 1);
            runner_prefault(out, p->max_out, 1);
        }
    } else {
        runner_attach_arenas(p->d);
        runner_prefault(p->recs, p->recs_bytes, 1);
    }
    void *ctx = NULL;
    int ok = (!copy || (in && out)) && runner_bind_worker(p->o, id) == 0 &&
             (!p->w->ops->worker_init || p->w->ops->worker_init(p->w, &ctx) == 0);
    char c = ok ? 'r' : 'f';
    if (write_full(p->ready_pipe[1], &c, 1) != 0 || !ok)
        _exit(3);
    while (read_full(go_fd, &c, 1) == 0) {
        runner_reset_peak();
        double u0, s0, u1, s1;
        runner_self_cpu(&u0, &s0);
        int rc = 0;
        if (copy)
            rc = worker_copy(p, id, ctx, in_fd, out_fd, in, out);
        else
            worker_shared(p, id, ctx);
        runner_self_cpu(&u1, &s1);
        p->ctl->mem[id].user_s = u1 - u0;
        p->ctl->mem[id].sys_s = s1 - s0;
        runner_self_memory(&p->ctl->mem[id].hwm, &p->ctl->mem[id].shmem);
        c = 'd';
        if (rc != 0 || write_full(p->done_pipe[1], &c, 1) != 0)
            _exit(5);
    }
    if (p->w->ops->worker_fini && ctx)
        p->w->ops->worker_fini(p->w, ctx);
    free(in), free(out);
    _exit(0);
}

/* ---- the driver side ---------------------------------------------------- */

/* Reap worker k if it has exited; returns 1 if it is gone. */
static int reap(struct wproc *wp, int block)
{
    if (wp->reaped || wp->pid <= 0)
        return 1;
    pid_t r;
    do
        r = wait4(wp->pid, &wp->status, block ? 0 : WNOHANG, &wp->ru);
    while (r < 0 && errno == EINTR);
    if (r == wp->pid || (r < 0 && errno == ECHILD)) {
        wp->reaped = 1;
        return 1;
    }
    return 0;
}

static int died_badly(const struct wproc *wp)
{
    return wp->reaped &&
           !(WIFEXITED(wp->status) && WEXITSTATUS(wp->status) == 0);
}

static void describe_death(struct pool *p, unsigned k)
{
    struct wproc *wp = &p->wp[k];
    if (WIFSIGNALED(wp->status))
        snprintf(p->m->error, sizeof p->m->error,
                 "worker %u (pid %d) was killed by signal %d (%s)", k,
                 (int)wp->pid, WTERMSIG(wp->status),
                 strsignal(WTERMSIG(wp->status)));
    else
        snprintf(p->m->error, sizeof p->m->error,
                 "worker %u (pid %d) exited with status %d", k, (int)wp->pid,
                 WIFEXITED(wp->status) ? WEXITSTATUS(wp->status) : -1);
}

/* First worker that has died, or -1. */
static int find_dead(struct pool *p)
{
    for (unsigned k = 0; k < p->n; k++)
        if (reap(&p->wp[k], 0) && died_badly(&p->wp[k]))
            return (int)k;
    return -1;
}

/* Read `want` one-byte tokens from fd, watching for dead workers. */
static int await_tokens(struct pool *p, int fd, unsigned want)
{
    unsigned got = 0;
    while (got < want) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, 50);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0) {
            char buf[64];
            size_t cap = want - got < sizeof buf ? want - got : sizeof buf;
            ssize_t n = read(fd, buf, cap);
            if (n > 0) {
                for (ssize_t k = 0; k < n; k++)
                    if (buf[k] == 'f') {
                        snprintf(p->m->error, sizeof p->m->error,
                                 "worker initialisation failed");
                        return -1;
                    }
                got += (unsigned)n;
                continue;
            }
        }
        int dead = find_dead(p);
        if (dead >= 0) {
            describe_death(p, (unsigned)dead);
            return -1;
        }
    }
    return 0;
}

static int next_task(struct pool *p, struct wproc *wp, size_t *i)
{
    if (p->o->schedule == SCHED_STATIC) {
        if (wp->lo >= wp->hi)
            return 0;
        *i = wp->lo++;
        return 1;
    }
    size_t n = atomic_load(&p->ctl->next);
    if (n >= p->d->ntasks)
        return 0;
    atomic_store(&p->ctl->next, n + 1);
    *i = n;
    return 1;
}

/* Push as much of worker k's message as the pipe takes. */
static int pump_send(struct pool *p, struct wproc *wp)
{
    const size_t hl = sizeof wp->hdr, il = (size_t)wp->hdr.len;
    while (wp->sent < hl + il) {
        struct iovec iov[2];
        int cnt = 0;
        if (wp->sent < hl)
            iov[cnt++] = (struct iovec){(char *)&wp->hdr + wp->sent,
                                        hl - wp->sent};
        size_t off = wp->sent > hl ? wp->sent - hl : 0;
        if (il > off)
            iov[cnt++] = (struct iovec){p->d->in + p->d->in_off[wp->task] + off,
                                        il - off};
        ssize_t r = writev(wp->task_fd, iov, cnt);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return 0;
        if (r < 0)
            return -1;
        wp->sent += (size_t)r;
    }
    return 0;
}

/* Pull what has arrived of worker k's record and output; 1 when complete. */
static int pump_recv(struct pool *p, struct wproc *wp)
{
    const size_t rl = sizeof wp->rec, ol = p->d->out_len[wp->task];
    while (wp->got < rl + ol) {
        ssize_t r;
        if (wp->got < rl)
            r = read(wp->res_fd, (char *)&wp->rec + wp->got, rl - wp->got);
        else
            r = read(wp->res_fd, p->d->out + p->d->out_off[wp->task] +
                                     (wp->got - rl), rl + ol - wp->got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return 0;
        if (r <= 0)
            return -1; /* EOF: the worker is gone */
        wp->got += (size_t)r;
    }
    return 1;
}

static int drive_copy(struct pool *p)
{
    size_t done = 0, nt = p->d->ntasks;
    /* Slot 2k: worker k's result pipe; slot 2k+1: its task pipe. */
    struct pollfd *pf = calloc(2 * (size_t)p->n, sizeof *pf);
    if (!pf)
        return -1;
    int rc = 0;
    while (done < nt && rc == 0) {
        for (unsigned k = 0; k < p->n && rc == 0; k++) {
            struct wproc *wp = &p->wp[k];
            if (!wp->busy && next_task(p, wp, &wp->task)) {
                wp->busy = 1, wp->sent = 0, wp->got = 0;
                wp->hdr = (struct msg){wp->task, p->d->in_len[wp->task]};
                p->m->bytes_moved += wp->hdr.len + p->d->out_len[wp->task];
            }
            int sending = wp->busy && wp->sent < sizeof wp->hdr + wp->hdr.len;
            if (sending && pump_send(p, wp) < 0) {
                reap(wp, 1);
                describe_death(p, k);
                rc = -1;
            }
            sending = wp->busy && wp->sent < sizeof wp->hdr + wp->hdr.len;
            pf[2 * k] = (struct pollfd){.fd = wp->busy ? wp->res_fd : -1,
                                        .events = POLLIN};
            pf[2 * k + 1] = (struct pollfd){.fd = sending ? wp->task_fd : -1,
                                            .events = POLLOUT};
        }
        if (rc != 0)
            break;
        int r = poll(pf, 2 * (nfds_t)p->n, 50);
        if (r < 0 && errno != EINTR)
            rc = -1;
        for (unsigned k = 0; k < p->n && rc == 0 && r > 0; k++) {
            struct wproc *wp = &p->wp[k];
            if (!wp->busy ||
                !(pf[2 * k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int got = pump_recv(p, wp);
            if (got < 0) {
                reap(wp, 1);
                describe_death(p, k);
                rc = -1;
            } else if (got == 1) {
                p->m->tasks[wp->task] = wp->rec;
                wp->busy = 0;
                done++;
            }
        }
        if (rc == 0 && r == 0) {
            int dead = find_dead(p);
            if (dead >= 0)
                describe_death(p, (unsigned)dead), rc = -1;
        }
    }
    free(pf);
    return rc;
}

static int make_pipe(int fds[2], int nonblock_driver_end, int driver_end)
{
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    /* Bigger pipes mean fewer wake-ups per megabyte moved. */
    fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
    if (nonblock_driver_end)
        fcntl(fds[driver_end], F_SETFL, O_NONBLOCK);
    return 0;
}

/* Stop every worker: closing its "go" pipe (and task pipe) tells it to
 * leave; after a failure it is killed instead.  Reaps them all. */
static void teardown(struct pool *p, int kill_all)
{
    for (unsigned k = 0; k < p->n; k++) {
        close_fd(&p->wp[k].go_fd);
        close_fd(&p->wp[k].task_fd);
        if (kill_all && p->wp[k].pid > 0 && !p->wp[k].reaped)
            kill(p->wp[k].pid, SIGKILL);
    }
    for (unsigned k = 0; k < p->n; k++) {
        reap(&p->wp[k], 1);
        close_fd(&p->wp[k].res_fd);
    }
    for (int s = 0; s < 2; s++) {
        close_fd(&p->ready_pipe[s]);
        close_fd(&p->done_pipe[s]);
    }
}

static int spawn(struct pool *p)
{
    for (unsigned k = 0; k < p->n; k++) {
        struct wproc *wp = &p->wp[k];
        int gp[2] = {-1, -1}, tp[2] = {-1, -1}, rp[2] = {-1, -1};
        if (pipe2(gp, O_CLOEXEC) != 0 ||
            (p->o->transfer == TRANSFER_COPY &&
             (make_pipe(tp, 1, 1) != 0 || make_pipe(rp, 1, 0) != 0))) {
            snprintf(p->m->error, sizeof p->m->error, "pipe: %s",
                     strerror(errno));
            for (int e = 0; e < 2; e++)
                close_fd(&gp[e]), close_fd(&tp[e]), close_fd(&rp[e]);
            return -1;
        }
        wp->pid = fork();
        if (wp->pid < 0) {
            snprintf(p->m->error, sizeof p->m->error,
                     "fork of worker %u failed: %s", k, strerror(errno));
            for (int e = 0; e < 2; e++)
                close_fd(&gp[e]), close_fd(&tp[e]), close_fd(&rp[e]);
            return -1;
        }
        if (wp->pid == 0) {
            /* Drop the driver's ends, ours and earlier workers', so that
             * EOF on a pipe means what it should. */
            for (unsigned j = 0; j < k; j++) {
                close_fd(&p->wp[j].go_fd);
                close_fd(&p->wp[j].task_fd);
                close_fd(&p->wp[j].res_fd);
            }
            close(gp[1]);
            if (tp[1] >= 0)
                close(tp[1]), close(rp[0]);
            close(p->ready_pipe[0]);
            close(p->done_pipe[0]);
            worker_main(p, k, gp[0], tp[0], rp[1]);
        }
        close(gp[0]);
        if (tp[0] >= 0)
            close(tp[0]), close(rp[1]);
        wp->go_fd = gp[1];
        wp->task_fd = tp[1];
        wp->res_fd = rp[0];
    }
    return 0;
}

static void free_pool(struct pool *p)
{
    if (p->ctl && p->ctl != MAP_FAILED)
        munmap(p->ctl, p->ctl_bytes);
    if (p->recs && p->recs != MAP_FAILED)
        munmap(p->recs, p->recs_bytes);
    free(p->wp);
    free(p);
}

static int close_pool(void *pool, struct run_measure *m)
{
    struct pool *p = pool;
    p->m = m;
    double t = pb_now();
    teardown(p, p->failed);
    m->stop_s = pb_now() - t;
    int rc = 0;
    for (unsigned k = 0; k < p->n && !p->failed; k++)
        if (died_badly(&p->wp[k])) {
            describe_death(p, k);
            rc = -1;
            break;
        }
    free_pool(p);
    return rc;
}

static int open_pool(const struct workload *w, const struct task_data *d,
                     const struct run_options *o, void **pool,
                     struct run_measure *m)
{
    struct pool *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(m->error, sizeof m->error, "out of memory for the pool");
        return -1;
    }
    *p = (struct pool){.w = w, .d = d, .o = o, .m = m, .n = o->workers};
    p->ready_pipe[0] = p->ready_pipe[1] = -1;
    p->done_pipe[0] = p->done_pipe[1] = -1;
    p->ctl_bytes = sizeof *p->ctl + p->n * sizeof p->ctl->mem[0];
    p->ctl = mmap(NULL, p->ctl_bytes, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    p->recs_bytes = (d->ntasks ? d->ntasks : 1) * sizeof *p->recs;
    p->recs = mmap(NULL, p->recs_bytes, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    p->wp = calloc(p->n, sizeof *p->wp);
    if (p->ctl == MAP_FAILED || p->recs == MAP_FAILED || !p->wp) {
        snprintf(m->error, sizeof m->error, "out of memory for the pool");
        free_pool(p);
        return -1;
    }
    for (unsigned k = 0; k < p->n; k++)
        p->wp[k].go_fd = p->wp[k].task_fd = p->wp[k].res_fd = -1;
    atomic_init(&p->ctl->next, 0);
    for (size_t i = 0; i < d->ntasks; i++) {
        if (d->in_len[i] > p->max_in)
            p->max_in = d->in_len[i];
        if (d->out_len[i] > p->max_out)
            p->max_out = d->out_len[i];
    }
    if (pipe2(p->ready_pipe, O_CLOEXEC) || pipe2(p->done_pipe, O_CLOEXEC)) {
        snprintf(m->error, sizeof m->error, "pipe: %s", strerror(errno));
        close_fd(&p->ready_pipe[0]), close_fd(&p->ready_pipe[1]);
        free_pool(p);
        return -1;
    }
    double s0 = pb_now();
    int rc = spawn(p);
    close_fd(&p->ready_pipe[1]);
    close_fd(&p->done_pipe[1]);
    if (rc == 0)
        rc = await_tokens(p, p->ready_pipe[0], p->n);
    m->spawn_s = pb_now() - s0;
    if (rc != 0) {
        char msg[sizeof m->error];
        memcpy(msg, m->error, sizeof msg);
        p->failed = 1;
        close_pool(p, m);
        memcpy(m->error, msg, sizeof msg);
        return -1;
    }
    *pool = p;
    return 0;
}

/* Copy mode: tell every worker the repetition is over (it then reports its
 * usage and its "done" byte).  The task pipes are empty by now. */
static int end_copy_rep(struct pool *p)
{
    struct msg end = {END_OF_REP, 0};
    for (unsigned k = 0; k < p->n; k++) {
        struct pollfd pf = {.fd = p->wp[k].task_fd, .events = POLLOUT};
        for (;;) {
            ssize_t r = write(p->wp[k].task_fd, &end, sizeof end);
            if (r == (ssize_t)sizeof end)
                break;
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
                poll(&pf, 1, 50);
                continue;
            }
            reap(&p->wp[k], 1);
            describe_death(p, k);
            return -1;
        }
    }
    return 0;
}

static int run(void *pool, struct run_measure *m)
{
    struct pool *p = pool;
    const struct task_data *d = p->d;
    p->m = m;
    atomic_store(&p->ctl->next, 0);
    for (unsigned k = 0; k < p->n; k++) {
        struct wproc *wp = &p->wp[k];
        p->ctl->mem[k].user_s = -1;
        wp->busy = 0;
        if (p->o->schedule == SCHED_STATIC)
            runner_static_block(d->ntasks, p->n, k, &wp->lo, &wp->hi);
        if (m->pids)
            m->pids[k] = (int32_t)wp->pid;
    }
    for (size_t i = 0; i < d->ntasks; i++) {
        memset(&p->recs[i], 0, sizeof p->recs[i]);
        p->recs[i].res.status = -1;
        snprintf(p->recs[i].res.error, sizeof p->recs[i].res.error,
                 "not run: its worker died");
    }
    memcpy(m->tasks, p->recs, d->ntasks * sizeof *p->recs);

    int rc = -1;
    p->ctl->t0 = pb_now();
    for (unsigned k = 0; k < p->n; k++)
        if (write_full(p->wp[k].go_fd, "g", 1) != 0) {
            reap(&p->wp[k], 1);
            describe_death(p, k);
            goto out;
        }
    if (p->o->transfer == TRANSFER_COPY) {
        if (drive_copy(p) != 0)
            goto out;
        m->wall_s = pb_now() - p->ctl->t0;
        if (end_copy_rep(p) != 0 || await_tokens(p, p->done_pipe[0], p->n))
            goto out;
    } else {
        if (await_tokens(p, p->done_pipe[0], p->n) != 0)
            goto out;
        m->wall_s = pb_now() - p->ctl->t0;
        memcpy(m->tasks, p->recs, d->ntasks * sizeof *p->recs);
    }
    rc = 0;
out:
    if (rc != 0) {
        p->failed = 1;
        if (p->o->transfer != TRANSFER_COPY)
            memcpy(m->tasks, p->recs, d->ntasks * sizeof *p->recs);
    }
    m->workers_are_processes = 1;
    m->workers_share_arenas = p->o->transfer != TRANSFER_COPY;
    for (unsigned k = 0; k < p->n; k++) {
        /* CPU and memory of this repetition, as the worker measured them;
         * a worker that died mid-run has only wait4's lifetime figures. */
        struct wproc *wp = &p->wp[k];
        uint64_t hwm = p->ctl->mem[k].hwm, shm = p->ctl->mem[k].shmem;
        if (p->ctl->mem[k].user_s >= 0) {
            m->workers_user_s += p->ctl->mem[k].user_s;
            m->workers_sys_s += p->ctl->mem[k].sys_s;
        } else if (wp->reaped) {
            m->workers_user_s += (double)wp->ru.ru_utime.tv_sec +
                                 (double)wp->ru.ru_utime.tv_usec * 1e-6;
            m->workers_sys_s += (double)wp->ru.ru_stime.tv_sec +
                                (double)wp->ru.ru_stime.tv_usec * 1e-6;
            hwm = (uint64_t)wp->ru.ru_maxrss * 1024u, shm = 0;
        }
        /* For the total, the worker's own memory: its peak less the shared
         * arenas (counted once, in the driver). */
        m->rss_workers_sum += hwm > shm ? hwm - shm : 0;
        if (hwm > m->rss_worker_max)
            m->rss_worker_max = hwm;
    }
    return rc;
}

const struct runner runner_fork = {
    .name = "fork",
    .help = "a pool of --workers pre-forked processes (--transfer shared|copy)",
    .kinds = WL_CPU | WL_IO,
    .transfers = 1u << TRANSFER_SHARED | 1u << TRANSFER_COPY,
    .default_transfer = TRANSFER_SHARED,
    .open = open_pool,
    .run = run,
    .close = close_pool,
    .persistent = 1,
};
