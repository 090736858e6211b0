/* bench/engine/serve.h: the loopback HTTP server the url workload fetches from
 * (`parbench serve`, and the child `parbench run --workload url` starts).
 *
 * Every response is a pure function of (seed, path), so a run's checksum is
 * reproducible; every response waits --latency (plus deterministic jitter)
 * before it is sent, without holding a thread, so many slow requests in
 * flight do not delay one another. */
#ifndef PB_SERVE_H
#define PB_SERVE_H
#include <stddef.h>
#include <stdint.h>

#include "kernels/url.h"

#define SERVE_BODY_MAX URL_BODY_MAX /* largest --body: 1 GiB */

struct serve_config {
    const char *bind;    /* numeric IPv4/IPv6 address; "127.0.0.1" default */
    uint16_t port;       /* 0: an ephemeral port, chosen by the kernel */
    double latency_s;    /* delay before every response, >= 0 */
    double jitter_s;     /* delay is uniform in [latency - jitter, latency +
                            jitter] (clamped at 0), fixed per path */
    uint64_t body_bytes; /* body size of an ordinary path, 1..SERVE_BODY_MAX */
    uint64_t seed;       /* bodies and jitter are functions of (seed, path) */
};

struct pb_server;

/* Bind, listen and start serving in background threads.  0, or -errno with
 * a one-line reason in err. */
int serve_start(const struct serve_config *c, struct pb_server **out,
                char *err, size_t errlen);
/* The port actually bound (the chosen one when the config said 0). */
uint16_t serve_port(const struct pb_server *s);
/* "127.0.0.1:8080" or "[::1]:8080". */
const char *serve_address(const struct pb_server *s);
/* Answer every pending request, stop the threads, close the socket, free. */
void serve_stop(struct pb_server *s);

/* What a path is served with, exposed for tests:
 * the delay before the response, */
double serve_delay(const struct serve_config *c, const char *path);
/* the key the body of an ordinary path is generated from, */
uint64_t serve_path_key(uint64_t seed, const char *path);
/* and body bytes [pos, pos + len) for that key (random access). */
void serve_body_bytes(uint64_t key, uint64_t pos, void *buf, size_t len);
#endif
