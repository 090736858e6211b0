/* bench/cli/opts.h: command-line options described by tables.
 *
 * A command lists its options as rows (name, type, where the value goes,
 * bounds, help); one parser fills a struct from argv through the table and
 * one printer makes the help, so every command parses and reports errors
 * the same way: "--NAME: <why>" for bad values, "unknown option '--X'". */
#ifndef PB_OPTS_H
#define PB_OPTS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
    OT_STR,      /* const char *, non-empty */
    OT_UINT,     /* uint64_t within [min, max] */
    OT_INT,      /* int64_t within [min, max] */
    OT_SIZE,     /* uint64_t bytes within [min, max] (max 0: no maximum) */
    OT_DURATION, /* double seconds, >= 0 */
    OT_FLAG,     /* int set to 1, takes no value */
    OT_NUMBER,   /* double within [min, max] */
};

struct opt {
    const char *name; /* without the leading "--" */
    enum opt_type type;
    size_t off;       /* offset of the field in the command's struct */
    int64_t min, max;
    const char *meta; /* the value's placeholder in help, e.g. "SIZE" */
    const char *help;
};

const struct opt *opt_find(const struct opt *t, size_t n, const char *name);
/* Parse value into the field of base that row o names. */
int opt_set(const struct opt *o, void *base, const char *value, char *err,
            size_t errlen);
/* Called for each option found; NULL means opt_set on base. */
typedef int (*opt_setter)(void *base, const struct opt *o, const char *value,
                          char *err, size_t errlen);
/* Parse argv (the arguments after the command): "--name value",
 * "--name=value", flags; other arguments are positional, at most maxpos of
 * them (into pos, count in *npos; pos may be NULL when maxpos is 0). */
int opt_parse(const struct opt *t, size_t n, void *base, opt_setter set,
              int argc, char **argv, const char **pos, size_t maxpos,
              size_t *npos, char *err, size_t errlen);
void opt_print(FILE *f, const struct opt *t, size_t n);
/* --help or -h among the arguments? */
int opt_wants_help(int argc, char **argv);
#endif
