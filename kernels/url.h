/* kernels/url.h: the `url` workload: each task GETs one URL with libcurl.
 *
 * Where the URLs come from: --urls FILE (one per line; blank lines and
 * lines whose first non-blank character is '#' are ignored; http and https
 * only), then --tasks is the number of URLs (an explicit --tasks that
 * disagrees is an error); or, without a file, --tasks paths
 * "<base_url>/item/<i>" on the embedded server (bench/engine/serve.c).
 *
 * What a task records: HTTP status, body bytes, time to first byte and
 * total time as libcurl measured them (CURLINFO_STARTTRANSFER_TIME_T and
 * CURLINFO_TOTAL_TIME_T).  The body is hashed as it arrives (pb_hasher), so
 * task i's digest is pb_hash64 of its body and nothing is stored.  A task
 * fails (status != 0, digest 0) on a transport error (status = the
 * CURLcode, error = curl's message) or an HTTP status >= 400 (status = that
 * HTTP status, error "HTTP 404").  result.value is the total body bytes of
 * the tasks that succeeded.
 *
 * Blocking runners (single, pthreads, fork) call run_task with a worker
 * context holding one CURL easy handle, reused, so keep-alive connections
 * are reused from task to task.  The async runner uses async_begin /
 * async_end: a fresh easy handle per task whose CURLOPT_PRIVATE is the
 * workload's; connections are reused through the multi handle's cache.
 */
#ifndef PB_URL_H
#define PB_URL_H
#include <stddef.h>
#include <stdio.h>

#include "kernels/workload.h"

extern const struct workload_ops wl_url;

/* Largest --body of the embedded server: 1 GiB. */
#define URL_BODY_MAX (1ull << 30)

/* Read and check a URL list file; *urls is an array of n strings (free
 * each and the array).  0, or -errno with a one-line reason in err. */
int url_list_load(const char *path, char ***urls, size_t *n, char *err,
                  size_t errlen);
/* The same from an open stream (url_list_load's reader and the fuzz
 * target tests/fuzz/fuzz_urls.c); path names it in messages. */
int url_list_read(FILE *f, const char *path, char ***urls, size_t *n,
                  char *err, size_t errlen);
/* 0 when s is an absolute http or https URL libcurl can parse, else
 * -EINVAL with why in err. */
int url_check(const char *s, char *err, size_t errlen);

/* After setup: task i's URL, and whether the URLs are parbench's own
 * loopback server (for runners that hand the tasks to another program:
 * runners/exec.c). */
const char *url_task_url(const struct workload *w, size_t i);
int url_is_embedded(const struct workload *w);
#endif
