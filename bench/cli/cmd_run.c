/* bench/cli/cmd_run.c: `parbench run`, one configuration to one report.
 *
 * Everything that can be bad input is checked before anything is written:
 * options, names, combinations, workload parameters, the output path, the
 * memory needed, the dump directory and the limits (bench/engine/runone.c,
 * the path `matrix` takes too).  Only then does the run start; from there
 * on a failure is recorded in the report (status, error) and the exit
 * code is 1.
 *
 * The url workload without --urls needs the embedded HTTP server: runone.c
 * starts it as a child (bench/engine/server_proc.c) once the options are
 * known to be good, before the workload's setup (which builds URLs from its
 * port), and stops it before the report is written, on every path out.
 * While it runs, SIGINT/SIGTERM stop it and exit 130/143.  It runs outside
 * the run's limits: it stands for remote machines, not for the work
 * measured. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "bench/engine/config.h"
#include "bench/engine/run.h"
#include "bench/engine/runone.h"
#include "bench/report/jsonmem.h"
#include "bench/report/report.h"

int pb_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("parbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int check_output(const struct run_plan *p, char *err, size_t errlen)
{
    return report_check_output(p->output, err, errlen);
}

int cmd_run(int argc, char **argv)
{
    /* --help --markdown: the README's option table (t_readme.sh keeps
     * the README's copy equal to it). */
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            int md = 0;
            for (int k = 0; k < argc; k++)
                md |= !strcmp(argv[k], "--markdown");
            if (md)
                config_print_markdown(stdout);
            else
                config_print_help(stdout);
            return 0;
        }
    struct run_config c;
    struct run_plan plan;
    char err[512];
    config_defaults(&c);
    if (config_parse_args(&c, argc, argv, err, sizeof err))
        return pb_usage_error("run: %s", err);

    struct run_request rq = {.mode = RUN_EXECUTE, .cfg = &c, .want_json = 1,
                             .check_plan = check_output};
    struct run_outcome out;
    if (run_one(&rq, &plan, &out, err, sizeof err)) {
        run_outcome_free(&out);
        return pb_usage_error("run: %s", err);
    }
    unsigned long mark = pb_json_mark();
    cJSON *doc = out.json ? report_new() : NULL;
    if (!doc || pb_json_failed_since(mark)) {
        /* Not even a short report fits: nothing is written. */
        fprintf(stderr, "parbench: run: out of memory building the report\n");
        cJSON_Delete(doc);
        run_outcome_free(&out);
        return 1;
    }
    cJSON *run = out.json;
    out.json = NULL;
    cJSON *runs = cJSON_GetObjectItem(doc, "runs");
    cJSON_AddItemToArray(runs, run);
    int rc = report_write(plan.output, doc, err, sizeof err);
    if (rc == -ENOMEM) {
        /* The measured run does not fit in memory as text: the report
         * holds it as a failed run saying so, never nothing. */
        cJSON *short_run = run_outcome_oom(&out);
        if (short_run) {
            cJSON_ReplaceItemInArray(runs, 0, short_run);
            rc = report_write(plan.output, doc, err, sizeof err);
        }
    }
    if (!plan.quiet) /* the run as the report has it */
        run_print_summary(stderr, cJSON_GetArrayItem(runs, 0));
    int failed = out.res.status != RUN_OK;
    run_outcome_free(&out);
    cJSON_Delete(doc);
    if (rc) {
        fprintf(stderr, "parbench: run: %s\n", err);
        return 1;
    }
    return failed ? 1 : 0;
}
