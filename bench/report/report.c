/* bench/report/report.c: the report frame and its writing (bench/util/safeio.c: a
 * reader, or a later `--resume`, never sees half a report, and a device,
 * FIFO or symlink named as the output survives). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/host/host.h"
#include "bench/report/report.h"
#include "bench/util/safeio.h"
#include "build_commit.h"

cJSON *report_new(void)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "schema", PB_SCHEMA);
    cJSON *tool = cJSON_AddObjectToObject(doc, "tool");
    cJSON_AddStringToObject(tool, "name", "parbench");
    cJSON_AddStringToObject(tool, "version", PB_VERSION);
    cJSON_AddStringToObject(tool, "commit", PB_COMMIT);
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(doc, "created", when);
    cJSON_AddItemToObject(doc, "host", host_json());
    cJSON_AddArrayToObject(doc, "runs");
    return doc;
}

int report_check_output(const char *path, char *err, size_t errlen)
{
    return pb_check_path("--output", path, err, errlen);
}

int report_write(const char *path, const cJSON *doc, char *err,
                 size_t errlen)
{
    char *text = cJSON_Print(doc);
    if (!text) {
        snprintf(err, errlen, "out of memory printing the report");
        return -ENOMEM;
    }
    struct iovec v[2] = {{text, strlen(text)}, {"\n", 1}};
    int rc = pb_write_path(path, v, 2, err, errlen);
    free(text);
    return rc;
}
