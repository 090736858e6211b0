/* bench/report.c: the report frame and its atomic writing.  A reader (or a
 * later `--resume`) never sees half a report: the JSON goes to a temporary
 * file in the target's directory, is flushed to disk, then renamed over the
 * target in one step. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/host.h"
#include "bench/report.h"
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

static void dir_of(const char *path, char *dir, size_t n)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(dir, n, "%s", dirname(tmp));
}

int report_check_output(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (!path)
        return 0;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "--output '%s': is a directory", path);
            return -EISDIR;
        }
        if (access(path, W_OK) != 0) {
            snprintf(err, errlen, "--output '%s': not writable: %s", path,
                     strerror(errno));
            return -EACCES;
        }
    }
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--output '%s': directory '%s' does not exist",
                 path, dir);
        return -ENOENT;
    }
    /* access() says yes to root everywhere, even on read-only or virtual
     * file systems: try the real thing, a temporary file, and remove it. */
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/.parbench-probe.XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) {
        snprintf(err, errlen, "--output '%s': cannot write in '%s': %s", path,
                 dir, strerror(errno));
        return -EACCES;
    }
    close(fd);
    unlink(probe);
    return 0;
}

int report_write(const char *path, const cJSON *doc, char *err,
                 size_t errlen)
{
    char *text = cJSON_Print(doc);
    if (!text) {
        snprintf(err, errlen, "out of memory printing the report");
        return -ENOMEM;
    }
    size_t len = strlen(text);
    int rc = 0;
    if (!path) {
        if (fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
            fflush(stdout) != 0) {
            snprintf(err, errlen, "writing the report: %s", strerror(errno));
            rc = -EIO;
        }
        free(text);
        return rc;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(text);
        return -errno;
    }
    fchmod(fd, 0644);
    const char *p = text;
    size_t left = len;
    while (left && rc == 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = -errno;
        else
            p += w, left -= (size_t)w;
    }
    if (rc == 0 && (write(fd, "\n", 1) != 1 || fsync(fd) != 0))
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        unlink(tmp);
    }
    free(text);
    return rc;
}
