/* bench/cli/cmd_run.c: `parbench run`, one configuration to one report.
 *
 * Everything that can be bad input is checked before anything is written:
 * options, names, combinations, workload parameters, the output path and the
 * dump directory.  Only then does the run start; from there on a failure is
 * recorded in the report (status, error) and the exit code is 1.
 *
 * The url workload without --urls needs the embedded HTTP server: it is
 * started as a child (bench/engine/server_proc.c) once the options are known to be
 * good, before the workload's setup (which builds URLs from its port), and
 * stopped before the report is written, on every path out.  While it runs,
 * SIGINT/SIGTERM stop it and exit 130/143.  It runs outside the run's
 * limits: it stands for remote machines, not for the work measured. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "bench/engine/config.h"
#include "bench/engine/dump.h"
#include "bench/engine/estimate.h"
#include "bench/engine/execute.h"
#include "bench/report/jsonmem.h"
#include "bench/report/report.h"
#include "bench/engine/run.h"
#include "bench/engine/server_proc.h"

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
    if (config_parse_args(&c, argc, argv, err, sizeof err) ||
        config_resolve(&c, &plan, err, sizeof err) ||
        report_check_output(plan.output, err, sizeof err))
        return pb_usage_error("run: %s", err);

    struct server_proc srv;
    if (server_proc_attach(&srv, &plan, err, sizeof err)) {
        fprintf(stderr, "parbench: run: embedded server: %s\n", err);
        return 1;
    }
    struct run_state st;
    if (run_setup(&st, &plan, err, sizeof err) ||
        estimate_check_memory(&plan, err, sizeof err)) {
        run_cleanup(&st);
        server_proc_stop(&srv);
        return pb_usage_error("run: %s", err);
    }
    struct limit_state ls;
    if ((plan.dump && dump_prepare(plan.dump, err, sizeof err)) ||
        execute_prepare(&plan, &ls, err, sizeof err)) {
        run_cleanup(&st);
        server_proc_stop(&srv);
        return pb_usage_error("run: %s", err);
    }

    unsigned long mark = pb_json_mark();
    cJSON *doc = report_new();
    int doc_ok = doc && !pb_json_failed_since(mark);
    int failed = 0;
    cJSON *run = execute_run(&st, &ls, &failed);
    run_cleanup(&st);
    server_proc_stop(&srv);
    if (!doc_ok || !run) {
        /* Not even a short report fits: nothing is written. */
        fprintf(stderr, "parbench: run: out of memory building the report\n");
        cJSON_Delete(doc);
        cJSON_Delete(run);
        return 1;
    }
    cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "runs"), run);
    if (!plan.quiet)
        run_print_summary(stderr, run);
    int rc = report_write(plan.output, doc, err, sizeof err);
    cJSON_Delete(doc);
    if (rc) {
        fprintf(stderr, "parbench: run: %s\n", err);
        return 1;
    }
    return failed ? 1 : 0;
}
