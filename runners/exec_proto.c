/* runners/exec_proto.c: the lines a peer writes (peers/PROTOCOL.md, "The
 * peer's lines"), parsed with cJSON and checked field by field: every
 * required field present with its type, 64-bit values as decimal strings,
 * digests as 16 lowercase hex digits, fields it does not know ignored.
 * Nothing here reads a clock or a pipe, so every check is unit-tested
 * (tests/unit/test_exec.c); the order of lines and the times are checked
 * by exec.c, which knows the run. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/exec.h"

static const char *const type_names[] = {"ready", "task", "end", "done",
                                         "error"};

/* A JSON number that is an integer (not a bool, not a fraction). */
static int get_int(const cJSON *o, const char *key, long long *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) ||
        fabs(x->valuedouble) > 9007199254740992.0)
        return -1;
    *v = (long long)x->valuedouble;
    return 0;
}

static int get_num(const cJSON *o, const char *key, double *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
        return -1;
    *v = x->valuedouble;
    return 0;
}

static const char *get_str(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

static int missing(char *err, size_t errlen, const char *type,
                   const char *key, const char *what)
{
    snprintf(err, errlen, "%s line: field '%s' missing or not %s", type, key,
             what);
    return -EPROTO;
}

/* A decimal integer string, signed 64-bit (or, for spin's x, unsigned). */
static int parse_decimal(const char *s, int64_t *sv, uint64_t *uv)
{
    if (!s || !*s)
        return -1;
    int neg = *s == '-';
    const char *p = s + neg;
    if (!*p)
        return -1;
    uint64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (neg && v > (uint64_t)INT64_MAX + 1)
        return -1;
    *uv = neg ? (uint64_t)0 - v : v;
    *sv = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int parse_digest(const char *s, uint64_t *v)
{
    if (!s || strlen(s) != 16)
        return -1;
    uint64_t x = 0;
    for (int i = 0; i < 16; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                            : 16;
        if (d > 15)
            return -1;
        x = x << 4 | d;
    }
    *v = x;
    return 0;
}

static int parse_task(const cJSON *o, struct peer_task *t, char *err,
                      size_t errlen)
{
    long long v;
    memset(t, 0, sizeof *t);
    if (get_int(o, "rep", &v) || v < 0)
        return missing(err, errlen, "task", "rep", "an integer >= 0");
    t->rep = (int)v;
    if (get_int(o, "id", &v) || v < 0)
        return missing(err, errlen, "task", "id", "an integer >= 0");
    t->id = (size_t)v;
    if (get_int(o, "worker", &v) || v < 0 || v > INT32_MAX)
        return missing(err, errlen, "task", "worker", "an integer >= 0");
    t->worker = (int)v;
    if (get_num(o, "start", &t->start))
        return missing(err, errlen, "task", "start", "a number");
    if (get_num(o, "end", &t->end))
        return missing(err, errlen, "task", "end", "a number");
    if (get_int(o, "status", &v) || v < INT32_MIN || v > INT32_MAX)
        return missing(err, errlen, "task", "status", "an integer");
    t->status = (int)v;
    if (get_int(o, "bytes", &v) || v < 0)
        return missing(err, errlen, "task", "bytes", "an integer >= 0");
    t->bytes = (uint64_t)v;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    if (!e || !(cJSON_IsNull(e) || cJSON_IsString(e)))
        return missing(err, errlen, "task", "error", "a string or null");
    if (cJSON_IsString(e))
        snprintf(t->error, sizeof t->error, "%s", e->valuestring);
    if (t->status != 0 && !t->error[0])
        snprintf(t->error, sizeof t->error, "failed with status %d",
                 t->status);
    const cJSON *x;
    if ((x = cJSON_GetObjectItemCaseSensitive(o, "value"))) {
        if (!cJSON_IsString(x) ||
            parse_decimal(x->valuestring, &t->value, &t->uvalue))
            return missing(err, errlen, "task", "value",
                           "a decimal integer string");
        t->has_value = 1;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(o, "digest"))) {
        if (!cJSON_IsString(x) || parse_digest(x->valuestring, &t->digest))
            return missing(err, errlen, "task", "digest",
                           "16 lowercase hex digits");
        t->has_digest = 1;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "iters")) {
        if (get_int(o, "iters", &v) || v < 1)
            return missing(err, errlen, "task", "iters", "an integer >= 1");
        t->iters = (uint64_t)v;
        t->has_iters = 1;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "http_status")) {
        if (get_int(o, "http_status", &v) || v < 0 || v > 999)
            return missing(err, errlen, "task", "http_status",
                           "an integer");
        t->http_status = (int)v;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "latency_s") &&
        get_num(o, "latency_s", &t->latency_s))
        return missing(err, errlen, "task", "latency_s", "a number");
    if (cJSON_GetObjectItemCaseSensitive(o, "ttfb_s") &&
        get_num(o, "ttfb_s", &t->ttfb_s))
        return missing(err, errlen, "task", "ttfb_s", "a number");
    if (t->start > t->end) {
        snprintf(err, errlen, "task line: task %zu ends before it starts",
                 t->id);
        return -EPROTO;
    }
    return 0;
}

int exec_parse_line(const char *text, size_t len, struct peer_line *l,
                    char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (!doc || !cJSON_IsObject(doc)) {
        int show = len > 60 ? 60 : (int)len;
        snprintf(err, errlen, "%s: \"%.*s%s\"",
                 doc ? "not a JSON object" : "not JSON", show, text,
                 len > 60 ? "..." : "");
        for (char *c = err; *c; c++) /* one line, whatever it holds */
            if ((unsigned char)*c < 0x20)
                *c = '?';
        cJSON_Delete(doc);
        return -EPROTO;
    }
    l->doc = doc;
    const char *type = get_str(doc, "type");
    int k = -1;
    for (int i = 0; type && i < 5; i++)
        if (!strcmp(type, type_names[i]))
            k = i;
    if (k < 0) {
        snprintf(err, errlen, "not a protocol line (type %s%.40s%s)",
                 type ? "'" : "", type ? type : "missing",
                 type ? "'" : "");
        goto bad;
    }
    l->type = (enum peer_line_type)k;
    long long v;
    int rc = 0;
    switch (l->type) {
    case PL_READY:
        if (!get_str(doc, "protocol"))
            rc = missing(err, errlen, "ready", "protocol", "a string");
        else if (get_int(doc, "pid", &v) || v <= 0)
            rc = missing(err, errlen, "ready", "pid", "a process id");
        else if (!get_str(doc, "clock"))
            rc = missing(err, errlen, "ready", "clock", "a string");
        else if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc,
                                                                 "workers")))
            rc = missing(err, errlen, "ready", "workers", "an array");
        else if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc,
                                                                  "peer")))
            rc = missing(err, errlen, "ready", "peer", "an object");
        break;
    case PL_TASK:
        rc = parse_task(doc, &l->task, err, errlen);
        l->rep = l->task.rep;
        break;
    case PL_END:
        if (get_int(doc, "rep", &v) || v < 0)
            rc = missing(err, errlen, "end", "rep", "an integer >= 0");
        else if ((l->rep = (int)v, get_num(doc, "start", &l->start)))
            rc = missing(err, errlen, "end", "start", "a number");
        else if (get_num(doc, "end", &l->end))
            rc = missing(err, errlen, "end", "end", "a number");
        else if (get_int(doc, "tasks", &v) || v < 0)
            rc = missing(err, errlen, "end", "tasks", "an integer >= 0");
        else
            l->tasks = (size_t)v;
        break;
    case PL_DONE:
        if (get_num(doc, "stop_s", &l->stop_s))
            rc = missing(err, errlen, "done", "stop_s", "a number");
        break;
    case PL_ERROR: {
        const char *m = get_str(doc, "message");
        if (!m)
            rc = missing(err, errlen, "error", "message", "a string");
        else
            snprintf(l->message, sizeof l->message, "%s", m);
        for (char *c = l->message; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        break;
    }
    }
    if (rc == 0)
        return 0;
bad:
    cJSON_Delete(doc);
    l->doc = NULL;
    return -EPROTO;
}

void exec_line_free(struct peer_line *l)
{
    cJSON_Delete(l->doc);
    l->doc = NULL;
}

int exec_ready_take(struct peer_line *l, unsigned workers,
                    struct peer_ready *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    const cJSON *doc = l->doc;
    const char *proto = get_str(doc, "protocol");
    if (strcmp(proto, EXEC_PROTOCOL) != 0) {
        snprintf(err, errlen, "ready line: protocol '%.40s', not '%s'",
                 proto, EXEC_PROTOCOL);
        return -EPROTO;
    }
    long long v;
    get_int(doc, "pid", &v);
    r->pid = (int)v;
    const char *clock = get_str(doc, "clock");
    if (!strcmp(clock, "monotonic")) {
        r->clock = CLOCK_MONO;
        if (get_num(doc, "t", &r->t))
            return missing(err, errlen, "ready", "t",
                           "a number (clock monotonic)");
    } else if (!strcmp(clock, "relative")) {
        r->clock = CLOCK_RELATIVE;
    } else {
        snprintf(err, errlen, "ready line: unknown clock '%.40s'", clock);
        return -EPROTO;
    }
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(doc, "workers");
    r->nworkers = (unsigned)cJSON_GetArraySize(ws);
    if (r->nworkers != workers) {
        snprintf(err, errlen, "ready line lists %u workers, %u were asked "
                 "for", r->nworkers, workers);
        return -EPROTO;
    }
    const cJSON *w;
    cJSON_ArrayForEach(w, ws) {
        if (!cJSON_IsObject(w) || get_int(w, "worker", &v) || v < 0 ||
            v >= workers) {
            snprintf(err, errlen, "ready line: a worker without an index "
                     "0..%u", workers - 1);
            return -EPROTO;
        }
        long long pid;
        if ((size_t)v < sizeof r->wpid / sizeof *r->wpid &&
            get_int(w, "pid", &pid) == 0 && pid > 0 && pid <= INT32_MAX)
            r->wpid[v] = (int32_t)pid;
    }
    cJSON *peer = cJSON_DetachItemFromObjectCaseSensitive(l->doc, "peer");
    r->peer = peer;
    const char *label = get_str(peer, "label");
    snprintf(r->label, sizeof r->label, "%s", label ? label : "");
    r->params = cJSON_DetachItemFromObjectCaseSensitive(l->doc, "params");
    r->phases = cJSON_DetachItemFromObjectCaseSensitive(l->doc, "phases");
    if (r->params && !cJSON_IsObject(r->params)) {
        cJSON_Delete(r->params);
        r->params = NULL;
    }
    if (r->phases && !cJSON_IsObject(r->phases)) {
        cJSON_Delete(r->phases);
        r->phases = NULL;
    }
    double it;
    if (r->params && get_num(r->params, "spin_iters", &it) == 0 && it >= 1)
        r->spin_iters = it;
    return 0;
}

void exec_ready_free(struct peer_ready *r)
{
    cJSON_Delete(r->peer);
    cJSON_Delete(r->params);
    cJSON_Delete(r->phases);
    r->peer = r->params = r->phases = NULL;
}
