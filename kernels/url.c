/* kernels/url.c: the `url` workload, the I/O-bound counterpart of the
 * reference experiment 002 (URLs fetched by 1..16 threads).  See
 * kernels/url.h for what a task does and records. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kernels/url.h"

/* The workload's own options.  Without --urls the tasks fetch paths of
 * parbench's embedded server, whose settings are options here too. */
struct url_params {
    const char *urls_file; /* NULL: the embedded server, --tasks paths */
    const char *base_url;  /* the embedded server's address (internal) */
    double timeout_s;      /* per request */
    double latency_s, jitter_s; /* embedded server: delay and spread */
    uint64_t body_bytes;   /* embedded server: body size */
};
PB_PARAMS_FIT(struct url_params);

#define UP(f) offsetof(struct url_params, f)
static const struct opt url_opts[] = {
    {"urls", OT_STR, UP(urls_file), 0, 0, "FILE", "one URL per line (# comments, blank lines ignored); the task count is the number of URLs (an explicit --tasks must agree); without it, --tasks paths of the embedded server", NULL},
    {"timeout", OT_DURATION, UP(timeout_s), 0, 0, "TIME", "per-request limit", "10s"},
    {"latency", OT_DURATION, UP(latency_s), 0, 0, "TIME", "the embedded server's delay before each response", "50ms"},
    {"jitter", OT_DURATION, UP(jitter_s), 0, 0, "TIME", "+- uniform spread of the embedded server's delay, fixed per path", "0"},
    {"body", OT_SIZE, UP(body_bytes), 1, URL_BODY_MAX, "SIZE", "the embedded server's body size", "64KiB"},
    {"base-url", OT_STR, UP(base_url), 0, 0, "URL", NULL, NULL},
};
#undef UP

static const struct url_params *params_of(const struct workload *w)
{
    return (const struct url_params *)(const void *)w->params;
}

/* Built by setup, read-only afterwards; forked workers inherit it. */
struct url_plan {
    size_t n;
    char **urls;  /* [n] */
    int embedded; /* the URLs point at our own loopback server */
};

const char *url_task_url(const struct workload *w, size_t i)
{
    const struct url_plan *p = w->plan;
    return p && i < p->n ? p->urls[i] : NULL;
}

int url_is_embedded(const struct workload *w)
{
    const struct url_plan *p = w->plan;
    return p && p->embedded;
}

/* One transfer's body, consumed as it arrives. */
struct xfer {
    struct pb_hasher h;
    uint64_t bytes;
    char errbuf[CURL_ERROR_SIZE]; /* curl's detailed message */
};

/* A blocking worker's context: one easy handle, reused. */
struct url_worker {
    CURL *easy;
    struct xfer x;
};

/* curl_global_init is not thread-safe: once, from setup, in the driver,
 * before any runner starts a thread or forks. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- the URL list ------------------------------------------------------- */

int url_check(const char *s, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    /* No CURLU_GUESS_SCHEME / DEFAULT_SCHEME: "example.com/x" or "ftp//x"
     * is a mistake in the file, not something to second-guess. */
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, s, 0);
    char *scheme = NULL;
    int rc = 0;
    if (uc != CURLUE_OK) {
        snprintf(err, errlen, "%s", curl_url_strerror(uc));
        rc = -EINVAL;
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcasecmp(scheme, "http") != 0 &&
                strcasecmp(scheme, "https") != 0)) {
        snprintf(err, errlen, "scheme '%s' is not http or https",
                 scheme ? scheme : "");
        rc = -EINVAL;
    }
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

static void free_list(char **urls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(urls[i]);
    free(urls);
}

int url_list_load(const char *path, char ***urls, size_t *n, char *err,
                  size_t errlen)
{
    *urls = NULL, *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "--urls %s: %s", path, strerror(e));
        return -e;
    }
    int rc = url_list_read(f, path, urls, n, err, errlen);
    fclose(f);
    return rc;
}

int url_list_read(FILE *f, const char *path, char ***urls, size_t *n,
                  char *err, size_t errlen)
{
    *urls = NULL, *n = 0;
    char *line = NULL, **list = NULL;
    size_t cap = 0, cnt = 0, lcap = 0, lineno = 0;
    ssize_t len;
    int rc = 0;
    errno = 0;
    while (rc == 0 && (len = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        char *s = line, *e = line + len;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        *e = 0;
        if (s == e || *s == '#')
            continue;
        char why[160];
        if (strlen(s) != (size_t)(e - s) || url_check(s, why, sizeof why)) {
            if (strlen(s) != (size_t)(e - s))
                snprintf(why, sizeof why, "contains a NUL byte");
            snprintf(err, errlen, "--urls %s line %zu: '%.60s' is not a "
                     "usable URL: %s", path, lineno, s, why);
            /* The line may hold control bytes: keep the reason one line
             * that cannot drive a terminal (bench's pb_text_oneline). */
            for (char *c = err; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                    *c = '?';
            rc = -EINVAL;
            break;
        }
        if (cnt == cap) {
            size_t nc = cap ? 2 * cap : 64;
            char **nl = realloc(list, nc * sizeof *nl);
            if (!nl) {
                rc = -ENOMEM;
                break;
            }
            list = nl, cap = nc;
        }
        if (!(list[cnt] = strdup(s))) {
            rc = -ENOMEM;
            break;
        }
        cnt++;
    }
    if (rc == 0 && ferror(f)) {
        rc = errno ? -errno : -EIO;
        snprintf(err, errlen, "--urls %s: %s", path, strerror(-rc));
    } else if (rc == -ENOMEM) {
        snprintf(err, errlen, "--urls %s: out of memory", path);
    } else if (rc == 0 && cnt == 0) {
        snprintf(err, errlen, "--urls %s: no URLs in it (only blank lines "
                 "and # comments)", path);
        rc = -EINVAL;
    }
    free(line);
    if (rc) {
        free_list(list, cnt);
        return rc;
    }
    *urls = list, *n = cnt;
    return 0;
}

/* ---- setup -------------------------------------------------------------- */

static int check(const struct workload *w, char *err, size_t errlen)
{
    if (!(params_of(w)->timeout_s > 0)) {
        snprintf(err, errlen, "--timeout must be positive");
        return -EINVAL;
    }
    return 0;
}

/* The embedded server, when no URL file is given. */
static int server(const struct workload *w, struct wl_server *s)
{
    const struct url_params *up = params_of(w);
    if (up->urls_file)
        return 0;
    *s = (struct wl_server){.latency_s = up->latency_s,
                            .jitter_s = up->jitter_s,
                            .body_bytes = up->body_bytes};
    return 1;
}

static void server_at(struct workload *w, const char *base_url)
{
    ((struct url_params *)(void *)w->params)->base_url = base_url;
}

/* "urls": the file, or "embedded"; the server's settings only when it was
 * ours (a file's servers are not ours to describe). */
static void report(const struct workload *w, const struct wl_sink *s)
{
    const struct url_params *up = params_of(w);
    s->str(s->ctx, "urls", up->urls_file ? up->urls_file : "embedded");
    s->num(s->ctx, "timeout_s", up->timeout_s);
    if (!up->urls_file) {
        s->num(s->ctx, "latency_s", up->latency_s);
        s->num(s->ctx, "jitter_s", up->jitter_s);
        s->num(s->ctx, "body_bytes", (double)up->body_bytes);
    } else {
        s->str(s->ctx, "latency_s", NULL);
        s->str(s->ctx, "jitter_s", NULL);
        s->str(s->ctx, "body_bytes", NULL);
    }
}

/* The server's latency per round of `workers` requests. */
static void estimate(const struct workload *w, double par, unsigned workers,
                     double *rep_s, double *setup_s)
{
    (void)par;
    double rounds = ceil((double)w->p.tasks / (workers ? workers : 1));
    *rep_s = rounds * 0.05 + 0.02;
    *setup_s = 0.2;
}

static void teardown(struct workload *w)
{
    struct url_plan *p = w->plan;
    if (p)
        free_list(p->urls, p->n);
    free(p);
    w->plan = NULL;
}

static int setup(struct workload *w, char *err, size_t errlen)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(curl_init_rc));
        return -EIO;
    }
    const struct url_params *up = params_of(w);
    if (check(w, err, errlen))
        return -EINVAL;
    struct url_plan *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    w->plan = p;
    int rc = 0;
    if (up->urls_file) {
        rc = url_list_load(up->urls_file, &p->urls, &p->n, err, errlen);
        if (rc == 0 && w->p.tasks_given && w->p.tasks != p->n) {
            snprintf(err, errlen, "--tasks %zu disagrees with the %zu URLs in "
                     "%s (with --urls, tasks are the URLs: leave --tasks out)",
                     w->p.tasks, p->n, up->urls_file);
            rc = -EINVAL;
        }
        if (rc == 0)
            w->p.tasks = p->n;
    } else if (up->base_url) {
        p->embedded = 1;
        p->urls = calloc(w->p.tasks, sizeof *p->urls);
        rc = p->urls ? 0 : -ENOMEM;
        for (size_t i = 0; rc == 0 && i < w->p.tasks; i++, p->n++) {
            size_t len = strlen(up->base_url) + 32;
            if (!(p->urls[i] = malloc(len)))
                rc = -ENOMEM;
            else
                snprintf(p->urls[i], len, "%s/item/%zu", up->base_url, i);
        }
        if (rc)
            snprintf(err, errlen, "out of memory for %zu URLs", w->p.tasks);
    } else {
        snprintf(err, errlen, "the url workload needs --urls FILE or the "
                 "embedded server");
        rc = -EINVAL;
    }
    if (rc)
        teardown(w);
    return rc;
}

static size_t no_bytes(const struct workload *w, size_t i)
{
    (void)w, (void)i;
    return 0; /* the URL is in the plan; the body is hashed, not stored */
}

/* ---- one transfer ------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    pb_hash_update(&x->h, data, n);
    x->bytes += n;
    return n;
}

/* Point e at task i, its body into x.  Everything is set every time, so a
 * reused handle carries nothing over but its connection. */
static int configure(const struct workload *w, CURL *e, size_t i,
                     struct xfer *x)
{
    const struct url_plan *p = w->plan;
    pb_hash_init(&x->h, 0); /* the seed pb_hash64 uses for task outputs */
    x->bytes = 0;
    x->errbuf[0] = 0;
    double ms = ceil(params_of(w)->timeout_s * 1000);
    CURLcode rc = CURLE_OK;
#define SET(opt, val) \
    do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
    SET(CURLOPT_URL, p->urls[i]);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for timeouts: we use threads */
    SET(CURLOPT_TIMEOUT_MS, ms < 1 ? 1L : ms > 2e9 ? 2000000000L : (long)ms);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_USERAGENT, "parbench");
    /* Our own loopback server: a proxy from the environment is never the
     * way there.  User URLs follow the environment as curl would. */
    if (p->embedded)
        SET(CURLOPT_NOPROXY, "*");
#undef SET
    return rc == CURLE_OK ? 0 : (int)rc;
}

/* Fill r from a finished transfer; 0 when the task succeeded. */
static int finish(CURL *e, CURLcode rc, struct xfer *x, struct task_result *r)
{
    long code = 0;
    curl_off_t total = 0, first = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &first);
    r->http_status = (int32_t)code;
    r->bytes = x->bytes;
    r->latency_s = (double)total * 1e-6;
    r->ttfb_s = (double)first * 1e-6;
    if (rc != CURLE_OK) {
        r->status = (int32_t)rc;
        /* curl's detail can exceed PB_ERR_MAX; cut it knowingly. */
        snprintf(r->error, sizeof r->error, "%.*s", (int)sizeof r->error - 1,
                 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
        return -1;
    }
    if (code >= 400) {
        r->status = (int32_t)code;
        snprintf(r->error, sizeof r->error, "HTTP %ld", code);
        return -1;
    }
    r->digest = pb_hash_final(&x->h);
    r->value = (int64_t)x->bytes;
    return 0;
}

static void config_failed(int rc, struct task_result *r)
{
    r->status = rc ? rc : -1;
    snprintf(r->error, sizeof r->error, "cannot configure the transfer: %s",
             curl_easy_strerror((CURLcode)rc));
}

/* ---- blocking runners --------------------------------------------------- */

static int worker_init(const struct workload *w, void **ctx)
{
    (void)w;
    struct url_worker *c = calloc(1, sizeof *c);
    if (!c || !(c->easy = curl_easy_init())) {
        free(c);
        return -ENOMEM;
    }
    *ctx = c;
    return 0;
}

static void worker_fini(const struct workload *w, void *ctx)
{
    (void)w;
    struct url_worker *c = ctx;
    curl_easy_cleanup(c->easy);
    free(c);
}

static int run_task(const struct workload *w, void *ctx, size_t i,
                    const void *in, void *out, struct task_result *r)
{
    (void)in, (void)out;
    struct url_worker *c = ctx;
    int rc = configure(w, c->easy, i, &c->x);
    if (rc) {
        config_failed(rc, r);
        return -1;
    }
    return finish(c->easy, curl_easy_perform(c->easy), &c->x, r);
}

/* ---- event-loop runners ------------------------------------------------- */

static void *async_begin(const struct workload *w, size_t i,
                         struct task_result *r)
{
    memset(r, 0, sizeof *r);
    struct xfer *x = malloc(sizeof *x);
    CURL *e = x ? curl_easy_init() : NULL;
    int rc = e ? configure(w, e, i, x) : CURLE_OUT_OF_MEMORY;
    if (rc == 0)
        rc = curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    if (rc) {
        config_failed(rc, r);
        if (e)
            curl_easy_cleanup(e);
        free(x);
        return NULL;
    }
    return e;
}

static void async_end(const struct workload *w, size_t i, void *handle,
                      int rc, struct task_result *r)
{
    (void)w, (void)i;
    CURL *e = handle;
    char *priv = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
    struct xfer *x = (struct xfer *)priv;
    finish(e, (CURLcode)rc, x, r);
    curl_easy_cleanup(e);
    free(x);
}

const struct workload_ops wl_url = {
    .name = "url",
    .help = "GET --urls FILE or --tasks paths of the embedded server "
            "(value: body bytes)",
    .kind = WL_IO,
    .has_value = 1,
    .opts = url_opts,
    .nopts = sizeof url_opts / sizeof *url_opts,
    .check = check,
    .setup = setup,
    .teardown = teardown,
    .input_size = no_bytes,
    .output_size = no_bytes,
    .worker_init = worker_init,
    .worker_fini = worker_fini,
    .run_task = run_task,
    .sets_digest = 1,
    .async_begin = async_begin,
    .async_end = async_end,
    .report = report,
    .estimate = estimate,
    .server = server,
    .server_at = server_at,
    .workers_chart = 1,
};
