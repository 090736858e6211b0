/* bench/engine/matrix.c: loading and expanding matrix files (see matrix.h).
 *
 * Everything is checked before a single cell runs: unknown keys, wrong
 * types, empty lists, values the run option parser rejects, excludes that
 * name keys the experiment does not have.  Each error is one line naming
 * the key, e.g. "experiments[1].grid.tasks[2]: '0' is out of range". */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/config.h"
#include "bench/engine/matrix.h"
#include "bench/cli/parse.h"
#include "bench/util/grow.h"
#include "bench/util/safeio.h"

/* A matrix is run cell by cell, each at least a fraction of a second: more
 * cells than this is a mistake (a generated list gone wrong), and
 * expanding it would take the time and memory (about 6 KB a cell) the
 * user did not mean to spend.  Checked on the product of the list lengths,
 * before anything is expanded. */
#define MATRIX_MAX_CELLS 10000
/* Slots of the open-addressing set of cell keys (power of two, at least
 * twice MATRIX_MAX_CELLS, so probing stays short). */
#define KEY_SLOTS 32768

/* Options that belong to the matrix as a whole, not to a cell. */
static const char *const not_in_cells[] = {"output", "dump", "quiet", NULL};

/* A scalar of the file as a cell value: 0, or -1 for anything else.
 * Numbers get the shortest text that reads back as the same double, so
 * two numbers that differ anywhere are two cells.  An array of strings
 * is a command and its arguments (an OT_ARGV option such as --exec),
 * whose value is the array's JSON text: made once and kept in the node's
 * unused valuestring, which cJSON_Delete frees with the document. */
static int value_text(const cJSON *v, struct cell_opt *o)
{
    o->str = NULL;
    if (cJSON_IsString(v)) {
        o->str = v->valuestring;
        return 0;
    }
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
        const cJSON *e;
        cJSON_ArrayForEach(e, v)
            if (!cJSON_IsString(e))
                return -1;
        if (!v->valuestring)
            ((cJSON *)v)->valuestring = cJSON_PrintUnformatted(v);
        o->str = v->valuestring;
        return o->str ? 0 : -1;
    }
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    if (d == floor(d) && fabs(d) < 9e15)
        snprintf(o->num, sizeof o->num, "%.0f", d);
    else if (snprintf(o->num, sizeof o->num, "%.15g", d),
             strtod(o->num, NULL) != d)
        snprintf(o->num, sizeof o->num, "%.17g", d);
    return 0;
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
    int rc = config_set(&c, name, text, sub, sizeof sub);
    if (rc) {
        if (rc == -ENOENT)
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
        if (value_text(v, o)) {
            snprintf(err, errlen, "%s: expected a string or a number", at);
            return -EINVAL;
        }
        if (check_value(at, v->string, cell_opt_value(o), err, errlen))
            return -EINVAL;
        o->name = v->string;
        proto->nopts++;
    }
    return 0;
}

/* The option in force for name (later entries override earlier ones),
 * or NULL. */
static const struct cell_opt *cell_opt(const struct cell *c, const char *name)
{
    const struct cell_opt *o = NULL;
    for (size_t i = 0; i < c->nopts; i++)
        if (!strcmp(c->opts[i].name, name))
            o = &c->opts[i];
    return o;
}

static const char *cell_get(const struct cell *c, const char *name)
{
    const struct cell_opt *o = cell_opt(c, name);
    return o ? cell_opt_value(o) : NULL;
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
        struct cell_opt t;
        if (cJSON_IsArray(v)) {
            const cJSON *e;
            cJSON_ArrayForEach(e, v)
                any |= !value_text(e, &t) && !strcmp(cell_opt_value(&t), have);
        } else {
            any = !value_text(v, &t) && !strcmp(cell_opt_value(&t), have);
        }
        if (!any)
            return 0;
    }
    return 1;
}

/* Add c unless a cell with its key is there already (1).  Keys are found
 * through a hash set of cell indices, so expansion stays linear. */
static int push(struct matrix *m, size_t *cap, const struct cell *c)
{
    size_t h = (size_t)pb_hash64(c->key, strlen(c->key), 0) & (KEY_SLOTS - 1);
    for (; m->slots[h]; h = (h + 1) & (KEY_SLOTS - 1))
        if (!strcmp(m->cells[m->slots[h] - 1].key, c->key))
            return 1; /* the same configuration twice */
    if (m->ncells >= MATRIX_MAX_CELLS)
        return -E2BIG;
    if (pb_grow(&m->cells, cap, m->ncells, sizeof *m->cells, 16))
        return -ENOMEM;
    m->cells[m->ncells++] = *c;
    m->slots[h] = m->ncells;
    return 0;
}

/* Append s to the key at *len (capacity *cap), with ' ' and '\\' escaped
 * when esc: names never hold a space, so "a=x b=y" then reads one way
 * only, whatever the values hold. */
static int key_add(char **key, size_t *len, size_t *cap, const char *s, int esc)
{
    for (; *s; s++) {
        if (pb_grow(key, cap, *len + 2, 1, 128)) /* room for 3 more */
            return -ENOMEM;
        if (esc && (*s == ' ' || *s == '\\'))
            (*key)[(*len)++] = '\\';
        (*key)[(*len)++] = *s;
        (*key)[*len] = 0;
    }
    return 0;
}

/* Canonical key, whole however long (once cut at 1024 bytes, which merged
 * distinct cells); a runner that runs one worker gets workers=1, so
 * "single x workers [1, 2]" is one cell, not two.  0 or -ENOMEM. */
static int finish_cell(struct cell *c)
{
    const char *r = cell_get(c, "runner");
    const struct runner *run = r ? runner_find(r) : NULL;
    if (run && run->max_workers == 1 && cell_get(c, "workers") &&
        c->nopts < CELL_MAX_OPTS) {
        c->opts[c->nopts].name = "workers";
        c->opts[c->nopts].str = "1";
        c->nopts++;
    }
    size_t len = 0, cap = 0;
    int rc = 0;
    c->key = NULL;
    for (size_t i = 0; i < c->nopts && !rc; i++) {
        /* Only the value in force for each name. */
        if (cell_opt(c, c->opts[i].name) != &c->opts[i])
            continue;
        rc = key_add(&c->key, &len, &cap, len ? " " : "", 0);
        if (!rc)
            rc = key_add(&c->key, &len, &cap, c->opts[i].name, 0);
        if (!rc)
            rc = key_add(&c->key, &len, &cap, "=", 0);
        if (!rc)
            rc = key_add(&c->key, &len, &cap, cell_opt_value(&c->opts[i]), 1);
    }
    if (!rc && !c->key)
        c->key = strdup("");
    if (rc || !c->key) {
        free(c->key);
        c->key = NULL;
        return -ENOMEM;
    }
    return 0;
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
    /* Size first: a list of 200,000 values is refused before any of them
     * is parsed. */
    double combos = 1;
    cJSON_ArrayForEach(v, grid)
        combos *= cJSON_IsArray(v) ? (double)cJSON_GetArraySize(v) : 1;
    if (combos > MATRIX_MAX_CELLS) {
        snprintf(err, errlen, "%s: %.0f combinations; a matrix runs at most "
                 "%d cells (split it into several matrices)", at, combos,
                 MATRIX_MAX_CELLS);
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
            struct cell_opt t;
            char ke[220];
            snprintf(ke, sizeof ke, "%s[%d]", k, i++);
            if (value_text(e, &t)) {
                snprintf(err, errlen, "%s: expected a string or a number", ke);
                return -EINVAL;
            }
            if (check_value(ke, v->string, cell_opt_value(&t), err, errlen))
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
    /* The cartesian product, last grid key varying fastest. */
    const cJSON *pos[CELL_MAX_OPTS];
    for (size_t d = 0; d < nd; d++)
        pos[d] = dims[d]->child;
    for (;;) {
        struct cell c = proto;
        for (size_t d = 0; d < nd; d++) {
            c.opts[c.nopts].name = dims[d]->string;
            value_text(pos[d], &c.opts[c.nopts]);
            c.nopts++;
        }
        int x = 0, rc = finish_cell(&c);
        cJSON_ArrayForEach(e, exl) x |= excluded(e, &c);
        if (!rc)
            rc = x ? 1 : push(m, cap, &c);
        if (rc != 0)
            free(c.key); /* excluded, a duplicate, or not stored */
        if (rc == -E2BIG) {
            snprintf(err, errlen, "%s: the matrix has more than %d cells "
                     "(split it into several matrices)", where,
                     MATRIX_MAX_CELLS);
            return -EINVAL;
        }
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

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* JSON allows the same key twice in an object and cJSON keeps both; a
 * matrix that says "tasks" twice says two things, so it is refused.  Every
 * object of the document is checked (names sorted: n log n, whatever the
 * file's size).  where is the object's path, "" at the top. */
static int no_duplicates(const cJSON *o, const char *where, char *err,
                         size_t errlen)
{
    size_t n = 0, i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, o) n++;
    if (cJSON_IsObject(o) && n > 1) {
        const char **names = malloc(n * sizeof *names);
        if (!names) {
            snprintf(err, errlen, "out of memory reading the matrix");
            return -ENOMEM;
        }
        cJSON_ArrayForEach(v, o) names[i++] = v->string ? v->string : "";
        qsort(names, n, sizeof *names, by_name);
        for (i = 1; i < n && strcmp(names[i - 1], names[i]); i++)
            ;
        if (i < n)
            snprintf(err, errlen, "%s%sduplicate key '%s'", where,
                     *where ? ": " : "", names[i]);
        free(names);
        if (i < n)
            return -EINVAL;
    }
    i = 0;
    cJSON_ArrayForEach(v, o) {
        if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) {
            i++;
            continue;
        }
        char sub[200];
        if (cJSON_IsArray(o))
            snprintf(sub, sizeof sub, "%s[%zu]", where, i);
        else
            snprintf(sub, sizeof sub, "%s%s%s", where, *where ? "." : "",
                     v->string);
        if (no_duplicates(v, sub, err, errlen))
            return -EINVAL;
        i++;
    }
    return 0;
}

int matrix_load(const char *path, struct matrix *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    char *text;
    size_t len;
    int rc = pb_read_file(path, &text, &len, err, errlen);
    if (rc)
        return rc == -ENOMEM ? rc : -EINVAL;
    rc = matrix_parse(path, text, m, err, errlen);
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
    char top_err[300];
    if (no_duplicates(m->doc, "", top_err, sizeof top_err)) {
        snprintf(err, errlen, "%s: %s", path, top_err);
        goto fail;
    }
    m->slots = calloc(KEY_SLOTS, sizeof *m->slots);
    if (!m->slots) {
        snprintf(err, errlen, "%s: out of memory", path);
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
    for (size_t i = 0; i < m->ncells; i++)
        free(m->cells[i].key);
    cJSON_Delete(m->doc);
    free(m->cells);
    free(m->slots);
    memset(m, 0, sizeof *m);
}
