/* bench/cli/opts.h: command-line options described by tables.
 *
 * A command lists its options as rows (struct opt, kernels/option.h: name,
 * type, where the value goes, bounds, help, default); one parser fills a
 * struct from argv through the table and one printer makes the help, so
 * every command parses and reports errors the same way: "--NAME: <why>"
 * for bad values, "unknown option '--X'".  Workloads and runners declare
 * their own options with the same rows (bench/engine/plugin.c). */
#ifndef PB_OPTS_H
#define PB_OPTS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernels/option.h"

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
/* The same with rows found elsewhere too: names not in t are looked up
 * through more (NULL: unknown), e.g. the options of workloads and
 * runners. */
typedef const struct opt *(*opt_lookup)(const char *name);
int opt_parse_more(const struct opt *t, size_t n, opt_lookup more,
                   void *base, opt_setter set, int argc, char **argv,
                   const char **pos, size_t maxpos, size_t *npos, char *err,
                   size_t errlen);
/* Help lines for rows (internal rows, help NULL, are left out); a row's
 * default, when it declares one, is added as "(default X)". */
void opt_print(FILE *f, const struct opt *t, size_t n);
/* The help text of row o with its default into buf. */
void opt_help_text(const struct opt *o, char *buf, size_t n);
/* --help or -h among the arguments? */
int opt_wants_help(int argc, char **argv);
#endif
