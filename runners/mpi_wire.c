/* runners/mpi_wire.c: the formats between the mpi runner's driver and its
 * ranks (see runners/mpi.h): the job as mpi-rank options, and hex for the
 * fixed-size structs the head prints.  No MPI here: the driver uses it too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/mpi.h"

/* Every wl_params field, once.  A field missing here would silently take
 * its zero value on the ranks, so the size check below stops the build
 * when wl_params grows: add the new field to this table, then the size. */
enum ftype { FT_U64, FT_SIZE, FT_UINT, FT_INT, FT_DBL, FT_STR };

struct field {
    const char *name; /* option name without "--" */
    enum ftype type;
    size_t off;       /* in struct wl_params */
};

#define P(f) offsetof(struct wl_params, f)
static const struct field fields[] = {
    {"seed", FT_U64, P(seed)},
    {"tasks", FT_SIZE, P(tasks)},
    {"tasks-given", FT_INT, P(tasks_given)},
    {"size", FT_U64, P(size_bytes)},
    {"complexity", FT_UINT, P(complexity)},
    {"blur", FT_INT, P(blur)},
    {"brightness", FT_INT, P(brightness)},
    {"limit", FT_U64, P(limit)},
    {"duration", FT_DBL, P(duration_s)},
    {"spin-iters", FT_U64, P(spin_iters)},
    {"urls", FT_STR, P(urls_file)},
    {"base-url", FT_STR, P(base_url)},
    {"timeout", FT_DBL, P(timeout_s)},
};
#undef P
#define NFIELDS (sizeof fields / sizeof *fields)

_Static_assert(sizeof(enum blur_mode) == sizeof(int), "blur travels as int");
_Static_assert(sizeof(struct wl_params) == 96,
               "struct wl_params changed: add the new field to the table "
               "in runners/mpi_wire.c (the mpi ranks rebuild the workload "
               "from it), then update this size");

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
    char *reps = put(buf, buflen, &used, "%u", j->reps ? j->reps : 1);
    char *tmo = put(buf, buflen, &used, "%a", j->task_timeout_s);
    if (!reps || !tmo || push(argv, argc, cap, "--reps") ||
        push(argv, argc, cap, reps) || push(argv, argc, cap, "--task-timeout") ||
        push(argv, argc, cap, tmo) ||
        push(argv, argc, cap, "--workload") ||
        push(argv, argc, cap, (char *)j->workload) ||
        push(argv, argc, cap, "--schedule") ||
        push(argv, argc, cap, (char *)sched_names[j->schedule]) ||
        push(argv, argc, cap, "--transfer") ||
        push(argv, argc, cap, j->transfer == TRANSFER_COPY ? "copy" : "local"))
        return -1;
    for (size_t k = 0; k < NFIELDS; k++) {
        const struct field *f = &fields[k];
        const char *src = (const char *)&j->p + f->off;
        char *val = NULL;
        switch (f->type) {
        case FT_U64:
            val = put(buf, buflen, &used, "%" PRIu64, *(const uint64_t *)src);
            break;
        case FT_SIZE:
            val = put(buf, buflen, &used, "%zu", *(const size_t *)src);
            break;
        case FT_UINT:
            val = put(buf, buflen, &used, "%u", *(const unsigned *)src);
            break;
        case FT_INT:
            val = put(buf, buflen, &used, "%d", *(const int *)src);
            break;
        case FT_DBL: /* hex float: exact round trip */
            val = put(buf, buflen, &used, "%a", *(const double *)src);
            break;
        case FT_STR:
            val = *(char *const *)src;
            if (!val || !*val)
                continue; /* absent: the rank keeps NULL */
            break;
        }
        char *opt = put(buf, buflen, &used, "--%s", f->name);
        if (!val || !opt || push(argv, argc, cap, opt) ||
            push(argv, argc, cap, val))
            return -1;
    }
    return 0;
}

static int bad(char *err, size_t errlen, const char *opt, const char *val)
{
    snprintf(err, errlen, "bad value '%s' for --%s", val, opt);
    return -1;
}

int mpi_job_from_args(struct mpi_job *j, int argc, char **argv, char *err,
                      size_t errlen)
{
    memset(j, 0, sizeof *j);
    j->transfer = TRANSFER_LOCAL;
    j->reps = 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            snprintf(err, errlen, "unexpected argument '%s'", a);
            return -1;
        }
        const char *name = a + 2, *val = argv[++i];
        if (!strcmp(name, "workload")) {
            j->workload = val;
            continue;
        }
        if (!strcmp(name, "reps")) {
            char *end;
            unsigned long v = strtoul(val, &end, 10);
            if (end == val || *end || v < 1 || v > 1000000)
                return bad(err, errlen, name, val);
            j->reps = (unsigned)v;
            continue;
        }
        if (!strcmp(name, "task-timeout")) {
            char *end;
            double v = strtod(val, &end);
            if (end == val || *end || !(v >= 0))
                return bad(err, errlen, name, val);
            j->task_timeout_s = v;
            continue;
        }
        if (!strcmp(name, "schedule")) {
            if (!strcmp(val, "static"))
                j->schedule = SCHED_STATIC;
            else if (!strcmp(val, "dynamic"))
                j->schedule = SCHED_DYNAMIC;
            else
                return bad(err, errlen, name, val);
            continue;
        }
        if (!strcmp(name, "transfer")) {
            if (!strcmp(val, "copy"))
                j->transfer = TRANSFER_COPY;
            else if (!strcmp(val, "local"))
                j->transfer = TRANSFER_LOCAL;
            else
                return bad(err, errlen, name, val);
            continue;
        }
        const struct field *f = NULL;
        for (size_t k = 0; k < NFIELDS && !f; k++)
            if (!strcmp(fields[k].name, name))
                f = &fields[k];
        if (!f) {
            snprintf(err, errlen, "unknown option '%s'", a);
            return -1;
        }
        char *dst = (char *)&j->p + f->off, *end = NULL;
        errno = 0;
        switch (f->type) {
        case FT_U64:
            *(uint64_t *)dst = strtoull(val, &end, 10);
            break;
        case FT_SIZE:
            *(size_t *)dst = (size_t)strtoull(val, &end, 10);
            break;
        case FT_UINT:
            *(unsigned *)dst = (unsigned)strtoul(val, &end, 10);
            break;
        case FT_INT:
            *(int *)dst = (int)strtol(val, &end, 10);
            break;
        case FT_DBL:
            *(double *)dst = strtod(val, &end);
            break;
        case FT_STR:
            *(const char **)dst = val;
            continue;
        }
        if (errno || end == val || *end)
            return bad(err, errlen, name, val);
    }
    if (!j->workload) {
        snprintf(err, errlen, "missing --workload");
        return -1;
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
