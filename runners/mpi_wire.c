/* runners/mpi_wire.c: the formats between the mpi runner's driver and its
 * ranks (see runners/mpi.h): the job as mpi-rank options, and hex for the
 * fixed-size structs the head prints.  No MPI here: the driver uses it too.
 *
 * The workload travels as its name, the common parameters every workload
 * has, and its own options through its own rows (opt_wire_format and
 * opt_wire_read, kernels/option.h), so a new workload or a new option
 * needs nothing here. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/mpi.h"

static const char *const sched_names[] = {"dynamic", "static"};

static int push(char **argv, int *argc, int cap, char *s)
{
    if (*argc >= cap)
        return -1;
    argv[(*argc)++] = s;
    return 0;
}

/* Print one value after the used part of buf; NULL when it does not fit. */
static char *put(char *buf, size_t buflen, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static char *put(char *buf, size_t buflen, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, buflen - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= buflen - *used)
        return NULL;
    char *s = buf + *used;
    *used += (size_t)n + 1;
    return s;
}

int mpi_job_to_args(const struct mpi_job *j, char **argv, int *argc, int cap,
                    char *buf, size_t buflen)
{
    size_t used = 0;
    const struct workload *w = &j->w;
    char *reps = put(buf, buflen, &used, "%u", j->reps ? j->reps : 1);
    char *tmo = put(buf, buflen, &used, "%a", j->task_timeout_s);
    char *seed = put(buf, buflen, &used, "%" PRIu64, w->p.seed);
    char *tasks = put(buf, buflen, &used, "%zu", w->p.tasks);
    char *given = put(buf, buflen, &used, "%d", w->p.tasks_given);
    if (!reps || !tmo || !seed || !tasks || !given ||
        push(argv, argc, cap, "--reps") || push(argv, argc, cap, reps) ||
        push(argv, argc, cap, "--task-timeout") ||
        push(argv, argc, cap, tmo) ||
        push(argv, argc, cap, "--workload") ||
        push(argv, argc, cap, (char *)w->ops->name) ||
        push(argv, argc, cap, "--schedule") ||
        push(argv, argc, cap, (char *)sched_names[j->schedule]) ||
        push(argv, argc, cap, "--transfer") ||
        push(argv, argc, cap, j->transfer == TRANSFER_COPY ? "copy" : "local") ||
        push(argv, argc, cap, "--seed") || push(argv, argc, cap, seed) ||
        push(argv, argc, cap, "--tasks") || push(argv, argc, cap, tasks) ||
        push(argv, argc, cap, "--tasks-given") || push(argv, argc, cap, given))
        return -1;
    if (j->workdir && j->marker &&
        (push(argv, argc, cap, "--workdir") ||
         push(argv, argc, cap, (char *)j->workdir) ||
         push(argv, argc, cap, "--marker") ||
         push(argv, argc, cap, (char *)j->marker)))
        return -1;
    for (size_t k = 0; k < w->ops->nopts; k++) {
        const struct opt *o = &w->ops->opts[k];
        char val[4096];
        int rc = opt_wire_format(o, w->params, val, sizeof val);
        if (rc == 1)
            continue; /* absent (a string not given): the rank keeps NULL */
        char *pair = rc ? NULL
                        : put(buf, buflen, &used, "%s=%s", o->name, val);
        if (!pair || push(argv, argc, cap, "--opt") ||
            push(argv, argc, cap, pair))
            return -1;
    }
    return 0;
}

static int bad(char *err, size_t errlen, const char *opt, const char *val)
{
    snprintf(err, errlen, "bad value '%s' for --%s", val, opt);
    return -1;
}

/* A whole number in [lo, hi] from text. */
static int whole(const char *val, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    if (errno || end == val || *end || val[0] == '-' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* "--opt NAME=VALUE": one of the workload's own options. */
static int workload_opt(struct workload *w, const char *pair, char *err,
                        size_t errlen)
{
    const char *eq = strchr(pair, '=');
    const struct opt *o = NULL;
    for (size_t k = 0; eq && k < w->ops->nopts && !o; k++)
        if (strlen(w->ops->opts[k].name) == (size_t)(eq - pair) &&
            !strncmp(w->ops->opts[k].name, pair, (size_t)(eq - pair)))
            o = &w->ops->opts[k];
    if (!o) {
        snprintf(err, errlen, "unknown option '--opt %s' of workload '%s'",
                 pair, w->ops->name);
        return -1;
    }
    if (opt_wire_read(o, w->params, eq + 1))
        return bad(err, errlen, "opt", pair);
    return 0;
}

int mpi_job_from_args(struct mpi_job *j, int argc, char **argv, char *err,
                      size_t errlen)
{
    memset(j, 0, sizeof *j);
    j->transfer = TRANSFER_LOCAL;
    j->reps = 1;
    /* The workload first: its options are read through its rows. */
    for (int i = 0; i + 1 < argc && !j->w.ops; i++)
        if (!strcmp(argv[i], "--workload")) {
            j->w.ops = wl_find(argv[i + 1]);
            if (!j->w.ops) {
                snprintf(err, errlen, "unknown workload '%s'", argv[i + 1]);
                return -1;
            }
        }
    if (!j->w.ops) {
        snprintf(err, errlen, "missing --workload");
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            snprintf(err, errlen, "unexpected argument '%s'", a);
            return -1;
        }
        const char *name = a + 2, *val = argv[++i];
        uint64_t v;
        if (!strcmp(name, "workload"))
            continue;
        if (!strcmp(name, "opt")) {
            if (workload_opt(&j->w, val, err, errlen))
                return -1;
        } else if (!strcmp(name, "reps")) {
            if (whole(val, 1, 1000000, &v))
                return bad(err, errlen, name, val);
            j->reps = (unsigned)v;
        } else if (!strcmp(name, "seed")) {
            if (whole(val, 0, UINT64_MAX, &j->w.p.seed))
                return bad(err, errlen, name, val);
        } else if (!strcmp(name, "tasks")) {
            if (whole(val, 0, SIZE_MAX, &v))
                return bad(err, errlen, name, val);
            j->w.p.tasks = (size_t)v;
        } else if (!strcmp(name, "tasks-given")) {
            if (whole(val, 0, 1, &v))
                return bad(err, errlen, name, val);
            j->w.p.tasks_given = (int)v;
        } else if (!strcmp(name, "task-timeout")) {
            char *end;
            double d = strtod(val, &end);
            if (end == val || *end || !(d >= 0))
                return bad(err, errlen, name, val);
            j->task_timeout_s = d;
        } else if (!strcmp(name, "workdir")) {
            j->workdir = val;
        } else if (!strcmp(name, "marker")) {
            if (strchr(val, '/') || !val[0])
                return bad(err, errlen, name, val);
            j->marker = val;
        } else if (!strcmp(name, "schedule")) {
            if (!strcmp(val, "static"))
                j->schedule = SCHED_STATIC;
            else if (!strcmp(val, "dynamic"))
                j->schedule = SCHED_DYNAMIC;
            else
                return bad(err, errlen, name, val);
        } else if (!strcmp(name, "transfer")) {
            if (!strcmp(val, "copy"))
                j->transfer = TRANSFER_COPY;
            else if (!strcmp(val, "local"))
                j->transfer = TRANSFER_LOCAL;
            else
                return bad(err, errlen, name, val);
        } else {
            snprintf(err, errlen, "unknown option '%s'", a);
            return -1;
        }
    }
    return 0;
}

void mpi_hex_encode(const void *data, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int mpi_hex_decode(const char *s, void *data, size_t n)
{
    unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        int hi = nibble(s[2 * i]), lo = hi < 0 ? -1 : nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        p[i] = (unsigned char)(hi << 4 | lo);
    }
    return s[2 * n] == 0 || s[2 * n] == ' ' || s[2 * n] == '\n' ? 0 : -1;
}
