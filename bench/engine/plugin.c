/* bench/engine/plugin.c: the options, help and report entries of workloads
 * and runners, asked of their own declarations (see plugin.h).  Every
 * loop here runs over wl_table and runner_table: a plug-in added to
 * kernels/list.h or runners/list.h shows up with no change here. */
#include <errno.h>
#include <string.h>

#include "bench/cli/opts.h"
#include "bench/engine/plugin.h"

/* Each declaring row of name, in table order: workloads, then runners.
 * Internal rows (help NULL) are not options of the command line. */
struct decl {
    const struct opt *row;
    const char *owner; /* the workload's or runner's name */
    int is_runner;
};

static size_t declarations(const char *name, struct decl *d, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; wl_table[i]; i++) {
        const struct opt *o = opt_find(wl_table[i]->opts, wl_table[i]->nopts,
                                       name);
        if (o && o->help && k < cap)
            d[k++] = (struct decl){o, wl_table[i]->name, 0};
    }
    for (size_t i = 0; runner_table[i]; i++) {
        const struct opt *o =
            opt_find(runner_table[i]->opts, runner_table[i]->nopts, name);
        if (o && o->help && k < cap)
            d[k++] = (struct decl){o, runner_table[i]->name, 1};
    }
    return k;
}

#define DECL_MAX 32

const struct opt *plug_find(const char *name)
{
    struct decl d[1];
    return declarations(name, d, 1) ? d[0].row : NULL;
}

int plug_set(struct plug_values *pv, const char *name, const char *value,
             char *err, size_t errlen)
{
    struct decl d[DECL_MAX];
    size_t nd = declarations(name, d, DECL_MAX);
    if (!nd) {
        snprintf(err, errlen, "unknown option '--%s'", name);
        return -ENOENT;
    }
    /* Parsed into scratch space shaped like any plug-in's struct. */
    _Alignas(max_align_t) unsigned char scratch[PB_PARAMS_MAX];
    int rc = -EINVAL;
    for (size_t k = nd; k-- > 0;)
        if (opt_set(d[k].row, scratch, value, err, errlen) == 0)
            rc = 0; /* err keeps the first row's message otherwise */
    if (rc)
        return rc;
    unsigned i = 0;
    while (i < pv->n && strcmp(pv->v[i].name, d[0].row->name))
        i++;
    size_t len = strlen(value) + 1;
    if (i == PLUG_VALUES_MAX || len > PLUG_TEXT_MAX - pv->used) {
        snprintf(err, errlen, "--%s: workload and runner options exceed "
                 "%d values or %d bytes in all", name, PLUG_VALUES_MAX,
                 PLUG_TEXT_MAX);
        return -E2BIG;
    }
    /* The row's name: it lives as long as the program.  A value given
     * again takes new space (the old stays unused: a handful of bytes). */
    pv->v[i].name = d[0].row->name;
    pv->v[i].at = pv->used;
    memcpy(pv->text + pv->used, value, len);
    pv->used += (unsigned)len;
    if (i == pv->n)
        pv->n++;
    return 0;
}

int plug_apply(const struct opt *t, size_t n, void *base,
               const struct plug_values *pv, char *err, size_t errlen)
{
    memset(base, 0, PB_PARAMS_MAX);
    for (size_t i = 0; i < n; i++)
        if (t[i].def && opt_set(&t[i], base, t[i].def, err, errlen))
            return -EINVAL; /* a bad default: the declaration's bug */
    for (unsigned k = 0; k < pv->n; k++) {
        const struct opt *o = opt_find(t, n, pv->v[k].name);
        if (o && o->help &&
            opt_set(o, base, pv->text + pv->v[k].at, err, errlen))
            return -EINVAL;
    }
    return 0;
}

int plug_unused(const struct plug_values *pv, const struct workload_ops *wo,
                const struct runner *r, char *err, size_t errlen)
{
    for (unsigned k = 0; k < pv->n; k++) {
        const char *name = pv->v[k].name;
        if (opt_find(wo->opts, wo->nopts, name) ||
            opt_find(r->opts, r->nopts, name))
            continue;
        struct decl d[DECL_MAX];
        size_t nd = declarations(name, d, DECL_MAX), nr = 0;
        char who[256] = "";
        int workload = 0;
        for (size_t i = 0; i < nd; i++) {
            workload |= !d[i].is_runner;
            if (d[i].is_runner) {
                size_t l = strlen(who);
                snprintf(who + l, sizeof who - l, "%s%s", nr++ ? ", " : "",
                         d[i].owner);
            }
        }
        if (workload)
            continue; /* another workload's: ignored, as ever */
        snprintf(err, errlen, "--%s works with the %s runner%s only", name,
                 who, nr > 1 ? "s" : "");
        return -EINVAL;
    }
    return 0;
}

/* ---- help --------------------------------------------------------------- */

void plug_print_help(FILE *f)
{
    for (size_t i = 0; wl_table[i]; i++)
        if (wl_table[i]->nopts) {
            fprintf(f, "\n%s workload (--workload %s):\n", wl_table[i]->name,
                    wl_table[i]->name);
            opt_print(f, wl_table[i]->opts, wl_table[i]->nopts);
        }
    for (size_t i = 0; runner_table[i]; i++)
        if (runner_table[i]->nopts) {
            fprintf(f, "\n%s runner (--runner %s):\n", runner_table[i]->name,
                    runner_table[i]->name);
            opt_print(f, runner_table[i]->opts, runner_table[i]->nopts);
        }
}

/* Markdown table cells: '|' escaped, so "a|b" stays in its cell. */
static void md_put(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void md_rows(FILE *f, const char *owner, const struct opt *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!t[i].help)
            continue;
        fprintf(f, "| `--%s", t[i].name);
        if (t[i].type != OT_FLAG) {
            fputc(' ', f);
            md_put(f, t[i].meta);
        }
        fputs("` | ", f);
        if (owner)
            fprintf(f, "%s: ", owner);
        md_put(f, t[i].help);
        if (t[i].def) {
            fputs(" (", f);
            md_put(f, t[i].def);
            fputc(')', f);
        }
        fputs(" |\n", f);
    }
}

void plug_print_markdown(FILE *f, const struct opt *c, size_t n)
{
    fputs("| option | meaning (default) |\n|---|---|\n", f);
    md_rows(f, NULL, c, n);
    for (size_t i = 0; wl_table[i]; i++)
        md_rows(f, wl_table[i]->name, wl_table[i]->opts, wl_table[i]->nopts);
    for (size_t i = 0; runner_table[i]; i++)
        md_rows(f, runner_table[i]->name, runner_table[i]->opts,
                runner_table[i]->nopts);
}

void plug_option_names(const struct opt *t, size_t n, char *buf, size_t len)
{
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(buf);
        if (t[i].help)
            snprintf(buf + l, len - l, "%s--%s", l ? " " : "", t[i].name);
    }
}

void plug_dump_workloads(char *buf, size_t len)
{
    buf[0] = 0;
    for (size_t i = 0; wl_table[i]; i++) {
        size_t l = strlen(buf);
        if (wl_table[i]->dump)
            snprintf(buf + l, len - l, "%s%s", l ? ", " : "",
                     wl_table[i]->name);
    }
}

/* ---- the report --------------------------------------------------------- */

static void sink_num(void *ctx, const char *key, double v)
{
    cJSON_AddNumberToObject(ctx, key, v);
}

static void sink_str(void *ctx, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(ctx, key, v);
    else
        cJSON_AddNullToObject(ctx, key);
}

void plug_report(const struct workload *w, int setup_done, cJSON *params,
                 cJSON *derived)
{
    if (w->ops->report && params)
        w->ops->report(w, &(struct wl_sink){params, sink_num, sink_str});
    /* What the workload derived from params (image geometry, the
     * calibrated spin count): facts of this run, not configuration, so
     * two hosts asked the same thing still pair up in `compare`. */
    if (w->ops->describe && setup_done && derived) {
        const char *keys[16];
        double vals[16];
        int k = w->ops->describe(w, keys, vals, 16);
        for (int i = 0; i < k; i++)
            cJSON_AddNumberToObject(derived, keys[i], vals[i]);
    }
}

int plug_runner_is_baseline(const char *name)
{
    const struct runner *r = name ? runner_find(name) : NULL;
    return r && r->baseline;
}

const char *plug_baseline_runner(void)
{
    for (size_t i = 0; runner_table[i]; i++)
        if (runner_table[i]->baseline)
            return runner_table[i]->name;
    return "baseline";
}

int plug_workers_chart(const char *name)
{
    const struct workload_ops *wo = name ? wl_find(name) : NULL;
    return wo && wo->workers_chart;
}
