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

#include "runners/fork_pool.h"
#include "runners/sysio.h"

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ---- the worker side ---------------------------------------------------- */

/* With dependencies: any ready task, taken from the shared scheduler. */
static void worker_ready(struct pool *p, unsigned id, void *ctx)
{
    size_t i, failed;
    double ready, waited, sum = 0;
    while (pb_sched_shared_take(p->ssched, &i, &ready, &failed,
                                &waited) == 0) {
        sum += waited;
        struct task_record rec = {0};
        runner_exec_ready(p->w, ctx, p->d, i, p->ctl->t0, (int32_t)id, &rec,
                          ready, failed);
        p->recs[i] = rec;
        pb_sched_shared_done(p->ssched, i, rec.res.status != 0, rec.end_s);
    }
    p->ctl->mem[id].waited_s = sum + waited;
}

static void worker_shared(struct pool *p, unsigned id, void *ctx)
{
    const size_t nt = p->d->ntasks;
    if (p->ssched) {
        worker_ready(p, id, ctx);
        return;
    }
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
    if (p->ssched)
        runner_prefault(p->ssched, p->ssched_bytes, 1);
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
    if (pb_write_all(p->ready_pipe[1], &c, 1) != 0 || !ok)
        _exit(3);
    while (pb_read_full(go_fd, &c, 1) == 0) {
        runner_reset_peak();
        double u0, s0, u1, s1;
        runner_self_cpu(&u0, &s0);
        int rc = 0;
        if (copy)
            rc = fork_worker_copy(p, id, ctx, in_fd, out_fd, in, out);
        else
            worker_shared(p, id, ctx);
        runner_self_cpu(&u1, &s1);
        p->ctl->mem[id].user_s = u1 - u0;
        p->ctl->mem[id].sys_s = s1 - s0;
        runner_self_memory(&p->ctl->mem[id].hwm, &p->ctl->mem[id].shmem);
        c = 'd';
        if (rc != 0 || pb_write_all(p->done_pipe[1], &c, 1) != 0)
            _exit(5);
    }
    if (p->w->ops->worker_fini && ctx)
        p->w->ops->worker_fini(p->w, ctx);
    free(in), free(out);
    _exit(0);
}

/* ---- the driver side ---------------------------------------------------- */

/* Reap worker k if it has exited; returns 1 if it is gone. */
int fork_reap(struct wproc *wp, int block)
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

void fork_describe_death(struct pool *p, unsigned k)
{
    struct wproc *wp = &p->wp[k];
    p->m->died_signal = WIFSIGNALED(wp->status) ? WTERMSIG(wp->status) : 0;
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
int fork_find_dead(struct pool *p)
{
    for (unsigned k = 0; k < p->n; k++)
        if (fork_reap(&p->wp[k], 0) && died_badly(&p->wp[k]))
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
        int dead = fork_find_dead(p);
        if (dead >= 0) {
            fork_describe_death(p, (unsigned)dead);
            return -1;
        }
    }
    return 0;
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
        fork_reap(&p->wp[k], 1);
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
    if (p->ssched) {
        pb_sched_shared_destroy(p->ssched);
        munmap(p->ssched, p->ssched_bytes);
    }
    free(p->dsched);
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
            fork_describe_death(p, k);
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
    if (d->graph && o->transfer == TRANSFER_COPY) {
        void *mem = malloc(pb_sched_bytes(d->graph));
        if (!mem) {
            snprintf(m->error, sizeof m->error, "out of memory for the pool");
            free_pool(p);
            return -1;
        }
        p->dsched = pb_sched_init(mem, d->graph);
    } else if (d->graph) {
        p->ssched_bytes = pb_sched_shared_bytes(d->graph);
        void *mem = mmap(NULL, p->ssched_bytes, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        int rc = mem == MAP_FAILED ? -errno
                                   : pb_sched_shared_init(mem, d->graph, 1);
        if (rc != 0) {
            if (mem != MAP_FAILED)
                munmap(mem, p->ssched_bytes);
            snprintf(m->error, sizeof m->error, "the shared scheduler: %s",
                     strerror(-rc));
            free_pool(p);
            return -1;
        }
        p->ssched = mem;
    }
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
        p->failed = 1;
        runner_close_keeping_error(close_pool, p, m);
        return -1;
    }
    *pool = p;
    return 0;
}

static int run(void *pool, struct run_measure *m)
{
    struct pool *p = pool;
    const struct task_data *d = p->d;
    p->m = m;
    atomic_store(&p->ctl->next, 0);
    /* Every worker waits for its "go": nobody holds the lock. */
    if (p->ssched)
        pb_sched_reset(p->ssched->s);
    if (p->dsched)
        pb_sched_reset(p->dsched);
    p->copy_done = 0;
    for (unsigned k = 0; k < p->n; k++) {
        struct wproc *wp = &p->wp[k];
        p->ctl->mem[k].user_s = -1;
        p->ctl->mem[k].waited_s = 0;
        wp->busy = 0;
        wp->idle_since = 0;
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
        if (pb_write_all(p->wp[k].go_fd, "g", 1) != 0) {
            fork_reap(&p->wp[k], 1);
            fork_describe_death(p, k);
            goto out;
        }
    if (p->o->transfer == TRANSFER_COPY) {
        if (fork_drive_copy(p) != 0)
            goto out;
        m->wall_s = pb_now() - p->ctl->t0;
        if (fork_end_copy_rep(p) != 0 || await_tokens(p, p->done_pipe[0], p->n))
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
        if (p->ssched)
            m->input_wait_s += p->ctl->mem[k].waited_s;
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
    .kinds = WL_CPU | WL_IO | WL_DISK | WL_DEPS,
    .transfers = 1u << TRANSFER_SHARED | 1u << TRANSFER_COPY,
    .default_transfer = TRANSFER_SHARED,
    .open = open_pool,
    .run = run,
    .close = close_pool,
    .persistent = 1,
};

