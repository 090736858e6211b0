/* bench/report/compare.h: what bench/report/compare.c computes and bench/report/compare_out.c
 * prints: the pairs of runs, their statistics and verdicts.  Private to
 * `parbench compare`. */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H
#include <stdio.h>

#include "bench/report/reportload.h"

#define CMP_ALPHA 0.05
#define CMP_MIN_REPS 5 /* below this per side: "too few repetitions" */

enum verdict { V_SAME, V_SLOWER, V_FASTER, V_WITHIN, V_FEW, V_FAILED, V_BASE };

/* One row: base run a (or the baseline) against run b. */
struct pair {
    const cJSON *a, *b;
    size_t na, nb;          /* repetitions with a wall time */
    double med_a, med_b;    /* median wall times, s */
    double ratio, lo, hi;   /* b / a and its 95% interval */
    double p;               /* two-sided U test p-value */
    int exact;              /* exact U distribution was used */
    double rss_a, rss_b;    /* median total peak RSS, bytes */
    double eff;             /* baseline mode: parallel efficiency, else NaN */
    enum verdict v;
    const char *why;        /* V_FAILED with both runs ok: why not compared */
};

/* One `parbench compare`: its options, reports, and the pairs found. */
struct cmp {
    const char *format, *threshold, *baseline, *output; /* option values */
    int fail_on_regression, allow_hosts;
    double thr;              /* threshold as a fraction */
    enum rl_format fmt;
    struct rl_report rep[2]; /* base, new (only [0] in baseline mode) */
    int nrep;
    struct rl_config *cfg[2]; /* cfg[r][i]: configuration of rep[r]'s run i */
    struct pair *pairs;
    size_t npairs;
    const cJSON **unpaired[2]; /* runs only in base / only in new (baseline
                                  mode: [1] = runs without a baseline) */
    size_t nunpaired[2];
    char extra[512];         /* fields that vary: shown in labels */
    char *key, *value;       /* baseline mode: --baseline KEY=VALUE */
    struct host_diff *hdiff; /* how the two reports' hosts and builds differ */
    size_t nhdiff;
    size_t metg_bad;         /* two metg reports: sweeps that count as
                                regressions (compare_metg.c) */
};

/* One host or build field that differs between the two reports. */
struct host_diff {
    char *field;         /* "host.kernel", "host.limits.cpus", "tool.commit" */
    const cJSON *a, *b;  /* the base's and the new report's value (in the
                            loaded documents), NULL when absent */
};
/* Report r is a `parbench metg` report (sweeps, no runs). */
int cmp_is_metg(const struct cmp *c, int r);
/* Two metg reports: pair their sweeps and print METG(50%) side by side to
 * f in c->fmt; *bad counts sweeps that are regressions.  0 or -ENOMEM.
 * (bench/report/compare_metg.c) */
int cmp_metg(struct cmp *c, FILE *f, size_t *bad, char *err, size_t errlen);
/* Fill c->hdiff from the two reports' "host" and "tool" objects: 0 or
 * -ENOMEM.  (bench/report/compare_host.c) */
int cmp_host_diffs(struct cmp *c);
/* The differing fields' names, comma-separated, for one-line messages. */
void cmp_host_names(const struct cmp *c, char *buf, size_t n);
/* A value for display: strings bare, the rest compact JSON, cut to n. */
void cmp_host_value(const cJSON *v, char *buf, size_t n);
void cmp_host_free(struct cmp *c);

/* What --fail-on-regression counts: a pair significantly slower beyond
 * the threshold, or a pair that could not be compared at all (a run not
 * ok on either side, no usable wall times): a gate must not pass what it
 * could not check. */
int cmp_is_regression(const struct pair *p);
/* Geometric mean of the compared pairs' ratios; *n gets their number. */
double cmp_geomean(const struct cmp *c, size_t *n);
/* The table and notes as text or markdown (c->fmt), or the JSON. */
void cmp_print_text(const struct cmp *c, FILE *f);
void cmp_print_json(const struct cmp *c, FILE *f);
#endif
