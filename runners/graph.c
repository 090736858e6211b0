/* runners/graph.c: the dependency graph and its scheduler (graph.h). */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/graph.h"

void pb_graph_free(struct pb_graph *g)
{
    if (!g)
        return;
    free(g->indeg), free(g->succ_off), free(g->succ), free(g->topo);
    free(g);
}

/* Barrier node of stage s (1 <= s < nstages): it follows every task of
 * stage s - 1 and the barrier of stage s - 1; every task of stage s
 * follows it. */
static size_t barrier_node(const struct pb_graph *g, unsigned s)
{
    return g->ntasks + (size_t)s - 1;
}

/* Each edge (u -> v) once: pass 0 counts, pass 1 fills. */
static int edges(const struct workload *w, struct pb_graph *g,
                 const unsigned *stage, int pass, size_t *fill, char *err,
                 size_t errlen)
{
    size_t dep[WL_DEPS_MAX];
    const size_t n = g->ntasks;
#define EDGE(u, v)                                        \
    do {                                                  \
        if (pass == 0)                                    \
            g->succ_off[(u) + 1]++, g->indeg[(v)]++;      \
        else                                              \
            g->succ[fill[(u)]++] = (v);                   \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        unsigned k = w->ops->deps ? w->ops->deps(w, i, dep, WL_DEPS_MAX) : 0;
        if (k > WL_DEPS_MAX)
            k = WL_DEPS_MAX;
        for (unsigned j = 0; j < k; j++) {
            if (dep[j] >= n || dep[j] == i) {
                snprintf(err, errlen, "task %zu depends on %s %zu", i,
                         dep[j] == i ? "itself," : "a task out of range,",
                         dep[j]);
                return -EINVAL;
            }
            EDGE(dep[j], i);
        }
        if (stage && stage[i] > 0)
            EDGE(barrier_node(g, stage[i]), i);
        if (stage && stage[i] + 1 < g->nstages)
            EDGE(i, barrier_node(g, stage[i] + 1));
    }
    for (unsigned s = 2; s < g->nstages; s++)
        EDGE(barrier_node(g, s - 1), barrier_node(g, s));
#undef EDGE
    return 0;
}

/* Kahn's algorithm into g->topo; -EINVAL when a cycle is left. */
static int order(struct pb_graph *g, char *err, size_t errlen)
{
    uint32_t *left = malloc(g->nnodes * sizeof *left);
    if (!left) {
        snprintf(err, errlen, "out of memory for the task graph");
        return -ENOMEM;
    }
    memcpy(left, g->indeg, g->nnodes * sizeof *left);
    size_t head = 0, tail = 0;
    for (size_t v = 0; v < g->nnodes; v++)
        if (!left[v])
            g->topo[tail++] = v;
    while (head < tail) {
        size_t v = g->topo[head++];
        for (size_t e = g->succ_off[v]; e < g->succ_off[v + 1]; e++)
            if (--left[g->succ[e]] == 0)
                g->topo[tail++] = g->succ[e];
    }
    free(left);
    if (tail < g->nnodes) {
        snprintf(err, errlen, "the task dependencies form a cycle (%zu of "
                 "%zu tasks can never start)", g->nnodes - tail, g->nnodes);
        return -EINVAL;
    }
    return 0;
}

int pb_graph_build(const struct workload *w, size_t ntasks,
                   struct pb_graph **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!w->ops->deps && !w->ops->stage)
        return 0;
    int rc = -ENOMEM;
    struct pb_graph *g = calloc(1, sizeof *g);
    unsigned *stage = NULL;
    size_t *fill = NULL;
    if (!g)
        goto fail;
    g->ntasks = ntasks;
    if (w->ops->stage) {
        stage = malloc((ntasks ? ntasks : 1) * sizeof *stage);
        if (!stage)
            goto fail;
        for (size_t i = 0; i < ntasks; i++) {
            stage[i] = w->ops->stage(w, i);
            if (stage[i] >= ntasks + 1) {
                rc = -EINVAL;
                snprintf(err, errlen, "task %zu: stage %u out of range", i,
                         stage[i]);
                goto out;
            }
            if (stage[i] + 1 > g->nstages)
                g->nstages = stage[i] + 1;
        }
    }
    g->nnodes = ntasks + (g->nstages > 1 ? g->nstages - 1 : 0);
    g->indeg = calloc(g->nnodes + 1, sizeof *g->indeg);
    g->succ_off = calloc(g->nnodes + 1, sizeof *g->succ_off);
    g->topo = calloc(g->nnodes + 1, sizeof *g->topo);
    fill = calloc(g->nnodes + 1, sizeof *fill);
    if (!g->indeg || !g->succ_off || !g->topo || !fill)
        goto fail;
    if ((rc = edges(w, g, stage, 0, NULL, err, errlen)) != 0)
        goto out;
    for (size_t v = 0; v < g->nnodes; v++)
        g->succ_off[v + 1] += g->succ_off[v];
    g->nedges = g->succ_off[g->nnodes];
    g->succ = calloc(g->nedges + 1, sizeof *g->succ);
    if (!g->succ)
        goto fail;
    memcpy(fill, g->succ_off, g->nnodes * sizeof *fill);
    if ((rc = edges(w, g, stage, 1, fill, err, errlen)) != 0 ||
        (rc = order(g, err, errlen)) != 0)
        goto out;
    free(stage), free(fill);
    *out = g;
    return 0;
fail:
    rc = -ENOMEM;
    snprintf(err, errlen, "out of memory for the task graph (%zu tasks)",
             ntasks);
out:
    free(stage), free(fill);
    pb_graph_free(g);
    return rc;
}

double pb_graph_critical_path(const struct pb_graph *g, const double *run_s)
{
    double *fin = calloc(g->nnodes ? g->nnodes : 1, sizeof *fin);
    if (!fin)
        return -1;
    double best = 0;
    /* fin[v]: the longest chain ending with v, v included; in topological
     * order every predecessor is final before its successors read it. */
    for (size_t k = 0; k < g->nnodes; k++) {
        size_t v = g->topo[k];
        double w = v < g->ntasks && run_s[v] > 0 ? run_s[v] : 0;
        fin[v] += w;
        if (fin[v] > best)
            best = fin[v];
        for (size_t e = g->succ_off[v]; e < g->succ_off[v + 1]; e++)
            if (fin[v] > fin[g->succ[e]])
                fin[g->succ[e]] = fin[v];
    }
    free(fin);
    return best;
}

/* ---- the scheduler --------------------------------------------------- */

/* The state, then its arrays at fixed offsets from it. */
struct pb_sched {
    const struct pb_graph *g;
    size_t head, tail;   /* the ready queue: q[head .. tail) */
    size_t handed, done; /* tasks handed out, tasks done */
    size_t off_pending, off_ready, off_failed, off_q;
};

#define AT(s, off, type) ((type *)((char *)(s) + (s)->off))

static size_t round_up(size_t n)
{
    const size_t a = alignof(max_align_t);
    return (n + a - 1) / a * a;
}

size_t pb_sched_bytes(const struct pb_graph *g)
{
    size_t n = g->nnodes + 1;
    return round_up(sizeof(struct pb_sched)) + round_up(n * sizeof(uint32_t)) +
           round_up(n * sizeof(double)) + round_up(n * sizeof(size_t)) +
           round_up(n * sizeof(size_t));
}

struct pb_sched *pb_sched_init(void *mem, const struct pb_graph *g)
{
    struct pb_sched *s = mem;
    size_t n = g->nnodes + 1;
    memset(s, 0, sizeof *s);
    s->g = g;
    s->off_pending = round_up(sizeof *s);
    s->off_ready = s->off_pending + round_up(n * sizeof(uint32_t));
    s->off_failed = s->off_ready + round_up(n * sizeof(double));
    s->off_q = s->off_failed + round_up(n * sizeof(size_t));
    pb_sched_reset(s);
    return s;
}

/* Node v has all its inputs (the last ended at t): a task joins the queue, a
 * barrier passes at once to its own successors. */
static size_t release(struct pb_sched *s, size_t v, double t)
{
    const struct pb_graph *g = s->g;
    uint32_t *pending = AT(s, off_pending, uint32_t);
    double *ready = AT(s, off_ready, double);
    size_t *failed = AT(s, off_failed, size_t), *q = AT(s, off_q, size_t);
    if (t > ready[v])
        ready[v] = t;
    if (v < g->ntasks) {
        q[s->tail++] = v;
        return 1;
    }
    size_t n = 0;
    for (size_t e = g->succ_off[v]; e < g->succ_off[v + 1]; e++) {
        size_t u = g->succ[e];
        /* The barrier's time reaches u even when u still waits for its
         * own inputs (the one whose done() completed the barrier may be
         * next, with an earlier end when results arrive out of order). */
        if (ready[v] > ready[u])
            ready[u] = ready[v];
        if (failed[v] && !failed[u])
            failed[u] = failed[v];
        if (--pending[u] == 0)
            n += release(s, u, ready[v]);
    }
    return n;
}

void pb_sched_reset(struct pb_sched *s)
{
    const struct pb_graph *g = s->g;
    memcpy(AT(s, off_pending, uint32_t), g->indeg,
           g->nnodes * sizeof(uint32_t));
    memset(AT(s, off_failed, size_t), 0, g->nnodes * sizeof(size_t));
    memset(AT(s, off_ready, double), 0, g->nnodes * sizeof(double));
    s->head = s->tail = s->handed = s->done = 0;
    for (size_t v = 0; v < g->ntasks; v++)
        if (!g->indeg[v])
            release(s, v, 0);
    for (size_t v = g->ntasks; v < g->nnodes; v++)
        if (!g->indeg[v])
            release(s, v, 0);
}

int pb_sched_take(struct pb_sched *s, size_t *task)
{
    if (s->head < s->tail) {
        *task = AT(s, off_q, size_t)[s->head++];
        s->handed++;
        return 1;
    }
    return s->handed < s->g->ntasks ? 0 : -1;
}

size_t pb_sched_done(struct pb_sched *s, size_t task, int failed_task,
                     double t)
{
    const struct pb_graph *g = s->g;
    uint32_t *pending = AT(s, off_pending, uint32_t);
    size_t *failed = AT(s, off_failed, size_t);
    double *ready = AT(s, off_ready, double);
    size_t n = 0;
    s->done++;
    for (size_t e = g->succ_off[task]; e < g->succ_off[task + 1]; e++) {
        size_t u = g->succ[e];
        if (t > ready[u]) /* inputs may be reported out of order */
            ready[u] = t;
        if (failed_task && !failed[u])
            failed[u] = task + 1;
        else if (failed[task] && !failed[u])
            failed[u] = failed[task];
        if (--pending[u] == 0)
            n += release(s, u, t);
    }
    return n;
}

double pb_sched_ready_s(const struct pb_sched *s, size_t task)
{
    return AT(s, off_ready, double)[task];
}

size_t pb_sched_failed_input(const struct pb_sched *s, size_t task)
{
    return AT(s, off_failed, size_t)[task];
}

int pb_sched_finished(const struct pb_sched *s)
{
    return s->done >= s->g->ntasks;
}

/* ---- behind a lock ------------------------------------------------------ */

size_t pb_sched_shared_bytes(const struct pb_graph *g)
{
    return round_up(sizeof(struct pb_sched_shared)) + pb_sched_bytes(g);
}

int pb_sched_shared_init(void *mem, const struct pb_graph *g, int pshared)
{
    struct pb_sched_shared *ss = mem;
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int rc = pthread_mutexattr_init(&ma);
    if (rc)
        return -rc;
    if ((rc = pthread_condattr_init(&ca)) != 0) {
        pthread_mutexattr_destroy(&ma);
        return -rc;
    }
    if (pshared) {
        pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
        pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    }
    rc = pthread_mutex_init(&ss->mu, &ma);
    if (rc == 0 && (rc = pthread_cond_init(&ss->cv, &ca)) != 0)
        pthread_mutex_destroy(&ss->mu);
    pthread_condattr_destroy(&ca);
    pthread_mutexattr_destroy(&ma);
    if (rc)
        return -rc;
    ss->s = pb_sched_init((char *)mem + round_up(sizeof *ss), g);
    return 0;
}

void pb_sched_shared_destroy(struct pb_sched_shared *ss)
{
    pthread_cond_destroy(&ss->cv);
    pthread_mutex_destroy(&ss->mu);
}

int pb_sched_shared_take(struct pb_sched_shared *ss, size_t *task,
                         double *ready_s, size_t *failed_input,
                         double *waited_s)
{
    *waited_s = 0;
    pthread_mutex_lock(&ss->mu);
    int r;
    double w0 = 0;
    while ((r = pb_sched_take(ss->s, task)) == 0) {
        if (w0 == 0)
            w0 = pb_now();
        pthread_cond_wait(&ss->cv, &ss->mu);
    }
    if (w0 != 0)
        *waited_s = pb_now() - w0;
    if (r == 1) {
        *ready_s = pb_sched_ready_s(ss->s, *task);
        *failed_input = pb_sched_failed_input(ss->s, *task);
        if (ss->s->handed >= ss->s->g->ntasks) /* nothing left: let go */
            pthread_cond_broadcast(&ss->cv);
    }
    pthread_mutex_unlock(&ss->mu);
    return r == 1 ? 0 : -1;
}

void pb_sched_shared_done(struct pb_sched_shared *ss, size_t task, int failed,
                          double t)
{
    pthread_mutex_lock(&ss->mu);
    size_t n = pb_sched_done(ss->s, task, failed, t);
    /* Waiters also leave when the last task has been handed out. */
    if (n > 0 || ss->s->handed >= ss->s->g->ntasks)
        pthread_cond_broadcast(&ss->cv);
    pthread_mutex_unlock(&ss->mu);
}
