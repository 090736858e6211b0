/* runners/fork_copy.c: the fork runner's --transfer copy mode.  The
 * driver writes each task's input bytes down a pipe to the worker it
 * assigns it to and reads the record and output back through another, in
 * one poll() loop over every worker's pipes (non-blocking, so a big input
 * never stalls the others), as Python's multiprocessing does with pickled
 * arguments and results; bytes_moved counts both directions.  The worker
 * side reads a task, runs it into its own buffers (allocated and touched
 * at start-up) and writes the result back, until END_OF_REP. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "runners/fork_pool.h"
#include "runners/sysio.h"

/* One repetition of copy mode: tasks until the END_OF_REP message.  in and
 * out are the worker's own buffers, allocated and touched at start-up. */
int fork_worker_copy(struct pool *p, unsigned id, void *ctx, int in_fd,
                       int out_fd, uint8_t *in, uint8_t *out)
{
    struct msg hdr;
    while (pb_read_full(in_fd, &hdr, sizeof hdr) == 0) {
        if (hdr.task == END_OF_REP)
            return 0;
        size_t i = (size_t)hdr.task;
        if (i >= p->d->ntasks || hdr.len > p->max_in ||
            pb_read_full(in_fd, in, hdr.len) != 0)
            return -1;
        struct task_record rec = {0};
        rec.worker = (int32_t)id;
        runner_progress(p->d, id, i);
        rec.start_s = pb_now() - p->ctl->t0;
        wl_exec(p->w, ctx, i, in, out, &rec.res);
        rec.end_s = pb_now() - p->ctl->t0;
        runner_progress(p->d, id, SIZE_MAX);
        if (pb_write_all(out_fd, &rec, sizeof rec) != 0 ||
            pb_write_all(out_fd, out, p->d->out_len[i]) != 0)
            return -1;
    }
    return -1; /* the driver went away mid-repetition */
}

/* With dependencies the driver dispatches: a ready task to a free worker.
 * A task whose input failed is recorded as not run here and completed at
 * once, without a worker.  A free worker with nothing ready waits (its
 * wait for inputs is counted from then). */
static int next_ready(struct pool *p, struct wproc *wp, size_t *i)
{
    int r;
    while ((r = pb_sched_take(p->dsched, i)) == 1) {
        size_t failed = pb_sched_failed_input(p->dsched, *i);
        if (!failed)
            break;
        struct task_record *rec = &p->m->tasks[*i];
        runner_exec_ready(p->w, NULL, p->d, *i, p->ctl->t0,
                          (int32_t)(wp - p->wp), rec,
                          pb_sched_ready_s(p->dsched, *i), failed);
        pb_sched_done(p->dsched, *i, 1, rec->end_s);
        p->copy_done++;
    }
    double now = pb_now();
    if (r != 0 && wp->idle_since > 0) {
        p->m->input_wait_s += now - wp->idle_since;
        wp->idle_since = 0;
    } else if (r == 0 && wp->idle_since == 0) {
        wp->idle_since = now;
    }
    return r == 1;
}

static int next_task(struct pool *p, struct wproc *wp, size_t *i)
{
    if (p->dsched)
        return next_ready(p, wp, i);
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

int fork_drive_copy(struct pool *p)
{
    size_t done = 0, nt = p->d->ntasks;
    /* Slot 2k: worker k's result pipe; slot 2k+1: its task pipe. */
    struct pollfd *pf = calloc(2 * (size_t)p->n, sizeof *pf);
    if (!pf)
        return -1;
    int rc = 0;
    while (done + p->copy_done < nt && rc == 0) {
        for (unsigned k = 0; k < p->n && rc == 0; k++) {
            struct wproc *wp = &p->wp[k];
            if (!wp->busy && next_task(p, wp, &wp->task)) {
                wp->busy = 1, wp->sent = 0, wp->got = 0;
                wp->hdr = (struct msg){wp->task, p->d->in_len[wp->task]};
                p->m->bytes_moved += wp->hdr.len + p->d->out_len[wp->task];
            }
            int sending = wp->busy && wp->sent < sizeof wp->hdr + wp->hdr.len;
            if (sending && pump_send(p, wp) < 0) {
                fork_reap(wp, 1);
                fork_describe_death(p, k);
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
                fork_reap(wp, 1);
                fork_describe_death(p, k);
                rc = -1;
            } else if (got == 1) {
                p->m->tasks[wp->task] = wp->rec;
                wp->busy = 0;
                done++;
                if (p->dsched) {
                    struct task_record *rec = &p->m->tasks[wp->task];
                    rec->ready_s = pb_sched_ready_s(p->dsched, wp->task);
                    pb_sched_done(p->dsched, wp->task, rec->res.status != 0,
                                  rec->end_s);
                }
            }
        }
        if (rc == 0 && r == 0) {
            int dead = fork_find_dead(p);
            if (dead >= 0)
                fork_describe_death(p, (unsigned)dead), rc = -1;
        }
    }
    free(pf);
    return rc;
}

/* Copy mode: tell every worker the repetition is over (it then reports its
 * usage and its "done" byte).  The task pipes are empty by now. */
int fork_end_copy_rep(struct pool *p)
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
            fork_reap(&p->wp[k], 1);
            fork_describe_death(p, k);
            return -1;
        }
    }
    return 0;
}

