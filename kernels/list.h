/* kernels/list.h: every workload, once.  Adding a workload means one file
 * exporting `const struct workload_ops wl_<name>` (its options, ops and
 * help with it) and one entry here; the table (kernels/workload.c),
 * `parbench list`, --help, matrix files and the README's option table
 * come from this list.
 *
 * A workload kept outside the tree joins through PB_EXTRA_WORKLOADS, which
 * `make EXTRA_WORKLOADS=path/NAME.c` defines (see README: "Adding a
 * workload or a runner"), with no file here edited. */
#ifndef PB_WORKLOAD_LIST_H
#define PB_WORKLOAD_LIST_H

#include "extra_plugins.h" /* build/, written by make */
#ifndef PB_EXTRA_WORKLOADS
#define PB_EXTRA_WORKLOADS(X)
#endif

#define PB_WORKLOADS(X) \
    X(image)            \
    X(prime)            \
    X(url)              \
    X(spin)             \
    X(pyramid)          \
    PB_EXTRA_WORKLOADS(X)

#endif
