/* tests/unit/test_graph.c: the dependency graph and its scheduler
 * (runners/graph.h), and every runner that supports dependencies run on a
 * real graph: from the task records, no task starts before all of its
 * inputs have ended (and, with stages, before every lower stage ended). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "runners/graph.h"
#include "runners/runner.h"

/* A small test workload: a binary reduction tree over `leaves` leaves
 * (task i < leaves has no inputs; the others read two), like a pyramid;
 * with `staged`, a barrier per tree level.  Each task sleeps a little so
 * that workers overlap. */
struct tree {
    size_t leaves;
    int staged;
    int fail_task; /* this task fails; -1: none */
    int cycle;     /* task 0 reads the last task (a cycle) */
    size_t level_start[32], level_count[32];
    unsigned nlevels;
};

static struct tree T;

static void tree_plan(size_t leaves, int staged)
{
    memset(&T, 0, sizeof T);
    T.leaves = leaves, T.staged = staged, T.fail_task = -1;
    size_t start = 0, count = leaves;
    for (;;) {
        T.level_start[T.nlevels] = start, T.level_count[T.nlevels] = count;
        T.nlevels++;
        if (count == 1)
            break;
        start += count;
        count = (count + 1) / 2;
    }
}

static size_t tree_tasks(void)
{
    return T.level_start[T.nlevels - 1] + 1;
}

static unsigned level_of(size_t i)
{
    unsigned l = 0;
    while (l + 1 < T.nlevels && i >= T.level_start[l + 1])
        l++;
    return l;
}

static unsigned tree_deps(const struct workload *w, size_t i, size_t *out,
                          unsigned max)
{
    (void)w, (void)max;
    unsigned l = level_of(i), n = 0;
    if (T.cycle && i == 0) {
        out[0] = tree_tasks() - 1;
        return 1;
    }
    if (l == 0)
        return 0;
    size_t j = i - T.level_start[l], below = T.level_start[l - 1];
    out[n++] = below + 2 * j;
    if (2 * j + 1 < T.level_count[l - 1])
        out[n++] = below + 2 * j + 1;
    return n;
}

static unsigned tree_stage(const struct workload *w, size_t i)
{
    (void)w;
    return T.staged ? level_of(i) : 0;
}

static size_t zero(const struct workload *w, size_t i)
{
    (void)w, (void)i;
    return 0;
}

static size_t eight(const struct workload *w, size_t i)
{
    (void)w, (void)i;
    return 8;
}

static int tree_run(const struct workload *w, void *ctx, size_t i,
                    const void *in, void *out, struct task_result *r)
{
    (void)w, (void)ctx, (void)in;
    struct timespec ts = {0, 300000 + (long)(i % 3) * 200000};
    nanosleep(&ts, NULL);
    uint64_t v = i * 7919u;
    memcpy(out, &v, sizeof v);
    if ((int)i == T.fail_task) {
        r->status = -1;
        snprintf(r->error, sizeof r->error, "failed on purpose");
        return -1;
    }
    return 0;
}

static const struct workload_ops tree_ops = {
    .name = "tree",
    .kind = WL_CPU | WL_DEPS,
    .input_size = zero,
    .output_size = eight,
    .run_task = tree_run,
    .deps = tree_deps,
    .stage = tree_stage,
};

static struct workload make_wl(void)
{
    struct workload w = {.ops = &tree_ops};
    w.p.tasks = tree_tasks();
    return w;
}

/* ---- the graph and the scheduler alone ----------------------------------- */

START_TEST(graph_shape)
{
    char err[160];
    tree_plan(5, 0); /* 5 + 3 + 2 + 1 tasks */
    struct workload w = make_wl();
    ck_assert_uint_eq(w.p.tasks, 11);
    struct pb_graph *g;
    ck_assert_int_eq(pb_graph_build(&w, w.p.tasks, &g, err, sizeof err), 0);
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(g->nnodes, 11);
    ck_assert_uint_eq(g->nedges, 5 + 3 + 2);
    ck_assert_uint_eq(g->indeg[7], 1); /* 5 is carried alone into 7 */
    /* the topological order puts every input first */
    size_t pos[11];
    for (size_t k = 0; k < g->nnodes; k++)
        pos[g->topo[k]] = k;
    size_t dep[WL_DEPS_MAX];
    for (size_t i = 0; i < 11; i++) {
        unsigned n = tree_deps(&w, i, dep, WL_DEPS_MAX);
        for (unsigned j = 0; j < n; j++)
            ck_assert_uint_lt(pos[dep[j]], pos[i]);
    }
    pb_graph_free(g);

    tree_plan(5, 1); /* with a barrier per level: 3 barrier nodes */
    w = make_wl();
    ck_assert_int_eq(pb_graph_build(&w, w.p.tasks, &g, err, sizeof err), 0);
    ck_assert_uint_eq(g->nstages, 4);
    ck_assert_uint_eq(g->nnodes, 14);
    pb_graph_free(g);

    T.cycle = 1;
    w = make_wl();
    ck_assert_int_eq(pb_graph_build(&w, w.p.tasks, &g, err, sizeof err),
                     -EINVAL);
    ck_assert_ptr_null(g);
    ck_assert_ptr_nonnull(strstr(err, "cycle"));
}
END_TEST

START_TEST(sched_order)
{
    char err[160];
    tree_plan(4, 0); /* 0..3 leaves, 4 = (0,1), 5 = (2,3), 6 = (4,5) */
    struct workload w = make_wl();
    struct pb_graph *g;
    ck_assert_int_eq(pb_graph_build(&w, w.p.tasks, &g, err, sizeof err), 0);
    void *mem = malloc(pb_sched_bytes(g));
    struct pb_sched *s = pb_sched_init(mem, g);
    size_t t;
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(pb_sched_take(s, &t), 1);
        ck_assert_uint_eq(t, i);
    }
    ck_assert_int_eq(pb_sched_take(s, &t), 0); /* nothing ready yet */
    ck_assert_uint_eq(pb_sched_done(s, 0, 0, 1.0), 0);
    ck_assert_uint_eq(pb_sched_done(s, 1, 0, 2.0), 1);
    ck_assert_int_eq(pb_sched_take(s, &t), 1);
    ck_assert_uint_eq(t, 4);
    ck_assert_double_eq(pb_sched_ready_s(s, 4), 2.0);
    ck_assert_uint_eq(pb_sched_done(s, 3, 1, 2.5), 0); /* 3 fails */
    ck_assert_uint_eq(pb_sched_done(s, 2, 0, 3.0), 1);
    ck_assert_int_eq(pb_sched_take(s, &t), 1);
    ck_assert_uint_eq(t, 5);
    ck_assert_uint_eq(pb_sched_failed_input(s, 5), 4); /* 1 + task 3 */
    ck_assert_uint_eq(pb_sched_done(s, 4, 0, 4.0), 0);
    ck_assert_uint_eq(pb_sched_done(s, 5, 1, 4.5), 1);
    ck_assert_int_eq(pb_sched_take(s, &t), 1);
    ck_assert_uint_eq(t, 6);
    ck_assert_uint_ne(pb_sched_failed_input(s, 6), 0);
    ck_assert_int_eq(pb_sched_take(s, &t), -1);
    ck_assert(!pb_sched_finished(s));
    pb_sched_done(s, 6, 1, 5.0);
    ck_assert(pb_sched_finished(s));
    /* a reset starts again */
    pb_sched_reset(s);
    ck_assert_int_eq(pb_sched_take(s, &t), 1);
    ck_assert_uint_eq(t, 0);
    ck_assert_uint_eq(pb_sched_failed_input(s, 0), 0);
    free(mem);

    /* the critical path: the longest chain of run times */
    double run[7] = {1, 5, 1, 1, 2, 10, 1};
    ck_assert_double_eq_tol(pb_graph_critical_path(g, run), 12.0, 1e-12);
    pb_graph_free(g);
}
END_TEST

START_TEST(sched_barrier)
{
    char err[160];
    tree_plan(4, 1);
    struct workload w = make_wl();
    struct pb_graph *g;
    ck_assert_int_eq(pb_graph_build(&w, w.p.tasks, &g, err, sizeof err), 0);
    void *mem = malloc(pb_sched_bytes(g));
    struct pb_sched *s = pb_sched_init(mem, g);
    size_t t;
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(pb_sched_take(s, &t), 1);
    pb_sched_done(s, 0, 0, 1.0);
    pb_sched_done(s, 1, 0, 1.0);
    /* 4's inputs are done, but level 0 is not: the barrier holds it */
    ck_assert_int_eq(pb_sched_take(s, &t), 0);
    pb_sched_done(s, 2, 0, 1.0);
    ck_assert_uint_eq(pb_sched_done(s, 3, 0, 3.0), 2);
    ck_assert_int_eq(pb_sched_take(s, &t), 1);
    ck_assert_uint_eq(t, 4);
    ck_assert_double_eq(pb_sched_ready_s(s, 4), 3.0);
    free(mem);
    double run[7] = {1, 5, 1, 1, 2, 10, 1};
    ck_assert_double_eq_tol(pb_graph_critical_path(g, run), 16.0, 1e-12);
    pb_graph_free(g);
}
END_TEST

/* ---- on every runner that supports dependencies -------------------------- */

static void check_records(const struct task_record *rec, size_t n,
                          const char *who)
{
    struct workload w = make_wl();
    size_t dep[WL_DEPS_MAX];
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(rec[i].res.status == 0, "%s: task %zu: %s", who, i,
                      rec[i].res.error);
        ck_assert_msg(rec[i].end_s >= rec[i].start_s, "%s", who);
        ck_assert_msg(rec[i].start_s >= rec[i].ready_s, "%s: task %zu "
                      "started before it was ready", who, i);
        unsigned k = tree_deps(&w, i, dep, WL_DEPS_MAX);
        for (unsigned j = 0; j < k; j++)
            ck_assert_msg(rec[i].start_s >= rec[dep[j]].end_s &&
                          rec[i].ready_s >= rec[dep[j]].end_s,
                          "%s: task %zu started at %.6f before its input "
                          "%zu ended at %.6f", who, i, rec[i].start_s, dep[j],
                          rec[dep[j]].end_s);
        for (size_t u = 0; T.staged && u < n; u++)
            if (level_of(u) < level_of(i))
                ck_assert_msg(rec[i].start_s >= rec[u].end_s,
                              "%s: task %zu (level %u) started before task "
                              "%zu (level %u) ended", who, i, level_of(i), u,
                              level_of(u));
    }
}

static void run_on(const char *runner, unsigned workers, enum transfer tr,
                   int staged, int fail)
{
    char err[160], who[96];
    tree_plan(13, staged);
    T.fail_task = fail;
    struct workload w = make_wl();
    size_t n = w.p.tasks;
    struct pb_graph *g;
    ck_assert_int_eq(pb_graph_build(&w, n, &g, err, sizeof err), 0);
    size_t *off = calloc(4 * n, sizeof *off);
    for (size_t i = 0; i < n; i++)
        off[2 * n + i] = 8 * i, off[3 * n + i] = 8;
    uint8_t *out = mmap(NULL, 8 * n, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct task_data d = {.ntasks = n, .graph = g, .out = out,
                          .in_off = off, .in_len = off + n,
                          .out_off = off + 2 * n, .out_len = off + 3 * n};
    struct run_options o = {.workers = workers, .transfer = tr};
    struct task_record *rec = calloc(n, sizeof *rec);
    int32_t pids[8];
    const struct runner *r = runner_find(runner);
    ck_assert_ptr_nonnull(r);
    ck_assert(r->kinds & WL_DEPS);
    snprintf(who, sizeof who, "%s x%u %s%s%s", runner, workers,
             tr == TRANSFER_COPY ? "copy" : "shared", staged ? " staged" : "",
             fail >= 0 ? " failing" : "");
    for (int rep = 0; rep < 2; rep++) { /* a second run: the reset */
        struct run_measure m = {.tasks = rec, .pids = pids};
        memset(rec, 0, n * sizeof *rec);
        ck_assert_msg(runner_run_once(r, &w, &d, &o, &m) == 0, "%s: %s", who,
                      m.error);
        if (fail < 0) {
            check_records(rec, n, who);
            for (size_t i = 0; i < n; i++)
                ck_assert_uint_eq(((uint64_t *)out)[i], i * 7919u);
        } else {
            /* the failed task's dependents up to the root were not run */
            size_t dep[WL_DEPS_MAX];
            for (size_t v = (size_t)fail; v + 1 < n;) {
                size_t next = n;
                for (size_t u = v + 1; u < n && next == n; u++) {
                    unsigned k = tree_deps(&w, u, dep, WL_DEPS_MAX);
                    for (unsigned j = 0; j < k; j++)
                        if (dep[j] == v)
                            next = u;
                }
                ck_assert_uint_lt(next, n);
                ck_assert_msg(rec[next].res.status != 0 &&
                              strstr(rec[next].res.error, "not run"),
                              "%s: task %zu ran after its input failed", who,
                              next);
                v = next;
            }
            ck_assert_int_eq(rec[0].res.status, fail == 0 ? -1 : 0);
        }
        ck_assert_msg(m.input_wait_s >= 0, "%s", who);
    }
    free(rec), free(off);
    munmap(out, 8 * n);
    pb_graph_free(g);
}

START_TEST(runners_respect_inputs)
{
    for (int staged = 0; staged < 2; staged++) {
        run_on("single", 1, TRANSFER_SHARED, staged, -1);
        run_on("pthreads", 3, TRANSFER_SHARED, staged, -1);
        run_on("fork", 3, TRANSFER_SHARED, staged, -1);
        run_on("fork", 3, TRANSFER_COPY, staged, -1);
    }
}
END_TEST

START_TEST(runners_skip_after_failure)
{
    run_on("single", 1, TRANSFER_SHARED, 0, 2);
    run_on("pthreads", 2, TRANSFER_SHARED, 0, 2);
    run_on("fork", 2, TRANSFER_SHARED, 1, 2);
    run_on("fork", 2, TRANSFER_COPY, 0, 2);
}
END_TEST

START_TEST(refusing_runners)
{
    for (size_t i = 0; runner_table[i]; i++) {
        const struct runner *r = runner_table[i];
        int supports = r->kinds & WL_DEPS;
        if (!strcmp(r->name, "async"))
            ck_assert_msg(!supports, "%s", r->name);
    }
}
END_TEST

/* Results learnt out of order (an mpi head, fork copy's driver): the one
 * that completes a barrier may have ended before another of its stage, and
 * a task behind the barrier is ready at the barrier's time, the latest end
 * of the stage, not at its own inputs' latest end. */
START_TEST(sched_barrier_out_of_order)
{
    char err[160];
    tree_plan(4, 1); /* 4 = (0,1), 5 = (2,3), 6 = (4,5); a barrier a level */
    struct workload w = make_wl();
    struct pb_graph *g;
    ck_assert_int_eq(pb_graph_build(&w, w.p.tasks, &g, err, sizeof err), 0);
    void *mem = malloc(pb_sched_bytes(g));
    struct pb_sched *s = pb_sched_init(mem, g);
    size_t t;
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(pb_sched_take(s, &t), 1);
    pb_sched_done(s, 2, 0, 5.0); /* the stage's latest end, not 4's input */
    pb_sched_done(s, 3, 0, 1.0);
    pb_sched_done(s, 0, 0, 1.0);
    ck_assert_uint_eq(pb_sched_done(s, 1, 0, 2.0), 2); /* learnt last */
    ck_assert_double_eq(pb_sched_ready_s(s, 4), 5.0);
    ck_assert_double_eq(pb_sched_ready_s(s, 5), 5.0);
    free(mem);
    pb_graph_free(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graph");
    TCase *tc = tcase_create("graph");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, graph_shape);
    tcase_add_test(tc, sched_order);
    tcase_add_test(tc, sched_barrier);
    tcase_add_test(tc, sched_barrier_out_of_order);
    tcase_add_test(tc, runners_respect_inputs);
    tcase_add_test(tc, runners_skip_after_failure);
    tcase_add_test(tc, refusing_runners);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
