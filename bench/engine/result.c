/* bench/engine/result.c: building a run's typed result, and carrying it from
 * the supervised child to the supervisor (see result.h).
 *
 * The wire form is the struct itself followed by its arrays, byte for byte:
 * both ends are the same binary, forked, so no encoding is needed, and the
 * supervisor keeps the message as the arrays' memory instead of copying
 * them.  It is checked for size before it is trusted: a short or torn
 * message (a child killed while writing) is no result. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/result.h"

const char *run_status_name(enum run_status s)
{
    static const char *const names[] = {
        [RUN_OK] = "ok",           [RUN_FAILED] = "failed",
        [RUN_PARTIAL] = "partial", [RUN_OOM] = "oom",
        [RUN_TIMEOUT] = "timeout", [RUN_INTERRUPTED] = "interrupted",
    };
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "failed";
}

void run_result_init(struct run_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = RUN_OK;
    snprintf(r->limits.mechanism, sizeof r->limits.mechanism, "none");
}

static void set_cause(struct run_result *r, enum run_status st,
                      const char *fmt, va_list ap)
{
    char msg[RUN_ERROR_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap); /* fmt may print r->error */
    memcpy(r->error, msg, sizeof msg);
    r->status = st;
}

void run_result_status(struct run_result *r, enum run_status st,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_cause(r, st, fmt, ap);
    va_end(ap);
}

void run_result_fail(struct run_result *r, enum run_status st,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_cause(r, st == RUN_OK || st == RUN_PARTIAL ? RUN_FAILED : st, fmt, ap);
    va_end(ap);
    run_result_drop_reps(r);
    r->has_checksum = r->has_value = 0;
    r->checksum = 0;
    r->value = 0;
}

void run_result_fail_oom(struct run_result *r, size_t ntasks, unsigned repeat)
{
    run_result_fail(r, RUN_FAILED, "out of memory building the report (%zu "
                    "tasks, %u repetitions)", ntasks, repeat);
}

int run_result_reserve(struct run_result *r, unsigned repeat,
                       unsigned workers, size_t ntasks, int with_tasks)
{
    run_result_drop_reps(r);
    r->workers = workers;
    r->ntasks = ntasks;
    size_t n = repeat ? repeat : 1;
    r->reps = calloc(n, sizeof *r->reps);
    r->pids = calloc(n * workers, sizeof *r->pids);
    r->tasks = with_tasks ? calloc(n * ntasks, sizeof *r->tasks) : NULL;
    if (!r->reps || !r->pids || (with_tasks && ntasks && !r->tasks)) {
        run_result_drop_reps(r);
        return -ENOMEM;
    }
    r->cap_reps = n;
    return 0;
}

uint32_t run_result_text(struct run_result *r, const char *s, int is_host)
{
    if (is_host)
        for (int k = 0; k < RESULT_HOSTS && r->hosts[k]; k++)
            if (!strcmp(r->text + r->hosts[k] - 1, s))
                return r->hosts[k];
    size_t n = strlen(s) + 1;
    if (r->text_len + n > UINT32_MAX - 1)
        return 0;
    if (r->text_len + n > r->text_cap) {
        size_t cap = r->text_cap ? 2 * r->text_cap : 4096;
        while (cap < r->text_len + n)
            cap *= 2;
        char *t = realloc(r->text, cap);
        if (!t)
            return 0;
        r->text = t, r->text_cap = cap;
    }
    uint32_t at = (uint32_t)r->text_len + 1;
    memcpy(r->text + r->text_len, s, n);
    r->text_len += n;
    if (is_host) {
        memmove(r->hosts + 1, r->hosts, (RESULT_HOSTS - 1) * sizeof *r->hosts);
        r->hosts[0] = at;
    }
    return at;
}

void run_result_drop_reps(struct run_result *r)
{
    if (r->wire) {
        free(r->wire);
        r->wire = NULL;
    } else {
        free(r->reps), free(r->pids), free(r->tasks), free(r->text);
    }
    r->reps = NULL, r->pids = NULL, r->tasks = NULL, r->text = NULL;
    r->nreps = r->cap_reps = r->nsummary = 0;
    r->text_len = r->text_cap = 0;
    r->last_rep_failed = 0;
    r->last_rep_error[0] = 0;
    memset(r->hosts, 0, sizeof r->hosts);
}

void run_result_free(struct run_result *r)
{
    run_result_drop_reps(r);
}

/* Sizes of the arrays that follow the fixed part, in order; pids are
 * padded to 8 bytes so the tasks that follow stay aligned in the message. */
static void wire_sizes(const struct run_result *r, size_t sz[4])
{
    sz[0] = r->nreps * sizeof *r->reps;
    sz[1] = (r->nreps * r->workers * sizeof *r->pids + 7) & ~(size_t)7;
    sz[2] = r->tasks ? r->nreps * r->ntasks * sizeof *r->tasks : 0;
    sz[3] = r->text_len;
}

size_t run_result_wire(const struct run_result *r, const void **part,
                       size_t *len)
{
    static const char zeros[8];
    size_t sz[4], n = 0;
    wire_sizes(r, sz);
    part[n] = r, len[n++] = sizeof *r;
    part[n] = r->reps, len[n++] = sz[0];
    size_t pid_bytes = r->nreps * r->workers * sizeof *r->pids;
    part[n] = r->pids, len[n++] = pid_bytes;
    part[n] = zeros, len[n++] = sz[1] - pid_bytes;
    part[n] = r->tasks, len[n++] = sz[2];
    part[n] = r->text, len[n++] = sz[3];
    return n;
}

int run_result_adopt(struct run_result *r, void *msg, size_t len)
{
    struct run_result h;
    if (len < sizeof h) {
        free(msg);
        return -EPROTO;
    }
    memcpy(&h, msg, sizeof h);
    size_t sz[4];
    /* Bounds far above what a run can have (100,000 repetitions, 10M
     * tasks, 4096 workers) keep the sizes below from overflowing. */
    int sane = h.nreps <= h.cap_reps && h.nsummary <= h.nreps &&
               h.workers <= 1u << 16 && h.nreps <= (size_t)1 << 20 &&
               h.ntasks <= (size_t)1 << 27 && h.text_len <= len;
    if (sane) {
        h.tasks = h.tasks && h.nreps ? h.tasks : NULL;
        wire_sizes(&h, sz);
        sane = len == sizeof h + sz[0] + sz[1] + sz[2] + sz[3] &&
               (!h.text_len || ((char *)msg)[len - 1] == 0);
    }
    if (!sane) {
        free(msg);
        return -EPROTO;
    }
    char *p = (char *)msg + sizeof h;
    h.reps = h.nreps ? (struct rep_result *)p : NULL;
    h.pids = h.nreps ? (int32_t *)(p + sz[0]) : NULL;
    h.tasks = sz[2] ? (struct task_out *)(p + sz[0] + sz[1]) : NULL;
    h.text = h.text_len ? p + sz[0] + sz[1] + sz[2] : NULL;
    h.cap_reps = h.nreps;
    h.text_cap = h.text_len;
    h.wire = msg;
    *r = h;
    return 0;
}
