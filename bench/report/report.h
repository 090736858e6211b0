/* bench/report/report.h: the report document: its frame, and writing it safely. */
#ifndef PB_REPORT_H
#define PB_REPORT_H
#include <cjson/cJSON.h>
#include <stddef.h>

#define PB_SCHEMA "parbench.report/1"
#define PB_VERSION "0.1.0"

/* {"schema", "tool", "created", "host", "runs": []}. */
cJSON *report_new(void);
/* Check before running that path can be written (not a directory, its
 * directory writable); nothing is created or changed. */
int report_check_output(const char *path, char *err, size_t errlen);
/* Write doc to a temporary file beside path, fsync, rename into place.
 * path NULL: standard output. */
int report_write(const char *path, const cJSON *doc, char *err,
                 size_t errlen);
#endif
