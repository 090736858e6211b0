/* bench/report/reportlock.h: one writer per report.
 *
 * A matrix rewrites its report after every cell; two matrices given the
 * same --output would each replace the other's cells.  The report itself
 * cannot carry the lock (every rewrite renames a new file over it), so the
 * lock is an flock(2) on a stable file beside it, ".<name>.lock", removed
 * when the writer is done. */
#ifndef PB_REPORTLOCK_H
#define PB_REPORTLOCK_H
#include <stddef.h>

struct report_lock {
    int fd;          /* the locked file, -1: none held */
    char path[4200]; /* its name, for removing it */
};

/* Take the lock of the report at path (symlinks followed, as the report
 * is written); a device or FIFO takes none.  0; -EBUSY when another
 * process holds it, -errno otherwise, with a one-line reason in err. */
int report_lock(struct report_lock *l, const char *path, char *err,
                size_t errlen);
/* Remove the lock file and release it (nothing when none is held). */
void report_unlock(struct report_lock *l);
#endif
