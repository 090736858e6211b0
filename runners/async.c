/* runners/async.c: one thread, many transfers at once, on libcurl's multi
 * interface: the event-loop model (Python's asyncio + aiohttp, Node).
 *
 * --workers is the concurrency: at most that many transfers are in flight;
 * when one finishes the next task starts.  Each in-flight transfer holds a
 * "slot" 0..workers-1, reported as the task's worker, so the report shows
 * how slots were used as a thread pool's report shows threads.  The multi
 * handle keeps up to --workers connections in its cache, so keep-alive
 * connections carry over from task to task as they do for a thread that
 * reuses its easy handle.
 *
 * Only I/O workloads have an asynchronous form (workload_ops.async_begin /
 * async_end); config_resolve refuses CPU-bound ones through .kinds, and a
 * workload without the hooks is refused here.  The event loop runs in the
 * driver's own thread, so there is nothing to start: spawn_s is creating
 * the multi handle (the pool, kept across repetitions with --pool
 * persistent).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/runner.h"

/* A transfer in flight. */
struct slot {
    void *easy;  /* the workload's CURL easy handle; NULL when free */
    size_t task;
};

struct loop {
    const struct workload *w;
    const struct task_data *d;
    struct run_measure *m;
    CURLM *multi;
    struct slot *slots; /* [workers] */
    unsigned *free_ids; /* stack of free slot indices */
    unsigned nfree, nslots;
    size_t next, done;  /* next task to start; tasks finished */
    double t0;
};

/* Start task `next` in a free slot.  A task that cannot start is recorded
 * as failed at once. */
static int start_one(struct loop *l)
{
    size_t i = l->next++;
    struct task_record *rec = &l->m->tasks[i];
    unsigned k = l->free_ids[--l->nfree];
    rec->worker = (int32_t)k;
    rec->start_s = pb_now() - l->t0;
    void *e = l->w->ops->async_begin(l->w, i, &rec->res);
    if (e) {
        CURLMcode mc = curl_multi_add_handle(l->multi, e);
        if (mc == CURLM_OK) {
            l->slots[k] = (struct slot){e, i};
            return 0;
        }
        l->w->ops->async_end(l->w, i, e, CURLE_FAILED_INIT, &rec->res);
        snprintf(rec->res.error, sizeof rec->res.error,
                 "curl_multi_add_handle: %s", curl_multi_strerror(mc));
    }
    if (rec->res.status == 0)
        rec->res.status = -1;
    rec->end_s = pb_now() - l->t0;
    l->free_ids[l->nfree++] = k;
    l->done++;
    return 0;
}

/* Hand a finished transfer back to the workload and free its slot. */
static void finish_one(struct loop *l, CURL *e, CURLcode res)
{
    unsigned k = 0;
    /* Linear: the slot table is --workers long, and CURLOPT_PRIVATE is the
     * workload's, not ours. */
    while (k < l->nslots && l->slots[k].easy != e)
        k++;
    if (k == l->nslots)
        return; /* not ours: cannot happen */
    size_t i = l->slots[k].task;
    curl_multi_remove_handle(l->multi, e);
    l->w->ops->async_end(l->w, i, e, (int)res, &l->m->tasks[i].res);
    l->m->tasks[i].end_s = pb_now() - l->t0;
    l->slots[k].easy = NULL;
    l->free_ids[l->nfree++] = k;
    l->done++;
}

/* Finish every transfer still in flight as aborted (run-level failure). */
static void abort_all(struct loop *l)
{
    for (unsigned k = 0; k < l->nslots; k++)
        if (l->slots[k].easy) {
            struct task_result *r = &l->m->tasks[l->slots[k].task].res;
            finish_one(l, l->slots[k].easy, CURLE_ABORTED_BY_CALLBACK);
            snprintf(r->error, sizeof r->error, "aborted: the event loop "
                     "failed");
        }
}

static int close_pool(void *pool, struct run_measure *m)
{
    struct loop *l = pool;
    double t = pb_now();
    curl_multi_cleanup(l->multi);
    free(l->slots), free(l->free_ids), free(l);
    m->stop_s = pb_now() - t;
    return 0;
}

/* The pool of an event loop is the multi handle and its slots; its
 * connection cache carries over between repetitions of a persistent one. */
static int open_pool(const struct workload *w, const struct task_data *d,
                     const struct run_options *o, void **pool,
                     struct run_measure *m)
{
    if (!w->ops->async_begin || !w->ops->async_end) {
        snprintf(m->error, sizeof m->error, "the %s workload has no "
                 "asynchronous form", w->ops->name);
        return -1;
    }
    double s0 = pb_now();
    struct loop *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(m->error, sizeof m->error, "out of memory for the loop");
        return -1;
    }
    *l = (struct loop){.w = w, .d = d, .nslots = o->workers};
    l->multi = curl_multi_init();
    l->slots = calloc(l->nslots, sizeof *l->slots);
    l->free_ids = calloc(l->nslots, sizeof *l->free_ids);
    if (!l->multi || !l->slots || !l->free_ids) {
        snprintf(m->error, sizeof m->error, "out of memory for the loop");
        if (l->multi)
            curl_multi_cleanup(l->multi);
        free(l->slots), free(l->free_ids), free(l);
        return -1;
    }
    curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, (long)l->nslots);
    *pool = l;
    m->spawn_s = pb_now() - s0;
    return 0;
}

static int run(void *pool, struct run_measure *m)
{
    struct loop *l = pool;
    const struct task_data *d = l->d;
    l->m = m;
    l->next = l->done = 0;
    /* Lowest slot first, as a thread pool's first thread takes the first
     * task. */
    for (unsigned k = 0; k < l->nslots; k++) {
        l->free_ids[k] = l->nslots - 1 - k;
        l->slots[k] = (struct slot){0};
    }
    l->nfree = l->nslots;
    int32_t tid = runner_tid();
    for (unsigned k = 0; m->pids && k < l->nslots; k++)
        m->pids[k] = tid; /* every slot is the driver's one thread */

    double cu, cs;
    runner_region_begin(&cu, &cs);
    l->t0 = pb_now();
    int rc = 0;
    CURLMcode mc = CURLM_OK;
    while (l->done < d->ntasks) {
        while (l->nfree && l->next < d->ntasks)
            start_one(l);
        int running = 0;
        mc = curl_multi_perform(l->multi, &running);
        if (mc != CURLM_OK)
            break;
        CURLMsg *msg;
        int queued, finished = 0;
        while ((msg = curl_multi_info_read(l->multi, &queued)))
            if (msg->msg == CURLMSG_DONE) {
                /* msg is invalid once the handle is removed. */
                CURL *e = msg->easy_handle;
                CURLcode res = msg->data.result;
                finish_one(l, e, res);
                finished++;
            }
        /* Wait for the network only when there is nothing to start. */
        int can_start = l->nfree && l->next < d->ntasks;
        if (l->done < d->ntasks && !finished && !can_start) {
            mc = curl_multi_poll(l->multi, NULL, 0, 1000, NULL);
            if (mc != CURLM_OK)
                break;
        }
    }
    if (mc != CURLM_OK) {
        snprintf(m->error, sizeof m->error, "event loop: %s",
                 curl_multi_strerror(mc));
        abort_all(l);
        rc = -1;
    }
    m->wall_s = pb_now() - l->t0;
    runner_region_end(m, cu, cs);
    return rc;
}

const struct runner runner_async = {
    .name = "async",
    .help = "one thread, up to --workers transfers in flight "
            "(libcurl multi event loop)",
    .kinds = WL_IO,
    .transfers = 1u << TRANSFER_SHARED,
    .default_transfer = TRANSFER_SHARED,
    .open = open_pool,
    .run = run,
    .close = close_pool,
    .persistent = 1,
};
