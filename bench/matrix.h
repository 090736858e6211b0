/* bench/matrix.h: experiment matrices, a JSON file expanded to cells.
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

/* One option=value pair of a cell (pointers into the parsed document). */
struct cell_opt {
    const char *name;
    char value[96];
};

#define CELL_MAX_OPTS 48

struct cell {
    const char *experiment;       /* its experiment's name */
    size_t nopts;
    struct cell_opt opts[CELL_MAX_OPTS]; /* defaults, set, then grid values */
    char key[1024];               /* canonical "name=value ..." of the grid
                                     and set values: identifies the cell
                                     across --resume */
};

struct matrix {
    cJSON *doc;     /* the parsed file; cells point into it */
    struct cell *cells;
    size_t ncells;
    size_t skipped; /* cells dropped as excluded or duplicate */
    size_t *index;  /* cells by key (index + 1, 0 = empty), for finding
                       duplicates while expanding; nindex slots */
    size_t nindex;
};

/* More cells than this is an error (checked before expanding a grid). */
#define MATRIX_MAX_CELLS 100000

/* Parse and expand; every error names the key at fault (-EINVAL). */
int matrix_load(const char *path, struct matrix *m, char *err, size_t errlen);
/* The same from a NUL-terminated text (matrix_load's reader and the fuzz
 * target tests/fuzz/fuzz_matrix.c); path only names it in messages. */
int matrix_parse(const char *path, const char *text, struct matrix *m,
                 char *err, size_t errlen);
void matrix_free(struct matrix *m);
#endif
