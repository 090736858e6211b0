/* tests/e2e/plugin/reverse.c: a throw-away runner, compiled in only by
 * tests/e2e/t_plugin.sh (make EXTRA_RUNNERS=tests/e2e/plugin/reverse.c)
 * to show that a runner is one file: it runs every task in the calling
 * process from the last to the first, with its own option (a pause
 * between tasks) that it checks itself, and a role of its own
 * (`parbench reverse-role ARGS`) that bench/cli/main.c finds through the
 * runner table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "runners/runner.h"

struct reverse_opts {
    double pause_s; /* between two tasks, outside no timing */
};
PB_PARAMS_FIT(struct reverse_opts);

static const struct opt reverse_opts[] = {
    {"reverse-pause", OT_DURATION, offsetof(struct reverse_opts, pause_s), 0, 0, "TIME", "sleep between two tasks", "0"},
};

static int check(const struct run_options *o, char *err, size_t errlen)
{
    const struct reverse_opts *ro = o->params;
    if (ro->pause_s > 1) {
        snprintf(err, errlen, "--reverse-pause: at most 1s");
        return -EINVAL;
    }
    return 0;
}

struct back {
    const struct workload *w;
    const struct task_data *d;
    double pause_s;
    void *ctx;
};

static int open_pool(const struct workload *w, const struct task_data *d,
                     const struct run_options *o, void **pool,
                     struct run_measure *m)
{
    double s0 = pb_now();
    struct back *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(m->error, sizeof m->error, "out of memory");
        return -1;
    }
    b->w = w, b->d = d;
    b->pause_s = ((const struct reverse_opts *)o->params)->pause_s;
    if (w->ops->worker_init && w->ops->worker_init(w, &b->ctx) != 0) {
        snprintf(m->error, sizeof m->error, "worker initialisation failed");
        free(b);
        return -1;
    }
    *pool = b;
    m->spawn_s = pb_now() - s0;
    return 0;
}

static int run(void *pool, struct run_measure *m)
{
    struct back *b = pool;
    if (m->pids)
        m->pids[0] = (int32_t)getpid();
    double t0 = pb_now();
    for (size_t i = b->d->ntasks; i-- > 0;) {
        runner_exec_task(b->w, b->ctx, b->d, i, t0, 0, &m->tasks[i]);
        if (b->pause_s > 0 && i > 0) {
            struct timespec ts = {.tv_sec = (time_t)b->pause_s,
                                  .tv_nsec = (long)((b->pause_s -
                                                     (time_t)b->pause_s) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    m->wall_s = pb_now() - t0;
    return 0;
}

static int close_pool(void *pool, struct run_measure *m)
{
    struct back *b = pool;
    double t = pb_now();
    if (b->w->ops->worker_fini && b->ctx)
        b->w->ops->worker_fini(b->w, b->ctx);
    free(b);
    m->stop_s = pb_now() - t;
    return 0;
}

/* The hidden role: says it was reached, with its arguments. */
static int role_main(int argc, char **argv)
{
    printf("reverse-role:");
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    return 0;
}

const struct runner runner_reverse = {
    .name = "reverse",
    .help = "every task in the calling process, last first (a test plug-in)",
    .kinds = WL_CPU | WL_IO,
    .transfers = 1u << TRANSFER_SHARED,
    .default_transfer = TRANSFER_SHARED,
    .max_workers = 1,
    .open = open_pool,
    .run = run,
    .close = close_pool,
    .opts = reverse_opts,
    .nopts = sizeof reverse_opts / sizeof *reverse_opts,
    .check = check,
    .no_bind = "a test runner pins nothing",
    .role = "reverse-role",
    .role_main = role_main,
};
