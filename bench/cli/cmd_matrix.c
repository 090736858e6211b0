/* bench/cli/cmd_matrix.c: `parbench matrix FILE.json`, a grid of runs into one
 * report.
 *
 * Every cell is checked before the first one runs, by the same function
 * that runs it (bench/engine/runone.c), so a cell is refused exactly when
 * `parbench run` would refuse it, with the same message: options,
 * combinations, workload parameters, memory, limits.  Results are kept as they come: after each
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
#include "bench/cli/opts.h"
#include "bench/engine/matrix.h"
#include "bench/engine/runone.h"
#include "bench/report/jsonmem.h"
#include "bench/report/report.h"
#include "bench/report/reportlock.h"
#include "bench/util/safeio.h"

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

/* Cell c's configuration, as `parbench run` would get it from options. */
static int cell_config(const struct cell *c, int force, struct run_config *cfg,
                       char *err, size_t errlen)
{
    config_defaults(cfg);
    cfg->force = force;
    for (size_t i = 0; i < c->nopts; i++)
        if (config_set(cfg, c->opts[i].name, cell_opt_value(&c->opts[i]),
                       err, errlen))
            return -EINVAL;
    cfg->quiet = 1;
    return 0;
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

/* Report to resume from, into *doc: its cells' keys are marked done.  0
 * with *doc NULL when there is none (start afresh); -EINVAL with err when
 * the file is there but cannot be resumed. */
static int load_previous(const char *path, const struct matrix *m,
                         char *done, cJSON **doc_out, char *err, size_t errlen)
{
    char *t, why[400];
    size_t n;
    int rc = pb_read_file(path, &t, &n, why, sizeof why);
    if (rc == -ENOENT)
        return 0; /* nothing to resume: start afresh */
    if (rc) {
        snprintf(err, errlen, "--resume: %s", why);
        return -EINVAL;
    }
    cJSON *doc = cJSON_Parse(t);
    free(t);
    const cJSON *schema = doc ? cJSON_GetObjectItem(doc, "schema") : NULL;
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, PB_SCHEMA) ||
        !cJSON_IsArray(cJSON_GetObjectItem(doc, "runs"))) {
        snprintf(err, errlen, "--resume: %s is not a %s report", path, PB_SCHEMA);
        cJSON_Delete(doc);
        return -EINVAL;
    }
    const cJSON *run;
    int i = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(doc, "runs")) {
        /* Appending to such a file would keep a report nothing reads. */
        if (!cJSON_IsObject(run)) {
            snprintf(err, errlen, "--resume: %s: runs[%d] is not an object",
                     path, i);
            cJSON_Delete(doc);
            return -EINVAL;
        }
        i++;
        const char *key = cJSON_GetStringValue(
            cJSON_GetObjectItem(cJSON_GetObjectItem(run, "cell"), "key"));
        for (size_t k = 0; key && k < m->ncells; k++)
            if (!strcmp(m->cells[k].key, key))
                done[k] = 1;
    }
    *doc_out = doc;
    return 0;
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
    /* Check every cell before running any: each the way `run` checks
     * its configuration, limits included. */
    for (size_t k = 0; k < m.ncells; k++) {
        struct run_plan plan;
        struct run_outcome chk;
        struct run_request rq = {.mode = RUN_CHECK, .cfg = &cfgs[k]};
        memset(&chk, 0, sizeof chk);
        int bad = cell_config(&m.cells[k], a.force, &cfgs[k], err, sizeof err) ||
                  run_one(&rq, &plan, &chk, err, sizeof err);
        est[k] = chk.estimate_s;
        run_outcome_free(&chk);
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
    cJSON *doc = NULL;
    if (a.resume && load_previous(a.output, &m, done, &doc, err, sizeof err)) {
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
        struct run_outcome o;
        struct run_cell cell = {.index = k, .experiment = m.cells[k].experiment,
                                .key = m.cells[k].key};
        struct run_request rq = {.mode = RUN_EXECUTE, .cfg = &cfgs[k],
                                 .want_json = 1, .cell = &cell};
        /* Refused now although the check passed (the host changed since:
         * memory, cgroups, a file): recorded as a failed cell, with the
         * same keys as any run, and the matrix goes on.  A cell whose
         * options no longer resolve at all has no run to record. */
        if (run_one(&rq, &plan, &o, err, sizeof err) && !o.recorded) {
            run_outcome_free(&o);
            cJSON_Delete(doc);
            rc = pb_usage_error("matrix: cell %zu (%s): %s", k + 1,
                                m.cells[k].key, err);
            goto out;
        }
        /* From here on the cell's record is small: if it cannot be made,
         * memory is gone and the matrix stops, its report on disk holding
         * every cell before this one. */
        cJSON *run = o.json;
        o.json = NULL;
        if (!run) {
            fprintf(stderr, "parbench: matrix: cell %zu: out of memory "
                    "building the report\n", k + 1);
            run_outcome_free(&o);
            cJSON_Delete(doc);
            rc = 1;
            goto out;
        }
        cJSON *runs = cJSON_GetObjectItem(doc, "runs");
        cJSON_AddItemToArray(runs, run);
        int wrc = report_write(a.output, doc, err, sizeof err);
        if (wrc == -ENOMEM) {
            /* This cell does not fit in memory as text: it is kept as a
             * failed run saying so, and the matrix goes on. */
            cJSON *short_run = run_outcome_oom(&o);
            if (short_run) {
                cJSON_ReplaceItemInArray(runs, cJSON_GetArraySize(runs) - 1,
                                         short_run);
                wrc = report_write(a.output, doc, err, sizeof err);
            }
        }
        int failed = o.res.status != RUN_OK;
        enum run_status status = o.res.status;
        char cause[RUN_ERROR_MAX];
        snprintf(cause, sizeof cause, "%s", o.res.error);
        run_outcome_free(&o);
        failed_cells += failed != 0;
        if (wrc) {
            fprintf(stderr, "parbench: matrix: %s\n", err);
            cJSON_Delete(doc);
            rc = 1;
            goto out;
        }
        ran++;
        spent += pb_now() - c0, spent_est += est[k], est_left -= est[k];
        if (show && failed)
            fprintf(stderr, "  -> %s: %s\n", run_status_name(status), cause);
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
