/* tests/fuzz/fuzz_matrix.c: libFuzzer target for the matrix reader.
 *
 * The input is a matrix file's bytes.  matrix_parse is what matrix_load
 * runs after reading the file: JSON, the experiments' keys, every value
 * through `parbench run`'s option table, excludes, the cartesian product
 * and duplicate cells.  Checked besides memory errors: an accepted matrix
 * has cells, each cell's options fit, no two cells share a key (the key is
 * what --resume matches on), and a rejection has a one-line reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/matrix.h"
#include "tests/fuzz/fuzz.h"

static void walk(const struct matrix *m)
{
    if (m->ncells == 0)
        fuzz_fail("accepted a matrix without cells");
    for (size_t i = 0; i < m->ncells; i++) {
        const struct cell *c = &m->cells[i];
        if (c->nopts > CELL_MAX_OPTS || !c->experiment)
            fuzz_fail("cell %zu: %zu options", i, c->nopts);
        for (size_t k = 0; k < c->nopts; k++)
            if (!c->opts[k].name || !c->opts[k].name[0])
                fuzz_fail("cell %zu option %zu has no name", i, k);
    }
    /* Pairwise, so only for matrices of a reasonable size. */
    for (size_t i = 0; i < m->ncells && m->ncells <= 512; i++)
        for (size_t j = i + 1; j < m->ncells; j++)
            if (!strcmp(m->cells[i].key, m->cells[j].key))
                fuzz_fail("cells %zu and %zu share the key '%s'", i, j,
                          m->cells[i].key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct matrix m;
    char err[512] = "";
    if (matrix_parse("fuzz.json", text, &m, err, sizeof err) == 0) {
        walk(&m);
        matrix_free(&m);
    } else {
        fuzz_check_message(err);
    }
    free(text);
    return 0;
}
