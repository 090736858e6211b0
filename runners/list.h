/* runners/list.h: every runner, once.  Adding a runner means one file,
 * runners/<name>.c exporting `const struct runner runner_<name>`, and one
 * entry here; the table, `parbench list` and --help come from this list. */
#ifndef PB_RUNNER_LIST_H
#define PB_RUNNER_LIST_H

#define PB_RUNNERS(X) \
    X(single)         \
    X(pthreads)       \
    X(fork)           \
    X(async)          \
    X(mpi)

#endif
