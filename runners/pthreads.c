/* runners/pthreads.c: a pool of --workers threads in the driver process.
 *
 * Tasks come from a shared queue: an atomic counter over task indices, so a
 * free thread takes the next task (dynamic scheduling), or, with --schedule
 * static, each thread takes its fixed block.  Threads are created and
 * initialised before the timed region (open), which starts when every
 * thread is ready and ends when every thread has finished its last task.
 * The threads then wait for the next repetition (a generation counter under
 * the pool's mutex) until the pool is closed, so one pool serves one
 * repetition or, with --pool persistent, all of them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/graph.h"
#include "runners/runner.h"

struct pool {
    const struct workload *w;
    const struct task_data *d;
    const struct run_options *o;
    struct run_measure *m;  /* the repetition running (under mu) */
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* workers wait for a generation, driver for
                               ready/finished counts */
    unsigned n;             /* threads started */
    unsigned ready;         /* threads initialised (under mu) */
    unsigned finished;      /* threads done with this generation (under mu) */
    unsigned gen;           /* repetitions started so far (under mu) */
    int quit;               /* 1: leave (under mu) */
    atomic_size_t next;     /* the shared queue: next task index */
    atomic_int init_failed;
    double t0;              /* set before gen++, read after it (mu orders) */
    struct pb_sched_shared *sched; /* with dependencies: the ready tasks */
    double *waited;         /* [n] each thread's wait for inputs */
    pthread_t *tids;
    struct worker *ws;
};

struct worker {
    struct pool *pool;
    unsigned id;
    int32_t tid;
};

static void run_tasks(struct pool *p, void *ctx, unsigned id)
{
    struct run_measure *m = p->m;
    if (p->sched) { /* any ready task, whoever's inputs ended */
        size_t i, failed;
        double ready, waited;
        p->waited[id] = 0;
        while (pb_sched_shared_take(p->sched, &i, &ready, &failed,
                                    &waited) == 0) {
            p->waited[id] += waited;
            struct task_record *rec = &m->tasks[i];
            runner_exec_ready(p->w, ctx, p->d, i, p->t0, (int32_t)id, rec,
                              ready, failed);
            pb_sched_shared_done(p->sched, i, rec->res.status != 0,
                                 rec->end_s);
        }
        p->waited[id] += waited;
        return;
    }
    if (p->o->schedule == SCHED_STATIC) {
        size_t lo, hi;
        runner_static_block(p->d->ntasks, p->o->workers, id, &lo, &hi);
        for (size_t i = lo; i < hi; i++)
            runner_exec_task(p->w, ctx, p->d, i, p->t0, (int32_t)id,
                             &m->tasks[i]);
        return;
    }
    size_t i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->d->ntasks)
        runner_exec_task(p->w, ctx, p->d, i, p->t0, (int32_t)id,
                         &m->tasks[i]);
}

static void *thread_main(void *arg)
{
    struct worker *me = arg;
    struct pool *p = me->pool;
    void *ctx = NULL;
    me->tid = runner_tid();
    if (runner_bind_worker(p->o, me->id) != 0 ||
        (p->w->ops->worker_init && p->w->ops->worker_init(p->w, &ctx) != 0))
        atomic_store(&p->init_failed, 1);

    pthread_mutex_lock(&p->mu);
    p->ready++;
    pthread_cond_broadcast(&p->cv);
    for (unsigned seen = 0;;) {
        while (!p->quit && p->gen == seen)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->quit)
            break;
        seen = p->gen;
        pthread_mutex_unlock(&p->mu);
        run_tasks(p, ctx, me->id);
        pthread_mutex_lock(&p->mu);
        p->finished++;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->w->ops->worker_fini && ctx)
        p->w->ops->worker_fini(p->w, ctx);
    return NULL;
}

static int close_pool(void *pool, struct run_measure *m)
{
    struct pool *p = pool;
    double t = pb_now();
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned k = 0; k < p->n; k++)
        pthread_join(p->tids[k], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    if (p->sched)
        pb_sched_shared_destroy(p->sched);
    free(p->sched), free(p->waited);
    free(p->ws), free(p->tids), free(p);
    m->stop_s = pb_now() - t;
    return 0;
}

static int open_pool(const struct workload *w, const struct task_data *d,
                     const struct run_options *o, void **pool,
                     struct run_measure *m)
{
    unsigned n = o->workers;
    struct pool *p = calloc(1, sizeof *p);
    if (p) {
        p->ws = calloc(n, sizeof *p->ws);
        p->tids = calloc(n, sizeof *p->tids);
        p->waited = calloc(n, sizeof *p->waited);
        if (d->graph) {
            p->sched = malloc(pb_sched_shared_bytes(d->graph));
            if (p->sched && pb_sched_shared_init(p->sched, d->graph, 0) != 0)
                free(p->sched), p->sched = NULL;
        }
    }
    if (!p || !p->ws || !p->tids || !p->waited || (d->graph && !p->sched)) {
        if (p) {
            if (p->sched)
                pb_sched_shared_destroy(p->sched);
            free(p->sched), free(p->waited);
            free(p->ws), free(p->tids), free(p);
        }
        snprintf(m->error, sizeof m->error, "out of memory");
        return -1;
    }
    p->w = w, p->d = d, p->o = o;
    atomic_init(&p->next, 0);
    atomic_init(&p->init_failed, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);

    double s0 = pb_now();
    int err = 0;
    for (; p->n < n; p->n++) {
        p->ws[p->n] = (struct worker){.pool = p, .id = p->n};
        err = pthread_create(&p->tids[p->n], NULL, thread_main, &p->ws[p->n]);
        if (err)
            break;
    }
    pthread_mutex_lock(&p->mu);
    while (p->ready < p->n)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    m->spawn_s = pb_now() - s0;

    if (err || atomic_load(&p->init_failed)) {
        if (err)
            snprintf(m->error, sizeof m->error, "could not start thread %u "
                     "of %u: %s", p->n + 1, n, strerror(err));
        else
            snprintf(m->error, sizeof m->error, "worker initialisation failed");
        runner_close_keeping_error(close_pool, p, m);
        return -1;
    }
    *pool = p;
    return 0;
}

static int run(void *pool, struct run_measure *m)
{
    struct pool *p = pool;
    pthread_mutex_lock(&p->mu);
    p->m = m;
    p->finished = 0;
    atomic_store(&p->next, 0);
    if (p->sched)
        pb_sched_reset(p->sched->s); /* every thread waits for gen */
    double cu, cs;
    runner_region_begin(&cu, &cs);
    p->t0 = pb_now();
    p->gen++;
    pthread_cond_broadcast(&p->cv);
    while (p->finished < p->n)
        pthread_cond_wait(&p->cv, &p->mu);
    m->wall_s = pb_now() - p->t0;
    runner_region_end(m, cu, cs);
    pthread_mutex_unlock(&p->mu);
    for (unsigned k = 0; p->sched && k < p->n; k++)
        m->input_wait_s += p->waited[k];
    for (unsigned k = 0; m->pids && k < p->n; k++)
        m->pids[k] = p->ws[k].tid;
    return 0;
}

const struct runner runner_pthreads = {
    .name = "pthreads",
    .help = "a pool of --workers threads taking tasks from a shared queue",
    .kinds = WL_CPU | WL_IO | WL_DISK | WL_DEPS,
    .transfers = 1u << TRANSFER_SHARED,
    .default_transfer = TRANSFER_SHARED,
    .open = open_pool,
    .run = run,
    .close = close_pool,
    .persistent = 1,
};
