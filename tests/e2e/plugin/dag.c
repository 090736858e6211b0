/* tests/e2e/plugin/dag.c: a throw-away workload with task dependencies,
 * compiled in only by tests/e2e/t_mpi_deps.sh (make
 * EXTRA_WORKLOADS=tests/e2e/plugin/dag.c), so that a runner's handling of
 * dependencies is checked through the real binary, on real ranks, with
 * data flowing through files in a directory every worker sees.
 *
 * The --tasks tasks form a binary reduction tree, numbered from the
 * leaves: in reversed index j = tasks - 1 - i (the root is the last
 * task), task j reads tasks 2j + 1 and 2j + 2 where they exist.  With
 * --dag-staged, a barrier per tree depth.  Each task reads its inputs'
 * files from --dag-dir (failing when one is missing or short), sleeps
 * --dag-work, and writes its own file, t<i>, whose 8 bytes are the hash of
 * its index and its inputs' values, through a temporary name renamed into
 * place.  Its output buffer holds the same 8 bytes, so the checksum is
 * the same on every runner exactly when every task read what its inputs
 * wrote.  Task --dag-fail fails on purpose (-1: none). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernels/workload.h"

struct dag_params {
    const char *dir; /* where the tasks' files go; must exist */
    double work_s;   /* each task sleeps this long */
    int64_t fail;    /* this task fails; -1: none */
    int staged;      /* a barrier per depth */
};
PB_PARAMS_FIT(struct dag_params);

#define DP(f) offsetof(struct dag_params, f)
static const struct opt dag_opts[] = {
    {"dag-dir", OT_STR, DP(dir), 0, 0, "DIR", "directory of the tasks' files (must exist)", NULL},
    {"dag-work", OT_DURATION, DP(work_s), 0, 0, "TIME", "each task sleeps this long", "1ms"},
    {"dag-fail", OT_INT, DP(fail), -1, 1000000, "K", "task K fails on purpose (-1: none)", "-1"},
    {"dag-staged", OT_FLAG, DP(staged), 0, 0, NULL, "a barrier per tree depth", NULL},
};
#undef DP

static const struct dag_params *params_of(const struct workload *w)
{
    return (const struct dag_params *)(const void *)w->params;
}

static int check(const struct workload *w, char *err, size_t errlen)
{
    const struct dag_params *dp = params_of(w);
    struct stat st;
    if (!dp->dir || stat(dp->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--dag-dir: an existing directory is needed");
        return -EINVAL;
    }
    return 0;
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

static unsigned deps(const struct workload *w, size_t i, size_t *out,
                     unsigned max)
{
    (void)max;
    size_t n = w->p.tasks, j = n - 1 - i;
    unsigned k = 0;
    for (size_t c = 2 * j + 1; c <= 2 * j + 2 && c < n; c++)
        out[k++] = n - 1 - c;
    return k;
}

static unsigned depth(const struct workload *w, size_t i)
{
    size_t j = w->p.tasks - 1 - i;
    unsigned d = 0;
    while (j) /* the heap's parent of j is (j - 1) / 2 */
        j = (j - 1) / 2, d++;
    return d;
}

/* Deeper first: the leaves' depth is stage 0. */
static unsigned stage(const struct workload *w, size_t i)
{
    return params_of(w)->staged ? depth(w, 0) - depth(w, i) : 0;
}

static int fail_task(struct task_result *r, const char *what, size_t t)
{
    r->status = -1;
    snprintf(r->error, sizeof r->error, "%s t%zu: %s", what, t,
             errno ? strerror(errno) : "short");
    return -1;
}

static int run_task(const struct workload *w, void *ctx, size_t i,
                    const void *in, void *out, struct task_result *r)
{
    (void)ctx, (void)in;
    const struct dag_params *dp = params_of(w);
    uint64_t v[3] = {i, 0, 0};
    size_t dep[2];
    unsigned n = deps(w, i, dep, 2);
    char path[4096], tmp[4200];
    for (unsigned k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/t%zu", dp->dir, dep[k]);
        errno = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t got = fd >= 0 ? read(fd, &v[1 + k], 8) : -1;
        if (fd >= 0)
            close(fd);
        if (got != 8)
            return fail_task(r, "reading", dep[k]);
    }
    struct timespec ts = {(time_t)dp->work_s,
                          (long)((dp->work_s - (double)(time_t)dp->work_s) * 1e9)};
    nanosleep(&ts, NULL);
    if ((int64_t)i == dp->fail) {
        r->status = -1;
        snprintf(r->error, sizeof r->error, "failed on purpose");
        return -1;
    }
    uint64_t h = pb_hash64(v, sizeof v, 7);
    memcpy(out, &h, 8);
    snprintf(path, sizeof path, "%s/t%zu", dp->dir, i);
    snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
    errno = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ssize_t put = fd >= 0 ? write(fd, &h, 8) : -1;
    if (fd >= 0 && close(fd) != 0)
        put = -1;
    if (put != 8 || rename(tmp, path) != 0) {
        unlink(tmp);
        return fail_task(r, "writing", i);
    }
    r->value = 1;
    return 0;
}

static void report(const struct workload *w, const struct wl_sink *s)
{
    s->num(s->ctx, "dag_work_s", params_of(w)->work_s);
    s->num(s->ctx, "dag_fail", (double)params_of(w)->fail);
}

const struct workload_ops wl_dag = {
    .name = "dag",
    .help = "test only: a reduction tree of tasks passing values through files",
    .kind = WL_CPU | WL_DEPS,
    .opts = dag_opts,
    .nopts = sizeof dag_opts / sizeof *dag_opts,
    .check = check,
    .input_size = zero,
    .output_size = eight,
    .run_task = run_task,
    .report = report,
    .deps = deps,
    .stage = stage,
};
