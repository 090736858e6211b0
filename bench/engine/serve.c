/* bench/engine/serve.c: the loopback HTTP server behind the url workload, on
 * libmicrohttpd.
 *
 * Why suspend/resume: the point of the server is to make a request take
 * --latency without costing anything, so that 64 requests in flight at
 * 50 ms all finish after ~50 ms.  Sleeping in the request handler would
 * block MHD's event loop (or need a thread per connection).  Instead the
 * handler suspends the connection and files it in a min-heap by due time;
 * one timer thread resumes connections as they fall due, and MHD then calls
 * the handler again, which queues the response.  The event loop never waits.
 *
 * Paths: "/status/NNN" (200 <= NNN <= 599) answers with status NNN and a
 * short text body; any other path answers 200 with --body bytes generated
 * from (seed, path).  Only GET and HEAD are served.  Bodies are produced by
 * a content-reader callback in blocks, so a large --body costs no memory.
 *
 * Idle clients: everything comes from 127.0.0.1, so a per-address limit
 * cannot tell a benchmark's workers from a crowd of sockets that connect
 * and send nothing.  Such a crowd used to fill libmicrohttpd's default
 * connection limit (FD_SETSIZE - 4, about 1020) and every new client then
 * waited for its 120 s timeout.  So the server raises its open-file limit
 * to what the hard limit allows, admits up to SERVE_MAX_CONNECTIONS
 * connections at once (a benchmark runs at most 4096 workers), and drops
 * a connection idle for SERVE_IDLE_TIMEOUT_S seconds: a client that
 * connects is expected to send its request at once.  A suspended request
 * (waiting out its --latency) is not idle: MHD does not time out
 * suspended connections.
 *
 * Stopping: MHD_stop_daemon() must not find a suspended connection, so
 * serve_stop() first sets `stopping` (the handler suspends nothing after
 * that), lets the timer thread resume everything still waiting, joins it,
 * and only then stops the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/engine/serve.h"
#include "kernels/workload.h"

#define BLOCK (64 * 1024) /* bytes generated per content-reader call */
#define SERVE_MAX_CONNECTIONS 16384
#define SERVE_IDLE_TIMEOUT_S 10u
#define FDS_SPARE 64 /* descriptors kept for everything but connections */

/* A suspended connection and when to resume it. */
struct pending {
    double due; /* CLOCK_MONOTONIC seconds */
    struct MHD_Connection *conn;
};

struct pb_server {
    struct serve_config cfg;
    struct MHD_Daemon *d;
    int listen_fd;
    uint16_t port;
    char addr[INET6_ADDRSTRLEN + 10];
    pthread_t timer;
    int timer_started;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* on CLOCK_MONOTONIC: heap changed or stopping */
    struct pending *heap; /* min-heap on due */
    size_t nheap, capheap;
    int stopping;
    atomic_int serving; /* MHD started: its log is muted (see on_log) */
};

/* MHD's per-request pointer is set to this once the handler has seen the
 * request: the delay has been started, the next call answers. */
static char seen_marker;

/* A body being streamed: which bytes to generate. */
struct body {
    uint64_t key, size;
};

/* ---- deterministic content ---------------------------------------------- */

uint64_t serve_path_key(uint64_t seed, const char *path)
{
    return pb_hash64(path, strlen(path), seed);
}

void serve_body_bytes(uint64_t key, uint64_t pos, void *buf, size_t len)
{
    unsigned char *o = buf;
    size_t j = 0;
    while (j < len) {
        /* Byte p is byte p % 8 of splitmix64 step p / 8 from the key: any
         * range can be produced on its own, in any block size. */
        uint64_t s = key + ((pos + j) / 8) * 0x9e3779b97f4a7c15ull;
        uint64_t z = pb_splitmix64(&s);
        for (unsigned b = (unsigned)((pos + j) % 8); b < 8 && j < len; b++)
            o[j++] = (unsigned char)(z >> (8 * b));
    }
}

double serve_delay(const struct serve_config *c, const char *path)
{
    double d = c->latency_s;
    if (c->jitter_s > 0) {
        uint64_t h = pb_hash64(path, strlen(path), c->seed ^ 0x6a69747465ull);
        double u = (double)(h >> 11) * 0x1.0p-53; /* [0, 1) */
        d += c->jitter_s * (2 * u - 1);
    }
    return d > 0 ? d : 0;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the heap of suspended connections (under mu) ----------------------- */

static int heap_push(struct pb_server *s, double due,
                     struct MHD_Connection *conn)
{
    if (s->nheap == s->capheap) {
        size_t cap = s->capheap ? 2 * s->capheap : 64;
        struct pending *h = realloc(s->heap, cap * sizeof *h);
        if (!h)
            return -ENOMEM;
        s->heap = h, s->capheap = cap;
    }
    size_t i = s->nheap++;
    while (i > 0 && s->heap[(i - 1) / 2].due > due) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = (struct pending){due, conn};
    return 0;
}

static struct MHD_Connection *heap_pop(struct pb_server *s)
{
    struct MHD_Connection *top = s->heap[0].conn;
    struct pending last = s->heap[--s->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->nheap)
            break;
        if (c + 1 < s->nheap && s->heap[c + 1].due < s->heap[c].due)
            c++;
        if (s->heap[c].due >= last.due)
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->nheap)
        s->heap[i] = last;
    return top;
}

/* Resume connections as they fall due; on stop, resume all and exit.
 * MHD_resume_connection() is called without mu held, so the timer never
 * holds our lock while taking MHD's. */
static void *timer_main(void *arg)
{
    struct pb_server *s = arg;
    struct MHD_Connection *batch[64];
    pthread_mutex_lock(&s->mu);
    for (;;) {
        size_t nb = 0;
        double now = mono_now();
        while (s->nheap && nb < 64 && (s->stopping || s->heap[0].due <= now))
            batch[nb++] = heap_pop(s);
        if (nb) {
            pthread_mutex_unlock(&s->mu);
            for (size_t k = 0; k < nb; k++)
                MHD_resume_connection(batch[k]);
            pthread_mutex_lock(&s->mu);
            continue;
        }
        if (s->stopping)
            break;
        if (s->nheap) {
            double due = s->heap[0].due;
            struct timespec ts = {.tv_sec = (time_t)due};
            ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
            pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        } else {
            pthread_cond_wait(&s->cv, &s->mu);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- MHD callbacks ------------------------------------------------------ */

static ssize_t read_body(void *cls, uint64_t pos, char *buf, size_t max)
{
    const struct body *b = cls;
    if (pos >= b->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = b->size - pos < max ? (size_t)(b->size - pos) : max;
    serve_body_bytes(b->key, pos, buf, n);
    return (ssize_t)n;
}

static enum MHD_Result answer_text(struct MHD_Connection *conn,
                                   unsigned status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond(struct pb_server *s,
                               struct MHD_Connection *conn, const char *url,
                               const char *method)
{
    char text[64];
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                           "only GET and HEAD\n");
    if (strncmp(url, "/status/", 8) == 0) {
        const char *c = url + 8;
        unsigned code = 0;
        int ok = strlen(c) == 3;
        for (int k = 0; ok && k < 3; k++) {
            ok = c[k] >= '0' && c[k] <= '9';
            code = code * 10 + (unsigned)(c[k] - '0');
        }
        if (!ok || code < 200 || code > 599)
            return answer_text(conn, MHD_HTTP_BAD_REQUEST,
                               "status must be 200..599\n");
        /* 204 and 304 must not carry a body. */
        snprintf(text, sizeof text, "status %u\n", code);
        return answer_text(conn, code, code == 204 || code == 304 ? ""
                                                                  : text);
    }
    struct body *b = malloc(sizeof *b);
    if (!b)
        return MHD_NO;
    b->key = serve_path_key(s->cfg.seed, url);
    b->size = s->cfg.body_bytes;
    struct MHD_Response *r =
        MHD_create_response_from_callback(b->size, BLOCK, read_body, b, free);
    if (!r) {
        free(b);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/octet-stream");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct pb_server *s = cls;
    (void)version, (void)upload;
    if (*con_cls != &seen_marker) {
        /* First call, headers received: start the delay. */
        *con_cls = &seen_marker;
        double delay = serve_delay(&s->cfg, url);
        if (delay > 0) {
            pthread_mutex_lock(&s->mu);
            if (!s->stopping && heap_push(s, mono_now() + delay, conn) == 0) {
                /* Suspended before the timer can see it: mu is held. */
                MHD_suspend_connection(conn);
                pthread_cond_signal(&s->cv);
            }
            pthread_mutex_unlock(&s->mu);
        }
        return MHD_YES;
    }
    if (*upload_size) { /* a request body: read and drop it */
        *upload_size = 0;
        return MHD_YES;
    }
    return respond(s, conn, url, method);
}

/* MHD's messages matter while it starts (why it could not); once serving
 * they are about clients going away mid-response, which is what a client
 * timing out does: normal for a benchmark, noise on the run's stderr. */
static void on_log(void *cls, const char *fmt, va_list ap)
{
    struct pb_server *s = cls;
    if (atomic_load(&s->serving))
        return;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = 0;
    fprintf(stderr, "parbench: serve: %s\n", msg);
}

/* ---- start / stop ------------------------------------------------------- */

/* Our own listening socket, so a failure names its errno exactly. */
static int open_listener(struct pb_server *s, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    const char *host = s->cfg.bind;
    int v6 = 0;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(s->cfg.port);
        len = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(s->cfg.port);
        len = sizeof *a6;
        v6 = 1;
    } else {
        snprintf(err, errlen, "--bind: '%s' is not a numeric IPv4 or IPv6 "
                 "address", host);
        return -EINVAL;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    0);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "socket: %s", strerror(e));
        return -e;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s", v6 ? "[" : "",
                 host, v6 ? "]" : "", (unsigned)s->cfg.port, strerror(e));
        close(fd);
        return -e;
    }
    s->listen_fd = fd;
    s->port = ntohs(v6 ? a6->sin6_port : a4->sin_port);
    snprintf(s->addr, sizeof s->addr, "%s%s%s:%u", v6 ? "[" : "", host,
             v6 ? "]" : "", (unsigned)s->port);
    return v6;
}

/* Raise the soft open-file limit towards the hard one and return how many
 * connections fit in it. */
static unsigned connection_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1000;
    rlim_t want = SERVE_MAX_CONNECTIONS + FDS_SPARE;
    if (rl.rlim_cur < want) {
        struct rlimit up = rl;
        up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
                          ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl = up;
    }
    rlim_t n = rl.rlim_cur > 2 * FDS_SPARE ? rl.rlim_cur - FDS_SPARE
                                           : rl.rlim_cur / 2;
    return n > SERVE_MAX_CONNECTIONS ? SERVE_MAX_CONNECTIONS : (unsigned)n;
}

int serve_start(const struct serve_config *c, struct pb_server **out,
                char *err, size_t errlen)
{
    *out = NULL;
    struct pb_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->cfg = *c;
    atomic_init(&s->serving, 0);
    if (!s->cfg.bind)
        s->cfg.bind = "127.0.0.1";
    s->listen_fd = -1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->mu, NULL);

    int v6 = open_listener(s, err, errlen);
    if (v6 < 0) {
        serve_stop(s);
        return v6;
    }
    int rc = pthread_create(&s->timer, NULL, timer_main, s);
    if (rc) {
        snprintf(err, errlen, "cannot start the timer thread: %s",
                 strerror(rc));
        serve_stop(s);
        return -rc;
    }
    s->timer_started = 1;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, s,
        MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
        MHD_OPTION_CONNECTION_TIMEOUT, SERVE_IDLE_TIMEOUT_S,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
        MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "libmicrohttpd could not start on %s",
                 s->addr);
        serve_stop(s);
        return -EIO;
    }
    /* MHD owns the socket from here and closes it in MHD_stop_daemon(). */
    s->listen_fd = -1;
    atomic_store(&s->serving, 1);
    *out = s;
    return 0;
}

uint16_t serve_port(const struct pb_server *s)
{
    return s->port;
}

const char *serve_address(const struct pb_server *s)
{
    return s->addr;
}

void serve_stop(struct pb_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->timer_started)
        pthread_join(s->timer, NULL);
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->heap);
    free(s);
}
