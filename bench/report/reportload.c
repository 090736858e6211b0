/* bench/report/reportload.c: load and check a report; configuration identity;
 * tables; atomic command output; option tables.  See reportload.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/parse.h"
#include "bench/report/report.h"
#include "bench/report/reportload.h"
#include "bench/util/grow.h"
#include "bench/util/safeio.h"

/* Parameters that are not part of a configuration: how often it was run.
 * (What a workload derives from its parameters is in the run's "derived"
 * object, not in params.) */
static const char *const not_config[] = {"repeat", "warmup"};

int rl_param_is_config(const char *key)
{
    for (size_t i = 0; i < sizeof not_config / sizeof *not_config; i++)
        if (!strcmp(key, not_config[i]))
            return 0;
    return 1;
}

const cJSON *rl_get(const cJSON *o, const char *path)
{
    char part[64];
    while (o && *path) {
        size_t k = strcspn(path, ".");
        if (k >= sizeof part)
            return NULL;
        memcpy(part, path, k);
        part[k] = 0;
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, part) : NULL;
        path += k + (path[k] == '.');
    }
    return o;
}

const char *rl_str(const cJSON *o, const char *path)
{
    const cJSON *v = rl_get(o, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double rl_num(const cJSON *o, const char *path)
{
    const cJSON *v = rl_get(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const cJSON *rl_run(const struct rl_report *r, int i)
{
    return cJSON_GetArrayItem(r->runs, i);
}

size_t rl_rep_values(const cJSON *run, const char *path, double **out)
{
    const cJSON *reps = rl_get(run, "repetitions");
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(reps);
    *out = malloc((cap ? cap : 1) * sizeof **out);
    if (!*out)
        return 0;
    const cJSON *rep;
    cJSON_ArrayForEach(rep, reps) {
        double v = rl_num(rep, path);
        if (isfinite(v) && n < cap)
            (*out)[n++] = v;
    }
    return n;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    pb_text_oneline(err); /* a schema, a path may hold anything */
    return -EINVAL;
}

/* The run-level checks: what every command relies on. */
static int check_run(const char *path, int i, const cJSON *run, char *err,
                     size_t errlen)
{
    static const char *const strs[] = {"workload", "runner", "status"};
    static const char *const nums[] = {"workers", "tasks"};
    if (!cJSON_IsObject(run))
        return fail(err, errlen, "%s: runs[%d] is not an object", path, i);
    for (size_t k = 0; k < 3; k++)
        if (!rl_str(run, strs[k]))
            return fail(err, errlen, "%s: runs[%d]: missing or invalid '%s'",
                        path, i, strs[k]);
    /* Whole numbers an int holds: the commands cast them (1e309 reads
     * as infinity, and a cast of that is undefined). */
    for (size_t k = 0; k < 2; k++) {
        double v = rl_num(run, nums[k]);
        if (!(v >= 1 && v <= INT32_MAX && v == floor(v)))
            return fail(err, errlen, "%s: runs[%d]: missing or invalid '%s'",
                        path, i, nums[k]);
    }
    const cJSON *reps = rl_get(run, "repetitions");
    if (!cJSON_IsArray(reps))
        return fail(err, errlen, "%s: runs[%d]: missing 'repetitions' array",
                    path, i);
    int k = 0;
    const cJSON *rep;
    cJSON_ArrayForEach(rep, reps) {
        const cJSON *w = rl_get(rep, "wall_s");
        if (!cJSON_IsObject(rep) || !cJSON_IsNumber(w) ||
            !(w->valuedouble >= 0 && isfinite(w->valuedouble)))
            return fail(err, errlen, "%s: runs[%d].repetitions[%d]: missing "
                        "or invalid 'wall_s'", path, i, k);
        k++;
    }
    const cJSON *par = rl_get(run, "params");
    if (par && !cJSON_IsObject(par))
        return fail(err, errlen, "%s: runs[%d]: 'params' is not an object",
                    path, i);
    return 0;
}

/* The text ends inside a string, an object or an array: a report cut
 * short (a copy interrupted, a disk full), not one written wrongly. */
static int unclosed(const char *t, size_t n)
{
    long depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return in_str || depth > 0;
}

int rl_load(const char *path, struct rl_report *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    size_t len;
    char *text;
    if (pb_read_file(path, &text, &len, err, errlen))
        return -EIO;
    int rc = rl_parse(path, text, len, r, err, errlen);
    free(text);
    return rc;
}

int rl_parse(const char *path, const char *text, size_t len,
             struct rl_report *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    const char *end = NULL;
    r->doc = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!r->doc) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : len;
        while (off < len && strchr(" \t\r\n", text[off]) && off + 1 < len)
            off++;
        int truncated = !len || off >= len - 1 || unclosed(text, len);
        if (!len)
            return fail(err, errlen, "%s: empty file, not a report", path);
        return fail(err, errlen, "%s: %s (byte %zu of %zu)", path,
                    truncated ? "truncated JSON, not a complete report"
                              : "not valid JSON", off, len);
    }
    const char *schema = rl_str(r->doc, "schema");
    int rc = 0;
    if (!cJSON_IsObject(r->doc) || !schema)
        rc = fail(err, errlen, "%s: not a parbench report (no \"schema\")", path);
    else if (strcmp(schema, PB_SCHEMA))
        rc = fail(err, errlen, "%s: schema '%s' is not supported (this "
                  "parbench reads %s)", path, schema, PB_SCHEMA);
    else if (!cJSON_IsArray(r->runs = cJSON_GetObjectItem(r->doc, "runs")))
        rc = fail(err, errlen, "%s: no \"runs\" array", path);
    /* A `parbench metg` report holds its results in "metg", not runs. */
    else if ((r->nruns = cJSON_GetArraySize(r->runs)) == 0 &&
             !cJSON_IsArray(cJSON_GetObjectItem(r->doc, "metg")))
        rc = fail(err, errlen, "%s: the report has no runs", path);
    for (int i = 0; !rc && i < r->nruns; i++)
        rc = check_run(path, i, rl_run(r, i), err, errlen);
    if (rc) {
        rl_free(r);
        return rc;
    }
    r->hostname = rl_str(r->doc, "host.hostname");
    if (!r->hostname)
        r->hostname = "unknown host";
    r->cpu_model = rl_str(r->doc, "host.cpu_model");
    if (!r->cpu_model)
        r->cpu_model = "";
    r->created = rl_str(r->doc, "created");
    if (!r->created)
        r->created = "";
    r->cpus = rl_num(r->doc, "host.limits.effective_cpus");
    if (!(r->cpus > 0))
        r->cpus = rl_num(r->doc, "host.limits.cpus");
    if (!(r->cpus > 0))
        r->cpus = rl_num(r->doc, "host.topology.pus");
    return 0;
}

void rl_free(struct rl_report *r)
{
    cJSON_Delete(r->doc);
    r->doc = NULL;
    r->runs = NULL;
}

/* A value's canonical text, malloc'ed: strings as they are, numbers
 * %.17g (which tells any two doubles apart), objects and arrays as
 * compact JSON.  Never cut: the text decides which runs are "the same
 * configuration", so a fixed buffer here once paired two url runs whose
 * paths differed only after 95 characters. */
static char *value_text(const cJSON *v)
{
    char num[32];
    if (!v || cJSON_IsNull(v))
        return strdup("null");
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    if (cJSON_IsNumber(v)) {
        snprintf(num, sizeof num, "%.17g", v->valuedouble);
        return strdup(num);
    }
    if (cJSON_IsBool(v))
        return strdup(cJSON_IsTrue(v) ? "true" : "false");
    return cJSON_PrintUnformatted(v);
}

/* Params by name, then value: duplicate keys (which cJSON keeps) still
 * give one order, so two runs compare field by field. */
static int cmp_field(const void *a, const void *b)
{
    const struct rl_field *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static int add_field(struct rl_config *c, size_t *cap, const char *name,
                     char *value)
{
    if (!value)
        return -ENOMEM;
    if (pb_grow(&c->f, cap, (size_t)c->n, sizeof *c->f, 16)) {
        free(value);
        return -ENOMEM;
    }
    c->f[c->n].name = name;
    c->f[c->n++].value = value;
    return 0;
}

int rl_config_of(const cJSON *run, struct rl_config *c)
{
    static const char *const basic[] = {"workload", "runner", "workers", "tasks"};
    /* The limits asked for; how they were applied (mechanism) may differ
     * between hosts for the same request. */
    static const char *const lim[][2] = {
        {"cpus", "limits.cpus"}, {"memory", "limits.memory_bytes"},
        {"cpuset", "limits.cpuset"}, {"bind", "limits.bind"}};
    size_t cap = 0;
    int rc = 0;
    c->f = NULL, c->n = 0;
    for (int i = 0; i < 4 && !rc; i++)
        rc = add_field(c, &cap, basic[i], value_text(rl_get(run, basic[i])));
    int first = c->n;
    const cJSON *p;
    cJSON_ArrayForEach(p, rl_get(run, "params"))
        if (!rc && p->string && rl_param_is_config(p->string))
            rc = add_field(c, &cap, p->string, value_text(p));
    if (!rc)
        qsort(c->f + first, (size_t)(c->n - first), sizeof *c->f, cmp_field);
    for (int i = 0; i < 4 && !rc; i++) {
        const cJSON *v = rl_get(run, lim[i][1]);
        rc = add_field(c, &cap, lim[i][0],
                       !v && i == 3 ? strdup("none") : value_text(v));
    }
    if (rc)
        rl_config_free(c);
    return rc;
}

void rl_config_free(struct rl_config *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->f[i].value);
    free(c->f);
    c->f = NULL, c->n = 0;
}

int rl_config_equal(const struct rl_config *a, const struct rl_config *b,
                    const char *skip)
{
    int i = 0, j = 0;
    for (;;) {
        while (i < a->n && rl_in_list(skip, a->f[i].name))
            i++;
        while (j < b->n && rl_in_list(skip, b->f[j].name))
            j++;
        if (i == a->n || j == b->n)
            return i == a->n && j == b->n;
        if (strcmp(a->f[i].name, b->f[j].name) ||
            strcmp(a->f[i].value, b->f[j].value))
            return 0;
        i++, j++;
    }
}

int rl_same_config(const cJSON *a, const cJSON *b, const char *skip)
{
    struct rl_config ca, cb;
    if (rl_config_of(a, &ca))
        return -ENOMEM;
    if (rl_config_of(b, &cb)) {
        rl_config_free(&ca);
        return -ENOMEM;
    }
    int same = rl_config_equal(&ca, &cb, skip);
    rl_config_free(&ca), rl_config_free(&cb);
    return same;
}

const char *rl_config_value(const struct rl_config *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->f[i].name, name))
            return c->f[i].value;
    return NULL;
}

/* name is an element of the comma-separated list? */
int rl_in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, name, n))
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

int rl_field_text(const struct rl_field *f, char *buf, size_t n)
{
    buf[0] = 0;
    if (!strcmp(f->value, "null"))
        return 0;
    char *end, sz[32];
    double v = strtod(f->value, &end);
    /* Byte counts read better as "1GiB" than as 1073741824. */
    if ((!strcmp(f->name, "memory") || strstr(f->name, "bytes")) && !*end &&
        end != f->value && v >= 0 && v < 9e18) {
        pb_format_size((uint64_t)v, sz, sizeof sz);
        snprintf(buf, n, "%s=%s", f->name, sz);
    } else {
        snprintf(buf, n, "%s=%s", f->name, f->value);
    }
    return 1;
}

const char *rl_runner(const cJSON *run)
{
    const char *l = rl_str(run, "runner_label");
    if (l && *l)
        return l;
    l = rl_str(run, "runner");
    return l ? l : "?";
}

void rl_label(const cJSON *run, const char *extra, const char *skip,
              char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
#define ADD(...)                                                   \
    do {                                                           \
        if (used < n)                                              \
            used += (size_t)snprintf(buf + used, n - used, __VA_ARGS__); \
    } while (0)
    ADD("%s", rl_str(run, "workload"));
    if (!rl_in_list(skip, "runner"))
        ADD(" %s", rl_runner(run));
    if (!rl_in_list(skip, "workers"))
        ADD(" w=%g", rl_num(run, "workers"));
    if (!rl_in_list(skip, "tasks"))
        ADD(" t=%g", rl_num(run, "tasks"));
    struct rl_config c;
    char kv[160];
    if (rl_config_of(run, &c)) {
        ADD(" (out of memory)");
        return;
    }
    for (int i = 4; i < c.n; i++)
        if (rl_in_list(extra, c.f[i].name) && !rl_in_list(skip, c.f[i].name) &&
            rl_field_text(&c.f[i], kv, sizeof kv))
            ADD(" %s", kv);
    rl_config_free(&c);
#undef ADD
}

void rl_varying(const cJSON *const *runs, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    struct rl_config *c = n ? calloc(n, sizeof *c) : NULL;
    for (size_t r = 0; c && r < n; r++)
        if (rl_config_of(runs[r], &c[r]))
            c[r].n = 0; /* out of memory: that run shows no extra fields */
#define ADD(name)                                                          \
    do {                                                                   \
        if (!rl_in_list(buf, name) && used < len)                          \
            used += (size_t)snprintf(buf + used, len - used, "%s%s",       \
                                     used ? "," : "", name);               \
    } while (0)
    /* A field varies when some run lacks it or has another value than
     * the first run that has it. */
    for (size_t r = 0; c && r < n; r++)
        for (int a = 4; a < c[r].n; a++) {
            const char *name = c[r].f[a].name, *v0 = c[r].f[a].value;
            for (size_t q = 0; q < n; q++) {
                const char *v = rl_config_value(&c[q], name);
                if (!v || strcmp(v, v0)) {
                    ADD(name);
                    break;
                }
            }
        }
#undef ADD
    for (size_t r = 0; c && r < n; r++)
        rl_config_free(&c[r]);
    free(c);
}
