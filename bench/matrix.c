/* bench/matrix.c: loading and expanding matrix files (see matrix.h).
 *
 * Everything is checked before a single cell runs: unknown keys, wrong
 * types, empty lists, values the run option parser rejects, excludes that
 * name keys the experiment does not have.  Each error is one line naming
 * the key, e.g. "experiments[1].grid.tasks[2]: '0' is out of range". */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/config.h"
#include "bench/matrix.h"
#include "bench/parse.h"

/* Options that belong to the matrix as a whole, not to a cell. */
static const char *const not_in_cells[] = {"output", "dump", "quiet", NULL};

static int value_text(const cJSON *v, char *buf, size_t n)
{
    if (cJSON_IsString(v)) {
        if (strlen(v->valuestring) >= n)
            return -1;
        snprintf(buf, n, "%s", v->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9e15)
            snprintf(buf, n, "%.0f", d);
        else
            snprintf(buf, n, "%.10g", d);
        return 0;
    }
    return -1;
}

/* Is `name` a cell option, and does `text` parse as its value? */
static int check_value(const char *where, const char *name, const char *text,
                       char *err, size_t errlen)
{
    for (int i = 0; not_in_cells[i]; i++)
        if (!strcmp(name, not_in_cells[i])) {
            snprintf(err, errlen, "%s: '%s' cannot be set per cell", where,
                     name);
            return -EINVAL;
        }
    struct run_config c;
    config_defaults(&c);
    char sub[256];
    if (config_set(&c, name, text, sub, sizeof sub)) {
        if (strstr(sub, "unknown option"))
            snprintf(err, errlen, "%s: unknown key '%s' (keys are `parbench "
                     "run` options)", where, name);
        else
            snprintf(err, errlen, "%s: %s", where, sub);
        return -EINVAL;
    }
    return 0;
}

/* An object of name -> scalar (set, defaults) checked into opts. */
static int scalars(const cJSON *obj, const char *where, struct cell *proto,
                   char *err, size_t errlen)
{
    if (!obj)
        return 0;
    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "%s: expected an object", where);
        return -EINVAL;
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, obj) {
        char at[160];
        snprintf(at, sizeof at, "%s.%s", where, v->string);
        if (proto->nopts >= CELL_MAX_OPTS) {
            snprintf(err, errlen, "%s: too many options", at);
            return -EINVAL;
        }
        struct cell_opt *o = &proto->opts[proto->nopts];
        if (value_text(v, o->value, sizeof o->value)) {
            snprintf(err, errlen, "%s: expected a string or a number", at);
            return -EINVAL;
        }
        if (check_value(at, v->string, o->value, err, errlen))
            return -EINVAL;
        o->name = v->string;
        proto->nopts++;
    }
    return 0;
}

static const char *cell_get(const struct cell *c, const char *name)
{
    const char *val = NULL; /* later entries override earlier ones */
    for (size_t i = 0; i < c->nopts; i++)
        if (!strcmp(c->opts[i].name, name))
            val = c->opts[i].value;
    return val;
}

/* Does exclude entry ex (name -> scalar or list) match cell c? */
static int excluded(const cJSON *ex, const struct cell *c)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, ex) {
        const char *have = cell_get(c, v->string);
        if (!have)
            return 0;
        int any = 0;
        char t[96];
        if (cJSON_IsArray(v)) {
            const cJSON *e;
            cJSON_ArrayForEach(e, v)
                any |= !value_text(e, t, sizeof t) && !strcmp(t, have);
        } else {
            any = !value_text(v, t, sizeof t) && !strcmp(t, have);
        }
        if (!any)
            return 0;
    }
    return 1;
}

/* FNV-1a of a cell's key, for m->index. */
static size_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

/* The m->index slot holding key, or the empty slot where it goes.  The
 * index is kept at most half full (grown here), so this is constant time
 * where comparing each cell with every one before it took minutes for a
 * 20,000-value grid list.  NULL when out of memory. */
static size_t *index_slot(struct matrix *m, const char *key)
{
    if (2 * (m->ncells + 1) > m->nindex) {
        size_t n = m->nindex ? 2 * m->nindex : 64;
        size_t *ix = calloc(n, sizeof *ix);
        if (!ix)
            return NULL;
        for (size_t i = 0; i < m->ncells; i++) {
            size_t h = key_hash(m->cells[i].key) & (n - 1);
            while (ix[h])
                h = (h + 1) & (n - 1);
            ix[h] = i + 1;
        }
        free(m->index);
        m->index = ix, m->nindex = n;
    }
    size_t h = key_hash(key) & (m->nindex - 1);
    while (m->index[h] && strcmp(m->cells[m->index[h] - 1].key, key))
        h = (h + 1) & (m->nindex - 1);
    return &m->index[h];
}

static int push(struct matrix *m, size_t *cap, const struct cell *c)
{
    size_t *slot = index_slot(m, c->key);
    if (!slot)
        return -ENOMEM;
    if (*slot)
        return 1; /* the same configuration twice */
    if (m->ncells == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        struct cell *p = realloc(m->cells, nc * sizeof *p);
        if (!p)
            return -ENOMEM;
        m->cells = p, *cap = nc;
    }
    m->cells[m->ncells++] = *c;
    *slot = m->ncells;
    return 0;
}

/* Canonical key; a runner that runs one worker gets workers=1, so
 * "single x workers [1, 2]" is one cell, not two. */
static void finish_cell(struct cell *c)
{
    const char *r = cell_get(c, "runner");
    const struct runner *run = r ? runner_find(r) : NULL;
    if (run && run->max_workers == 1 && cell_get(c, "workers") &&
        c->nopts < CELL_MAX_OPTS) {
        c->opts[c->nopts].name = "workers";
        snprintf(c->opts[c->nopts].value, sizeof c->opts[0].value, "1");
        c->nopts++;
    }
    c->key[0] = 0;
    for (size_t i = 0; i < c->nopts; i++) {
        /* Only the value in force for each name. */
        if (cell_get(c, c->opts[i].name) != c->opts[i].value)
            continue;
        size_t l = strlen(c->key);
        snprintf(c->key + l, sizeof c->key - l, "%s%s=%s", l ? " " : "",
                 c->opts[i].name, c->opts[i].value);
    }
}

static int experiment(struct matrix *m, size_t *cap, const cJSON *ex,
                      const char *where, const struct cell *defaults,
                      char *err, size_t errlen)
{
    static const char *const keys[] = {"name", "description", "grid", "set",
                                       "exclude", NULL};
    const cJSON *v;
    cJSON_ArrayForEach(v, ex) {
        int ok = 0;
        for (int i = 0; keys[i]; i++)
            ok |= !strcmp(v->string, keys[i]);
        if (!ok) {
            snprintf(err, errlen, "%s: unknown key '%s'", where, v->string);
            return -EINVAL;
        }
    }
    struct cell proto = *defaults;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(ex, "name");
    if (name && !cJSON_IsString(name)) {
        snprintf(err, errlen, "%s.name: expected a string", where);
        return -EINVAL;
    }
    proto.experiment = name ? name->valuestring : "";
    char at[160];
    snprintf(at, sizeof at, "%s.set", where);
    if (scalars(cJSON_GetObjectItemCaseSensitive(ex, "set"), at, &proto, err,
                errlen))
        return -EINVAL;
    const cJSON *grid = cJSON_GetObjectItemCaseSensitive(ex, "grid");
    snprintf(at, sizeof at, "%s.grid", where);
    if (!cJSON_IsObject(grid) || !grid->child) {
        snprintf(err, errlen, "%s: expected an object of option -> list", at);
        return -EINVAL;
    }
    const cJSON *dims[CELL_MAX_OPTS];
    size_t nd = 0;
    cJSON_ArrayForEach(v, grid) {
        char k[200];
        snprintf(k, sizeof k, "%s.%s", at, v->string);
        if (!cJSON_IsArray(v) || !v->child) {
            snprintf(err, errlen, "%s: expected a non-empty list", k);
            return -EINVAL;
        }
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            char t[96], ke[220];
            snprintf(ke, sizeof ke, "%s[%d]", k, i++);
            if (value_text(e, t, sizeof t)) {
                snprintf(err, errlen, "%s: expected a string or a number", ke);
                return -EINVAL;
            }
            if (check_value(ke, v->string, t, err, errlen))
                return -EINVAL;
        }
        if (nd + proto.nopts >= CELL_MAX_OPTS) {
            snprintf(err, errlen, "%s: too many options", at);
            return -EINVAL;
        }
        dims[nd++] = v;
    }
    const cJSON *exl = cJSON_GetObjectItemCaseSensitive(ex, "exclude");
    snprintf(at, sizeof at, "%s.exclude", where);
    if (exl && !cJSON_IsArray(exl)) {
        snprintf(err, errlen, "%s: expected a list of objects", at);
        return -EINVAL;
    }
    const cJSON *e;
    int ei = 0;
    cJSON_ArrayForEach(e, exl) {
        if (!cJSON_IsObject(e) || !e->child) {
            snprintf(err, errlen, "%s[%d]: expected a non-empty object", at, ei);
            return -EINVAL;
        }
        cJSON_ArrayForEach(v, e) {
            if (!cJSON_GetObjectItemCaseSensitive(grid, v->string) &&
                !cell_get(&proto, v->string)) {
                snprintf(err, errlen, "%s[%d]: '%s' is not a key of this "
                         "experiment", at, ei, v->string);
                return -EINVAL;
            }
        }
        ei++;
    }
    /* Bounded before it is built: 40 keys of two values (repeating a
     * key is legal JSON) are 2^40 cells, which would never finish. */
    size_t total = 1;
    for (size_t d = 0; d < nd; d++) {
        size_t len = (size_t)cJSON_GetArraySize(dims[d]);
        total = total > MATRIX_MAX_CELLS / len ? MATRIX_MAX_CELLS + 1
                                               : total * len;
    }
    if (total > MATRIX_MAX_CELLS - m->ncells) {
        snprintf(err, errlen, "%s.grid: more than %d cells in the matrix "
                 "(the lists multiply)", where, MATRIX_MAX_CELLS);
        return -E2BIG;
    }
    /* The cartesian product, last grid key varying fastest. */
    const cJSON *pos[CELL_MAX_OPTS];
    for (size_t d = 0; d < nd; d++)
        pos[d] = dims[d]->child;
    for (;;) {
        struct cell c = proto;
        for (size_t d = 0; d < nd; d++) {
            c.opts[c.nopts].name = dims[d]->string;
            value_text(pos[d], c.opts[c.nopts].value, sizeof c.opts[0].value);
            c.nopts++;
        }
        finish_cell(&c);
        int x = 0;
        cJSON_ArrayForEach(e, exl) x |= excluded(e, &c);
        int rc = x ? 1 : push(m, cap, &c);
        if (rc < 0) {
            snprintf(err, errlen, "out of memory expanding the matrix");
            return rc;
        }
        m->skipped += rc == 1;
        size_t d = nd;
        while (d > 0) {
            d--;
            pos[d] = pos[d]->next;
            if (pos[d])
                break;
            pos[d] = dims[d]->child;
            if (d == 0)
                return 0;
        }
        if (nd == 0)
            return 0;
    }
}

int matrix_load(const char *path, struct matrix *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -EINVAL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            char *t = realloc(text, cap = cap ? 2 * cap : 65536);
            if (!t)
                break;
            text = t;
        }
        size_t r = fread(text + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    fclose(f);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    text[len] = 0;
    int rc = matrix_parse(path, text, m, err, errlen);
    free(text);
    return rc;
}

int matrix_parse(const char *path, const char *text, struct matrix *m,
                 char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    const char *end = NULL;
    m->doc = cJSON_ParseWithOpts(text, &end, 1);
    if (!m->doc) {
        size_t line = 1;
        for (const char *p = text; end && p < end; p++)
            line += *p == '\n';
        snprintf(err, errlen, "%s: not valid JSON (near line %zu)", path, line);
        return -EINVAL;
    }
    int rc = -EINVAL;
    if (!cJSON_IsObject(m->doc)) {
        snprintf(err, errlen, "%s: expected a JSON object", path);
        goto fail;
    }
    static const char *const top[] = {"name", "description", "defaults",
        "experiments", "grid", "set", "exclude", NULL};
    const cJSON *v;
    cJSON_ArrayForEach(v, m->doc) {
        int ok = 0;
        for (int i = 0; top[i]; i++)
            ok |= !strcmp(v->string, top[i]);
        if (!ok) {
            snprintf(err, errlen, "%s: unknown key '%s'", path, v->string);
            goto fail;
        }
    }
    struct cell defaults = {0};
    if (scalars(cJSON_GetObjectItemCaseSensitive(m->doc, "defaults"),
                "defaults", &defaults, err, errlen))
        goto fail;
    const cJSON *exps = cJSON_GetObjectItemCaseSensitive(m->doc, "experiments");
    int has_grid = cJSON_GetObjectItemCaseSensitive(m->doc, "grid") != NULL;
    size_t ccap = 0;
    if (exps && has_grid) {
        snprintf(err, errlen, "%s: use either 'experiments' or a top-level "
                 "'grid', not both", path);
        goto fail;
    }
    if (has_grid) {
        cJSON *one = cJSON_Duplicate(m->doc, 1);
        cJSON_DeleteItemFromObject(one, "defaults");
        cJSON_DeleteItemFromObject(one, "experiments");
        cJSON_ReplaceItemInObject(m->doc, "grid", one); /* keep it alive */
        rc = experiment(m, &ccap, one, "matrix", &defaults, err, errlen);
        if (rc)
            goto fail;
    } else {
        if (!cJSON_IsArray(exps) || !exps->child) {
            snprintf(err, errlen, "experiments: expected a non-empty list");
            goto fail;
        }
        int i = 0;
        const cJSON *ex;
        cJSON_ArrayForEach(ex, exps) {
            char where[64];
            snprintf(where, sizeof where, "experiments[%d]", i++);
            if (!cJSON_IsObject(ex)) {
                snprintf(err, errlen, "%s: expected an object", where);
                goto fail;
            }
            rc = experiment(m, &ccap, ex, where, &defaults, err, errlen);
            if (rc)
                goto fail;
        }
    }
    if (m->ncells == 0) {
        snprintf(err, errlen, "%s: every cell is excluded", path);
        rc = -EINVAL;
        goto fail;
    }
    return 0;
fail:
    pb_text_oneline(err); /* keys and values echoed may hold anything */
    matrix_free(m);
    return rc ? rc : -EINVAL;
}

void matrix_free(struct matrix *m)
{
    cJSON_Delete(m->doc);
    free(m->cells);
    free(m->index);
    memset(m, 0, sizeof *m);
}
