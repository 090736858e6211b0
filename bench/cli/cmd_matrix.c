/* bench/cli/cmd_matrix.c: `parbench matrix FILE.json`, a grid of runs into one
 * report.
 *
 * Every cell is checked (options, combinations, workload parameters)
 * before the first one runs.  Results are kept as they come: after each
 * cell the whole report is rewritten atomically, so a matrix killed at any
 * moment (kill -9 included) leaves a valid report holding every finished
 * cell, and `--resume` skips the cells the report already holds (matched
 * by their canonical key).  A failed or OOM-killed cell is recorded and the
 * matrix goes on.
 */
#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cli/commands.h"
#include "bench/engine/estimate.h"
#include "bench/engine/execute.h"
#include "bench/report/jsonmem.h"
#include "bench/engine/matrix.h"
#include "bench/cli/opts.h"
#include "bench/report/report.h"
#include "bench/report/reportlock.h"
#include "bench/engine/run.h"
#include "bench/engine/server_proc.h"

struct margs {
    const char *file, *output;
    int resume, dry_run, quiet, force;
};

#define F(field) offsetof(struct margs, field)
static const struct opt mopts[] = {
    {"output", OT_STR, F(output), 0, 0, "FILE", "the report, rewritten after every cell (required)", NULL},
    {"resume", OT_FLAG, F(resume), 0, 0, "", "run only the cells the report lacks", NULL},
    {"dry-run", OT_FLAG, F(dry_run), 0, 0, "", "list the cells and an estimated duration", NULL},
    {"quiet", OT_FLAG, F(quiet), 0, 0, "", "no progress on the terminal", NULL},
    {"force", OT_FLAG, F(force), 0, 0, "", "run cells that need more memory than is available", NULL},
};
#undef F
#define NMOPTS (sizeof mopts / sizeof *mopts)

static int parse_args(int argc, char **argv, struct margs *a)
{
    memset(a, 0, sizeof *a);
    char err[300];
    size_t npos = 0;
    if (opt_parse(mopts, NMOPTS, a, NULL, argc, argv, &a->file, 1, &npos, err,
                  sizeof err))
        return pb_usage_error("matrix: %s", err);
    if (!a->file)
        return pb_usage_error("matrix: missing FILE.json (see parbench matrix --help)");
    if (!a->output && !a->dry_run)
        return pb_usage_error("matrix: --output FILE is required (the report "
                              "is rewritten after every cell)");
    /* The first rewrite would replace the matrix file with a report. */
    struct stat fs, os;
    if (a->output && !a->dry_run && stat(a->file, &fs) == 0 &&
        stat(a->output, &os) == 0 && fs.st_dev == os.st_dev &&
        fs.st_ino == os.st_ino)
        return pb_usage_error("matrix: --output %s is the matrix file itself",
                              a->output);
    return 0;
}

/* Resolve cell k into a plan; with set_up, also run workload setup. */
static int cell_plan(const struct cell *c, int force, struct run_config *cfg,
                     struct run_plan *plan, char *err, size_t errlen)
{
    config_defaults(cfg);
    cfg->force = force;
    for (size_t i = 0; i < c->nopts; i++)
        if (config_set(cfg, c->opts[i].name, cell_opt_value(&c->opts[i]),
                       err, errlen))
            return -EINVAL;
    cfg->quiet = 1;
    return config_resolve(cfg, plan, err, errlen);
}

static void hms(double s, char *buf, size_t n)
{
    long t = lround(s);
    if (s < 60)
        snprintf(buf, n, "%.1fs", s);
    else if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* Report to resume from: its cells' keys are marked done. */
static cJSON *load_previous(const char *path, const struct matrix *m,
                            char *done, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL; /* nothing to resume: start afresh */
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *t = malloc((size_t)n + 1);
    if (!t || fread(t, 1, (size_t)n, f) != (size_t)n) {
        fclose(f), free(t);
        snprintf(err, errlen, "--resume: cannot read %s", path);
        return NULL;
    }
    fclose(f);
    t[n] = 0;
    cJSON *doc = cJSON_Parse(t);
    free(t);
    const cJSON *schema = doc ? cJSON_GetObjectItem(doc, "schema") : NULL;
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, PB_SCHEMA) ||
        !cJSON_IsArray(cJSON_GetObjectItem(doc, "runs"))) {
        snprintf(err, errlen, "--resume: %s is not a %s report", path, PB_SCHEMA);
        cJSON_Delete(doc);
        return NULL;
    }
    const cJSON *run;
    int i = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(doc, "runs")) {
        /* Appending to such a file would keep a report nothing reads. */
        if (!cJSON_IsObject(run)) {
            snprintf(err, errlen, "--resume: %s: runs[%d] is not an object",
                     path, i);
            cJSON_Delete(doc);
            return NULL;
        }
        i++;
        const char *key = cJSON_GetStringValue(
            cJSON_GetObjectItem(cJSON_GetObjectItem(run, "cell"), "key"));
        for (size_t k = 0; key && k < m->ncells; k++)
            if (!strcmp(m->cells[k].key, key))
                done[k] = 1;
    }
    return doc;
}

static int dry_run(const struct matrix *m, const double *est)
{
    double total = 0;
    for (size_t k = 0; k < m->ncells; k++) {
        char t[32];
        hms(est[k], t, sizeof t);
        printf("%4zu  ~%8s  [%s] %s\n", k + 1, t, m->cells[k].experiment,
               m->cells[k].key);
        total += est[k];
    }
    char t[32];
    hms(total, t, sizeof t);
    printf("%zu cells (%zu excluded or duplicate), estimated %s\n",
           m->ncells, m->skipped, t);
    return 0;
}

int cmd_matrix(int argc, char **argv)
{
    if (opt_wants_help(argc, argv)) {
        printf("usage: parbench matrix FILE.json --output FILE [OPTIONS]\n\n"
               "Runs every cell of the matrix (see README: Matrices) into one "
               "report.\n\noptions:\n");
        opt_print(stdout, mopts, NMOPTS);
        return 0;
    }
    struct margs a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    struct report_lock lock = {.fd = -1};
    char err[512];
    struct matrix m;
    if (matrix_load(a.file, &m, err, sizeof err))
        return pb_usage_error("matrix: %s", err);
    double *est = calloc(m.ncells, sizeof *est);
    char *done = calloc(m.ncells, 1);
    struct run_config *cfgs = calloc(m.ncells, sizeof *cfgs);
    if (!est || !done || !cfgs) {
        rc = pb_usage_error("matrix: out of memory");
        goto out;
    }
    /* Check every cell before running any. */
    for (size_t k = 0; k < m.ncells; k++) {
        struct run_plan plan;
        struct run_state st;
        int bad = cell_plan(&m.cells[k], a.force, &cfgs[k], &plan, err,
                             sizeof err);
        /* url without --urls: setup only formats URLs from the embedded
         * server's address, so checking needs no server yet. */
        if (!bad && plan.embedded_server && plan.w.ops->server_at)
            plan.w.ops->server_at(&plan.w, "http://127.0.0.1:0");
        /* Memory too, like any other bad value: before the first cell. */
        if (!bad) {
            bad = run_setup(&st, &plan, err, sizeof err) ||
                  estimate_check_memory(&plan, err, sizeof err);
            if (!bad)
                est[k] = estimate_run_s(&plan);
            run_cleanup(&st); /* after a failed setup too */
        }
        if (bad) {
            rc = pb_usage_error("matrix: cell %zu (%s): %s", k + 1,
                                m.cells[k].key, err);
            goto out;
        }
    }
    if (a.dry_run) {
        rc = dry_run(&m, est);
        goto out;
    }
    if (report_check_output(a.output, err, sizeof err) ||
        report_lock(&lock, a.output, err, sizeof err)) {
        rc = pb_usage_error("matrix: %s", err);
        goto out;
    }
    cJSON *doc = a.resume ? load_previous(a.output, &m, done, err, sizeof err)
                          : NULL;
    if (a.resume && !doc && err[0] && strstr(err, "--resume")) {
        rc = pb_usage_error("matrix: %s", err);
        goto out;
    }
    unsigned long mark = pb_json_mark();
    if (!doc) {
        doc = report_new();
        cJSON *mx = cJSON_AddObjectToObject(doc, "matrix");
        cJSON_AddStringToObject(mx, "file", a.file);
        cJSON_AddNumberToObject(mx, "cells", (double)m.ncells);
    }
    if (!doc || pb_json_failed_since(mark)) {
        fprintf(stderr, "parbench: matrix: out of memory building the report\n");
        cJSON_Delete(doc);
        rc = 1;
        goto out;
    }
    int show = !a.quiet && isatty(STDERR_FILENO);
    double t0 = pb_now(), est_left = 0, spent_est = 0, spent = 0;
    size_t todo = 0, ran = 0, failed_cells = 0;
    for (size_t k = 0; k < m.ncells; k++)
        if (!done[k])
            todo++, est_left += est[k];
    if (show && todo < m.ncells)
        fprintf(stderr, "resuming: %zu of %zu cells already done\n",
                m.ncells - todo, m.ncells);
    for (size_t k = 0; k < m.ncells; k++) {
        if (done[k])
            continue;
        if (show) {
            /* Scale the estimate by how far off it has been so far. */
            double f = spent_est > 0 ? spent / spent_est : 1;
            char el[32], left[32];
            hms(pb_now() - t0, el, sizeof el);
            hms(est_left * f, left, sizeof left);
            fprintf(stderr, "[%zu/%zu] %s  (elapsed %s, ~%s left)\n", ran + 1,
                    todo, m.cells[k].key, el, left);
        }
        double c0 = pb_now();
        struct run_plan plan;
        struct run_state st;
        struct limit_state ls;
        struct server_proc srv = {0};
        cJSON *run = NULL;
        int failed = 1;
        if (cell_plan(&m.cells[k], a.force, &cfgs[k], &plan, err,
                             sizeof err) == 0 &&
            server_proc_attach(&srv, &plan, err, sizeof err) == 0 &&
            run_setup(&st, &plan, err, sizeof err) == 0) {
            if (execute_prepare(&plan, &ls, err, sizeof err) == 0) {
                run = execute_run(&st, &ls, &failed);
                if (!run)
                    snprintf(err, sizeof err, "out of memory building the "
                             "report");
            } else {
                run = run_failed_json(&st, err);
            }
            run_cleanup(&st);
        }
        server_proc_stop(&srv); /* the cell's embedded server, if any */
        /* From here on the cell's record is small: if it cannot be made,
         * memory is gone and the matrix stops, its report on disk holding
         * every cell before this one. */
        mark = pb_json_mark();
        if (!run) { /* validated above: only a changed machine gets here */
            run = cJSON_CreateObject();
            cJSON_AddStringToObject(run, "status", "failed");
            cJSON_AddStringToObject(run, "error", err);
        }
        cJSON *cell = cJSON_AddObjectToObject(run, "cell");
        cJSON_AddNumberToObject(cell, "index", (double)k);
        cJSON_AddStringToObject(cell, "experiment", m.cells[k].experiment);
        cJSON_AddStringToObject(cell, "key", m.cells[k].key);
        if (!run || pb_json_failed_since(mark)) {
            fprintf(stderr, "parbench: matrix: cell %zu: out of memory "
                    "building the report\n", k + 1);
            cJSON_Delete(run);
            cJSON_Delete(doc);
            rc = 1;
            goto out;
        }
        cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "runs"), run);
        failed_cells += failed != 0;
        if (report_write(a.output, doc, err, sizeof err)) {
            fprintf(stderr, "parbench: matrix: %s\n", err);
            cJSON_Delete(doc);
            rc = 1;
            goto out;
        }
        ran++;
        spent += pb_now() - c0, spent_est += est[k], est_left -= est[k];
        if (show && failed)
            fprintf(stderr, "  -> %s: %s\n",
                    cJSON_GetStringValue(cJSON_GetObjectItem(run, "status")),
                    cJSON_GetStringValue(cJSON_GetObjectItem(run, "error")));
    }
    if (!a.quiet) {
        char el[32];
        hms(pb_now() - t0, el, sizeof el);
        fprintf(stderr, "matrix: %zu cells run in %s, %zu not ok; report: %s\n",
                ran, el, failed_cells, a.output);
    }
    cJSON_Delete(doc);
    rc = failed_cells ? 1 : 0;
out:
    report_unlock(&lock);
    free(est), free(done), free(cfgs);
    matrix_free(&m);
    return rc;
}
