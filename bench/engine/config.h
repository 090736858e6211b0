/* bench/engine/config.h: one run's configuration, from command-line options (and,
 * later, matrix files) through one option table, then resolved into what the
 * workload and runner need. */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/host/limits.h"
#include "bench/engine/serve.h"
#include "kernels/workload.h"
#include "runners/runner.h"

/* Raw option values; every field is set by name through the option table. */
struct run_config {
    const char *workload, *runner, *blur, *transfer, *schedule, *pool;
    const char *output, *dump, *urls;
    uint64_t workers, tasks, repeat, warmup, seed, size, complexity, limit;
    uint64_t spin_iters;
    int64_t brightness;
    double duration, timeout;
    double latency, jitter; /* url: embedded server's delay and its spread */
    uint64_t body;          /* url: embedded server's body size */
    double task_timeout, run_timeout; /* 0: derived from the warm-up */
    double cpus;           /* --cpus, 0 = no limit */
    uint64_t memory;       /* --memory bytes, 0 = no limit */
    const char *cpuset, *bind;
    /* mpi: where the ranks run and how Hydra starts them (NULL: default) */
    const char *hosts, *hostfile, *launcher, *launcher_exec;
    int quiet;
    int force;       /* --force: run even when it needs more memory than
                        is available */
    int workers_set; /* --workers given (else: the CPUs we may use) */
    int tasks_set;   /* --tasks given (url checks it against --urls) */
};

/* A configuration checked and turned into what bench/engine/run.c executes. */
struct run_plan {
    const struct runner *runner;
    struct workload w;       /* ops + params; plan built by setup later */
    struct run_options ro;
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
    /* url without --urls: cmd_run starts `parbench serve` with this
     * configuration and points w.p.base_url at it. */
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
/* Look names up, apply defaults, check combinations. */
int config_resolve(const struct run_config *c, struct run_plan *p, char *err,
                   size_t errlen);
const char *transfer_name(enum transfer t);
const char *schedule_name(enum schedule s);
const char *pool_name(enum pool_mode m);
/* The option table as help text. */
void config_print_help(FILE *f);
#endif
