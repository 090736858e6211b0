/* runners/list.h: every runner, once.  Adding a runner means one file,
 * runners/<name>.c exporting `const struct runner runner_<name>` (its
 * options, checks and properties with it), and one entry here; the table,
 * `parbench list`, --help, matrix files and the README's option table come
 * from this list.
 *
 * A runner kept outside the tree joins through PB_EXTRA_RUNNERS, which
 * `make EXTRA_RUNNERS=path/NAME.c` defines (see README: "Adding a
 * workload or a runner"), with no file here edited. */
#ifndef PB_RUNNER_LIST_H
#define PB_RUNNER_LIST_H

#include "extra_plugins.h" /* build/, written by make */
#ifndef PB_EXTRA_RUNNERS
#define PB_EXTRA_RUNNERS(X)
#endif

#define PB_RUNNERS(X) \
    X(single)         \
    X(pthreads)       \
    X(fork)           \
    X(async)          \
    X(mpi)            \
    X(exec)           \
    PB_EXTRA_RUNNERS(X)

#endif
