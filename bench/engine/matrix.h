/* bench/engine/matrix.h: experiment matrices, a JSON file expanded to cells.
 *
 * A file holds one or more experiments.  Each has a grid (option name ->
 * list of values), optional fixed values ("set") and excludes; an
 * experiment's cells are the cartesian product of its grid minus the
 * excludes.  Top-level "defaults" apply to every cell.  Option names and
 * value syntax are exactly those of `parbench run` (same table, same
 * parsers), so a cell is a `run` command line in JSON clothing:
 *
 *   {"defaults": {"repeat": 3},
 *    "experiments": [
 *      {"name": "image",
 *       "grid": {"runner": ["single", "fork"], "workers": [1, 2],
 *                "tasks": [10, 30]},
 *       "set": {"workload": "image", "size": "20MB"},
 *       "exclude": [{"runner": "single", "workers": 2}]}]}
 *
 * A file with "grid" at the top level is one experiment.
 */
#ifndef PB_MATRIX_H
#define PB_MATRIX_H
#include <cjson/cJSON.h>
#include <stddef.h>

/* One option=value pair of a cell (pointers into the parsed document).
 * The value is never copied into a fixed buffer: a string is the
 * document's own (any length), a number's text is short by nature.  Read
 * it with cell_opt_value(); the struct may be copied freely. */
struct cell_opt {
    const char *name;
    const char *str; /* a string value, in the document; NULL for a number */
    char num[32];    /* a number's canonical text (when str is NULL) */
};
static inline const char *cell_opt_value(const struct cell_opt *o)
{
    return o->str ? o->str : o->num;
}

#define CELL_MAX_OPTS 48

struct cell {
    const char *experiment;       /* its experiment's name */
    size_t nopts;
    struct cell_opt opts[CELL_MAX_OPTS]; /* defaults, set, then grid values */
    char *key;                    /* canonical "name=value ..." of the grid
                                     and set values, whole (malloc'ed,
                                     owned by the matrix): identifies the
                                     cell across --resume */
};

struct matrix {
    cJSON *doc;     /* the parsed file; cells point into it */
    struct cell *cells;
    size_t ncells;
    size_t skipped; /* cells dropped as excluded or duplicate */
    size_t *slots;  /* hash set of cell keys while expanding: index + 1 of
                       the cell holding a key, 0 for an empty slot */
};

/* Parse and expand; every error names the key at fault (-EINVAL). */
int matrix_load(const char *path, struct matrix *m, char *err, size_t errlen);
/* The same from a NUL-terminated text (matrix_load's reader and the fuzz
 * target tests/fuzz/fuzz_matrix.c); path only names it in messages. */
int matrix_parse(const char *path, const char *text, struct matrix *m,
                 char *err, size_t errlen);
void matrix_free(struct matrix *m);
#endif
