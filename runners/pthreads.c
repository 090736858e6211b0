/* runners/pthreads.c: a pool of --workers threads in the driver process.
 *
 * Tasks come from a shared queue: an atomic counter over task indices, so a
 * free thread takes the next task (dynamic scheduling), or, with --schedule
 * static, each thread takes its fixed block.  Threads are created and
 * initialised before the timed region, which starts when every thread is
 * ready and ends when every thread has finished its last task.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/runner.h"

struct pool {
    const struct workload *w;
    const struct task_data *d;
    const struct run_options *o;
    struct run_measure *m;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned ready;       /* threads initialised (under mu) */
    unsigned finished;    /* threads done with their last task (under mu) */
    int go;               /* 1: timed region started (under mu) */
    int abort;            /* 1: skip the work (start-up failed) (under mu) */
    atomic_size_t next;   /* the shared queue: next task index */
    atomic_int init_failed;
    double t0;            /* set before go, read after it (mu orders it) */
};

struct worker {
    struct pool *pool;
    unsigned id;
};

static void run_tasks(struct pool *p, void *ctx, unsigned id)
{
    if (p->o->schedule == SCHED_STATIC) {
        size_t lo, hi;
        runner_static_block(p->d->ntasks, p->o->workers, id, &lo, &hi);
        for (size_t i = lo; i < hi; i++)
            runner_exec_task(p->w, ctx, p->d, i, p->t0, (int32_t)id,
                             &p->m->tasks[i]);
        return;
    }
    size_t i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->d->ntasks)
        runner_exec_task(p->w, ctx, p->d, i, p->t0, (int32_t)id,
                         &p->m->tasks[i]);
}

static void *thread_main(void *arg)
{
    struct worker *me = arg;
    struct pool *p = me->pool;
    void *ctx = NULL;
    if (runner_bind_worker(p->o, me->id) != 0 ||
        (p->w->ops->worker_init && p->w->ops->worker_init(p->w, &ctx) != 0))
        atomic_store(&p->init_failed, 1);

    pthread_mutex_lock(&p->mu);
    p->ready++;
    pthread_cond_broadcast(&p->cv);
    while (!p->go)
        pthread_cond_wait(&p->cv, &p->mu);
    int skip = p->abort || atomic_load(&p->init_failed);
    pthread_mutex_unlock(&p->mu);

    if (!skip)
        run_tasks(p, ctx, me->id);

    pthread_mutex_lock(&p->mu);
    p->finished++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->w->ops->worker_fini && ctx)
        p->w->ops->worker_fini(p->w, ctx);
    return NULL;
}

static int run(const struct workload *w, const struct task_data *d,
               const struct run_options *o, struct run_measure *m)
{
    unsigned n = o->workers;
    struct pool p = {.w = w, .d = d, .o = o, .m = m};
    struct worker *ws = calloc(n, sizeof *ws);
    pthread_t *tids = calloc(n, sizeof *tids);
    if (!ws || !tids) {
        free(ws), free(tids);
        snprintf(m->error, sizeof m->error, "out of memory");
        return -1;
    }
    atomic_init(&p.next, 0);
    atomic_init(&p.init_failed, 0);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);

    double s0 = pb_now();
    unsigned started = 0;
    int err = 0;
    for (; started < n; started++) {
        ws[started] = (struct worker){.pool = &p, .id = started};
        err = pthread_create(&tids[started], NULL, thread_main, &ws[started]);
        if (err)
            break;
    }

    pthread_mutex_lock(&p.mu);
    while (p.ready < started)
        pthread_cond_wait(&p.cv, &p.mu);
    p.abort = err != 0;
    p.t0 = pb_now();
    p.go = 1;
    pthread_cond_broadcast(&p.cv);
    while (p.finished < started)
        pthread_cond_wait(&p.cv, &p.mu);
    double t1 = pb_now();
    pthread_mutex_unlock(&p.mu);

    m->spawn_s = p.t0 - s0;
    m->wall_s = t1 - p.t0;
    for (unsigned k = 0; k < started; k++)
        pthread_join(tids[k], NULL);

    int rc = 0;
    if (err) {
        snprintf(m->error, sizeof m->error,
                 "could not start thread %u of %u: %s", started + 1, n,
                 strerror(err));
        rc = -1;
    } else if (atomic_load(&p.init_failed)) {
        snprintf(m->error, sizeof m->error, "worker initialisation failed");
        rc = -1;
    }
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    free(ws), free(tids);
    return rc;
}

const struct runner runner_pthreads = {
    .name = "pthreads",
    .help = "a pool of --workers threads taking tasks from a shared queue",
    .kinds = WL_CPU | WL_IO,
    .transfers = 1u << TRANSFER_SHARED,
    .default_transfer = TRANSFER_SHARED,
    .run = run,
};
