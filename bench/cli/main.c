/* bench/cli/main.c: the command line's edge.  Picks the subcommand from one
 * table; errors are printed once, here or in the command, as
 * "parbench: <what>: <why>".  A runner that re-executes this binary in a
 * role of its own (the mpi runner's ranks) names the role in its table
 * row, and is found there: nothing here knows any runner. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "bench/report/jsonmem.h"
#include "bench/report/report.h"
#include "runners/runner.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

static const struct command commands[] = {
    {"run", cmd_run, "one configuration, warm-up + repetitions -> report"},
    {"matrix", cmd_matrix, "a grid of configurations from a JSON file -> one report"},
    {"metg", cmd_metg, "minimum effective task granularity (Task Bench's METG) per runner"},
    {"compare", cmd_compare, "two reports side by side, with significance"},
    {"export", cmd_export, "a report as csv / tsv / markdown"},
    {"plot", cmd_plot, "charts from a report through gnuplot"},
    {"info", cmd_info, "host, topology and effective limits as JSON"},
    {"serve", cmd_serve, "the loopback HTTP server used by the url workload"},
    {"list", cmd_list, "runners and workloads, and why any is unavailable"},
};
#define NCMD (sizeof commands / sizeof *commands)

static void usage(FILE *f)
{
    fprintf(f, "usage: parbench COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < NCMD; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n`parbench COMMAND --help` for a command's options.\n");
}

/* What a command printed on standard output (list, info, plot's chart
 * paths, a dry run, a report written to "-") may still sit in stdio's
 * buffer; a full disk or a closed pipe only shows when it is flushed.  A
 * command that could not write its output has failed: exit 1, said once. */
static int finish_stdout(const char *cmd, int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0;
    int e = errno;
    if ((bad || ferror(stdout)) && rc == 0) {
        fprintf(stderr, "parbench: %s: writing standard output: %s\n", cmd,
                e ? strerror(e) : "write error");
        return 1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    /* A worker that dies must show up as an error on its pipe, not kill
     * the driver with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    pb_json_init();
    if (argc < 2)
        return pb_usage_error("missing command (see parbench --help)");
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help"))
        return usage(stdout), 0;
    if (!strcmp(name, "--version")) {
#ifdef PB_SANITIZE
        printf("parbench %s (sanitize=%s)\n", PB_VERSION, PB_SANITIZE);
#else
        printf("parbench %s\n", PB_VERSION);
#endif
        return 0;
    }
    for (size_t i = 0; i < NCMD; i++)
        if (!strcmp(commands[i].name, name))
            return finish_stdout(name, commands[i].fn(argc - 2, argv + 2));
    /* Hidden: a runner's other role, started by the runner itself. */
    for (size_t i = 0; runner_table[i]; i++) {
        const struct runner *r = runner_table[i];
        if (r->role && r->role_main && !strcmp(r->role, name))
            return finish_stdout(name, r->role_main(argc - 2, argv + 2));
    }
    return pb_usage_error("unknown command '%s' (see parbench --help)", name);
}
