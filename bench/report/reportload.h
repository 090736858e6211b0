/* bench/report/reportload.h: reading reports back, for compare, export and plot.
 *
 * A loaded report has been checked once, here, so the commands can walk it
 * without re-checking every key: it is JSON, its schema is the one this
 * parbench writes, it has runs, and each run has the configuration keys
 * (workload, runner, workers, tasks) and a repetitions array.  Also here:
 * what "the same configuration" means, a small text/markdown/CSV/TSV table
 * printer, atomic output of a command's text, and a table-driven option
 * parser shared by the three commands (those in bench/report/reportout.c). */
#ifndef PB_REPORTLOAD_H
#define PB_REPORTLOAD_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

struct rl_report {
    const char *path;      /* as given on the command line */
    cJSON *doc;            /* the whole document (owned) */
    cJSON *runs;           /* doc.runs, a non-empty array */
    int nruns;
    const char *hostname;  /* host.hostname or "unknown host" */
    const char *cpu_model; /* host.cpu_model or "" */
    const char *created;   /* created or "" */
    double cpus;           /* CPUs the run could use (host.limits), NaN if unknown */
};

/* Load and check path.  err gets a one-line reason naming the file. */
int rl_load(const char *path, struct rl_report *r, char *err, size_t errlen);
/* The same from memory: text[len] must be 0 (rl_load's reader and the
 * fuzz target tests/fuzz/fuzz_report.c both come this way).  r->path is
 * path, which must outlive r. */
int rl_parse(const char *path, const char *text, size_t len,
             struct rl_report *r, char *err, size_t errlen);
void rl_free(struct rl_report *r);

/* Lookups that tolerate anything: NULL / NaN when missing or mistyped.
 * A dotted path ("rss_peak_bytes.total") walks nested objects. */
const cJSON *rl_get(const cJSON *o, const char *path);
const char *rl_str(const cJSON *o, const char *path);
double rl_num(const cJSON *o, const char *path);
/* How charts and tables name a run's runner: its runner_label (exec
 * peers: "python3.11 multiprocessing fork, chunksize 1") when it has one,
 * else its runner; "?" when neither is there. */
const char *rl_runner(const cJSON *run);
/* The numbers at path in each repetition of run, in order (non-numbers
 * skipped).  *out is malloc'ed (free it); returns the count. */
size_t rl_rep_values(const cJSON *run, const char *path, double **out);
/* runs[i] of a loaded report. */
const cJSON *rl_run(const struct rl_report *r, int i);

/* Configuration fields of a run: workload, runner, workers, tasks, every
 * parameter except repeat, warmup and values derived from the others
 * (image geometry, calibrated spin iterations, ...; those are in the
 * run's "derived"), and the limits asked for (cpus, memory, cpuset,
 * bind).  Values are canonical text (numbers %.17g), whole however long:
 * two runs are "the same configuration" when their fields are equal one
 * by one, never by a key cut to a buffer. */
struct rl_field {
    const char *name; /* a key of the run (valid while the report is) */
    char *value;      /* canonical text (malloc'ed) */
};
struct rl_config {
    struct rl_field *f; /* the four basic fields, params by name, limits */
    int n;
};
/* Fill c (free it with rl_config_free).  Returns 0 or -ENOMEM. */
int rl_config_of(const cJSON *run, struct rl_config *c);
void rl_config_free(struct rl_config *c);
/* 1 when a and b agree on every field not named in skip (a comma-
 * separated list, or NULL), 0 otherwise. */
int rl_config_equal(const struct rl_config *a, const struct rl_config *b,
                    const char *skip);
/* The same for two runs: 1, 0, or -ENOMEM. */
int rl_same_config(const cJSON *a, const cJSON *b, const char *skip);
/* One field's value; NULL when the run has no such field. */
const char *rl_config_value(const struct rl_config *c, const char *name);
/* 1 for a parameter that is part of the configuration. */
int rl_param_is_config(const char *key);
/* "name=value" for display (byte counts as "1GiB"); 0 and "" for null. */
int rl_field_text(const struct rl_field *f, char *buf, size_t n);
/* 1 when name is an element of the comma-separated list (NULL: empty). */
int rl_in_list(const char *list, const char *name);
/* Short human label "image fork w=2 t=10" plus "name=value" for each field
 * listed in extra (comma-separated, may be NULL or empty); fields listed in
 * skip are left out. */
void rl_label(const cJSON *run, const char *extra, const char *skip,
              char *buf, size_t n);
/* Comma-separated names of the non-basic fields (not workload, runner,
 * workers, tasks) whose values differ among the given runs. */
void rl_varying(const cJSON *const *runs, size_t n, char *buf, size_t len);

/* A table of strings; row 0 is the header. */
struct rl_table {
    size_t ncols, ncells, cap;
    char **cell;
    const char *right; /* per column 'r' = right-aligned in text, else left */
};
void rl_table_init(struct rl_table *t, size_t ncols, const char *right);
void rl_table_add(struct rl_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rl_table_free(struct rl_table *t);
enum rl_format { RL_TEXT, RL_MARKDOWN, RL_CSV, RL_TSV, RL_JSON };
/* "text", "markdown", "csv", "tsv", "json" -> format; -1 if unknown. */
int rl_format_parse(const char *s);
/* Text: aligned columns; markdown: a pipe table; CSV: RFC 4180 (quoted
 * when needed, CRLF line ends); TSV: tabs, tabs/newlines in cells become
 * spaces. */
void rl_table_print(FILE *f, const struct rl_table *t, enum rl_format fmt);

/* Command output: collect it in memory (o->f), then write it to path
 * atomically (temporary file beside it, renamed into place) or, path NULL
 * or "-", to standard output.  commit and discard free everything. */
struct rl_out {
    FILE *f;
    char *buf;
    size_t len;
};
int rl_out_open(struct rl_out *o);
int rl_out_commit(struct rl_out *o, const char *path, char *err,
                  size_t errlen);
void rl_out_discard(struct rl_out *o);


/* Human formatting: seconds as "12.3 ms", bytes as "63.9 MiB". */
void rl_fmt_time(double s, char *buf, size_t n);
void rl_fmt_bytes(double b, char *buf, size_t n);
#endif
