/* bench/engine/plugin.h: what bench/ does with the options and ops that
 * workloads and runners declare themselves (kernels/workload.h,
 * runners/runner.h), so that nothing in bench/ names one of them.
 *
 * Options may come in any order -- before --workload on the command line,
 * anywhere in a matrix cell -- so a plug-in option is checked when it is
 * set, against the rows of the plug-ins that declare it, and recorded as
 * text; once the workload and runner are chosen (config_resolve), each
 * gets its defaults and the values it declares, parsed into its own
 * struct.  A recorded value the chosen workload does not declare is left
 * alone (a matrix sets --limit for prime and image cells alike); one that
 * only runners declare is an error naming them. */
#ifndef PB_PLUGIN_H
#define PB_PLUGIN_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#include "kernels/workload.h"
#include "runners/runner.h"

#define PLUG_VALUES_MAX 32
#define PLUG_TEXT_MAX 4096

/* Plug-in option values as given, by name (the last one given wins).
 * The text is copied here: a caller may set an option from a buffer of
 * its own (metg formats numbers), and a plug-in's string option points
 * into it, so the configuration must outlive the plan made from it. */
struct plug_values {
    struct {
        const char *name;  /* the declaring row's own name */
        unsigned at;       /* the value: text + at */
    } v[PLUG_VALUES_MAX];
    unsigned n;
    unsigned used;         /* bytes of text used */
    char text[PLUG_TEXT_MAX];
};

/* The row of the first workload or runner declaring name for the command
 * line (internal rows are not), or NULL. */
const struct opt *plug_find(const char *name);
/* Check value against every row declaring name (one accepting it is
 * enough: the chosen plug-in checks again) and record it.  0, or -EINVAL
 * with "unknown option '--NAME'" or the row's own message in err. */
int plug_set(struct plug_values *pv, const char *name, const char *value,
             char *err, size_t errlen);
/* Fill base (PB_PARAMS_MAX bytes) for a plug-in with rows t[n]: zeroes,
 * the rows' defaults, then the recorded values it declares.  0, or
 * -EINVAL with the row's message. */
int plug_apply(const struct opt *t, size_t n, void *base,
               const struct plug_values *pv, char *err, size_t errlen);
/* Recorded values that neither wo nor r declares: 0 when every one is a
 * workload's option (left alone), else -EINVAL with "--X works with the
 * R runner only". */
int plug_unused(const struct plug_values *pv, const struct workload_ops *wo,
                const struct runner *r, char *err, size_t errlen);

/* `parbench run --help`: a section per workload and runner with options. */
void plug_print_help(FILE *f);
/* The README's option table: common rows c[n], then every workload's and
 * runner's, as markdown ("| `--NAME META` | [plugin: ]help (default) |"). */
void plug_print_markdown(FILE *f, const struct opt *c, size_t n);
/* "--a --b" of a plug-in's rows into buf ("" when it has none). */
void plug_option_names(const struct opt *t, size_t n, char *buf, size_t len);
/* Names of the workloads whose dump op is set, "a, b" ("" when none). */
void plug_dump_workloads(char *buf, size_t len);

/* The report: what the workload adds to params (its report op), and what
 * it derived in setup (its describe op) into derived. */
void plug_report(const struct workload *w, int setup_done, cJSON *params,
                 cJSON *derived);
/* Is the runner named so the charts' speedup baseline (a runner field;
 * a report's unknown runner is not)? */
int plug_runner_is_baseline(const char *name);
/* The name of the baseline runner, for captions ("baseline" if none). */
const char *plug_baseline_runner(void);
/* Does the workload named so want the workers_W chart? */
int plug_workers_chart(const char *name);
#endif
