/* kernels/option.h: one option, as a table row, for everyone who declares
 * options: bench/ for the commands' own, and each workload (kernels/) and
 * runner (runners/) for its own, in its own file.
 *
 * A row says everything about an option once -- name, type, where its
 * value goes, bounds, placeholder, one-line help, default -- so the
 * command line, --help, `parbench list`, matrix files and the README's
 * table all come from the same declaration and cannot drift apart.  The
 * parser of values people type (units, ranges, messages) is bench's
 * (bench/cli/opts.c); what is here needs nothing from bench/: finding a
 * row, and the exact wire form in which a workload's values travel to the
 * mpi runner's ranks (runners/mpi_wire.c), so the ranks rebuild a
 * workload from its own rows without knowing any of its fields. */
#ifndef PB_OPTION_H
#define PB_OPTION_H
#include <stddef.h>
#include <stdint.h>

/* What the value is, and the type of the field it is stored in. */
enum opt_type {
    OT_STR,      /* const char *, non-empty */
    OT_UINT,     /* uint64_t within [min, max] */
    OT_INT,      /* int64_t within [min, max] */
    OT_SIZE,     /* uint64_t bytes within [min, max] (max 0: no maximum) */
    OT_DURATION, /* double seconds, >= 0 */
    OT_FLAG,     /* int set to 1, takes no value */
    OT_NUMBER,   /* double within [min, max] */
    OT_CHOICE,   /* int: the index of the value among meta's "a|b|c" */
    OT_ARGV,     /* const char *: a command and its arguments, as the text
                    of a JSON array of strings; on the command line every
                    argument after the option (it ends the options), in a
                    matrix file a JSON array */
};

struct opt {
    const char *name; /* without the leading "--" */
    enum opt_type type;
    size_t off;       /* offset of the field in the declarer's struct */
    int64_t min, max;
    const char *meta; /* the value's placeholder in help, e.g. "SIZE";
                         OT_CHOICE: the values themselves, "a|b|c" */
    const char *help; /* one line; NULL: internal -- never on the command
                         line or in help, but sent to the mpi ranks (the
                         url workload's embedded server address) */
    const char *def;  /* the default, written as a user would write the
                         value ("100MB"); NULL: the field starts zeroed
                         (NULL, 0) and help says what that means */
};

/* The most bytes a plug-in's own option struct may take: workloads keep
 * theirs inside struct workload, runners in the run plan, with no
 * allocation.  Each plug-in checks its struct with PB_PARAMS_FIT. */
#define PB_PARAMS_MAX 256
#define PB_PARAMS_FIT(type)                                                \
    _Static_assert(sizeof(type) <= PB_PARAMS_MAX,                          \
                   #type " is larger than PB_PARAMS_MAX (kernels/option.h)")

/* The row named name, or NULL. */
const struct opt *opt_find(const struct opt *t, size_t n, const char *name);
/* OT_CHOICE: the index of value v among o->meta's, or -1. */
int opt_choice_index(const struct opt *o, const char *v);
/* OT_CHOICE: the name of index k into buf ("" when out of range). */
void opt_choice_name(const struct opt *o, int k, char *buf, size_t n);

/* The wire form of row o's value at base: integers in decimal, doubles as
 * C99 hex floats (exact), strings as they are, choices and flags by their
 * number.  0 written; 1 absent (a NULL string: nothing to send); -1 buf is
 * too small. */
int opt_wire_format(const struct opt *o, const void *base, char *buf,
                    size_t n);
/* Store the wire form text into row o's field at base (strings point
 * into text).  0, or -1 when text is not a value of o's type. */
int opt_wire_read(const struct opt *o, void *base, const char *text);
#endif
