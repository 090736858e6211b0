/* bench/engine/config.h: one run's configuration, from command-line options
 * (and matrix files) through one option table -- the common options here,
 * each workload's and runner's in its own file (bench/engine/plugin.h) --
 * then resolved into what the workload and runner need. */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/host/limits.h"
#include "bench/engine/plugin.h"
#include "bench/engine/serve.h"
#include "kernels/workload.h"
#include "runners/runner.h"

/* Raw option values; every field is set by name through the option table. */
struct run_config {
    const char *workload, *runner, *transfer, *schedule, *pool;
    const char *output, *dump;
    uint64_t workers, tasks, repeat, warmup, seed;
    double task_timeout, run_timeout; /* 0: derived from the warm-up */
    double cpus;           /* --cpus, 0 = no limit */
    uint64_t memory;       /* --memory bytes, 0 = no limit */
    const char *cpuset, *bind;
    struct plug_values plug; /* workloads' and runners' own options, as
                                text until the plug-ins are chosen */
    int quiet;
    int force;       /* --force: run even when it needs more memory than
                        is available */
    int workers_set; /* --workers given (else: the CPUs we may use) */
    int tasks_set;   /* --tasks given (url checks it against --urls) */
};

/* A configuration checked and turned into what bench/engine/run.c executes. */
struct run_plan {
    const struct runner *runner;
    char runner_name[96];    /* as given: "exec:python-mp-fork" with a
                                variant (the report's "runner") */
    struct workload w;       /* ops + params; plan built by setup later */
    struct run_options ro;
    /* The runner's own options (ro.params points here). */
    _Alignas(max_align_t) unsigned char runner_params[PB_PARAMS_MAX];
    unsigned repeat, warmup;
    double task_timeout_s;   /* --task-timeout; 0: derived (run.h) */
    double run_timeout_s;    /* --run-timeout; 0: derived (run.h) */
    struct limit_req limits; /* --cpus --memory --cpuset --bind */
    const char *output;      /* NULL: JSON to standard output */
    const char *dump;        /* --dump DIR or NULL */
    int quiet;
    int force;               /* skip the memory check (estimate.h) */
    /* 1: repetitions carry no "tasks" array (metg's points of 100k tasks
     * would make huge reports); set by the caller after config_resolve. */
    int no_task_records;
    /* The workload asks for the embedded server (url without --urls):
     * cmd_run starts `parbench serve` with this configuration and gives
     * the workload its address (w.ops->server_at). */
    int embedded_server;
    struct serve_config server;
};

void config_defaults(struct run_config *c);
/* Set option `name` (without "--") from its text value: -ENOENT when
 * there is no such option, -EINVAL for a bad value (err says why). */
int config_set(struct run_config *c, const char *name, const char *value,
               char *err, size_t errlen);
/* Parse `parbench run` arguments (argv[0] is the first option). */
int config_parse_args(struct run_config *c, int argc, char **argv, char *err,
                      size_t errlen);
/* Look names up, apply defaults, check combinations.  The plan points
 * into c (a plug-in's string options): c must outlive it. */
int config_resolve(const struct run_config *c, struct run_plan *p, char *err,
                   size_t errlen);
const char *transfer_name(enum transfer t);
const char *schedule_name(enum schedule s);
const char *pool_name(enum pool_mode m);
/* The common option rows (for checks of the plug-ins' declarations). */
const struct opt *config_options(size_t *n);
/* The option tables as help text, and as the README's markdown table. */
void config_print_help(FILE *f);
void config_print_markdown(FILE *f);
#endif
