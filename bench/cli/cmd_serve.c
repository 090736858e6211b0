/* bench/cli/cmd_serve.c: `parbench serve`, the loopback HTTP server of the url
 * workload as a command (bench/engine/serve.c does the serving).
 *
 * Prints one line, "listening on ADDR:PORT", on standard output and flushes
 * it once the socket accepts connections, so a parent started with
 * --port 0 learns the port; then serves until SIGTERM or SIGINT, and stops
 * cleanly (exit 0).  Options are one table, as in bench/engine/config.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/cli/commands.h"
#include "bench/cli/opts.h"
#include "bench/engine/serve.h"

/* Raw option values, filled through the table. */
struct serve_args {
    const char *bind;
    uint64_t port, seed, body;
    double latency, jitter;
};

#define F(field) offsetof(struct serve_args, field)
static const struct opt sopts[] = {
    {"port", OT_UINT, F(port), 0, 65535, "P", "TCP port; 0 picks a free one (default 8080)", NULL},
    {"bind", OT_STR, F(bind), 0, 0, "ADDR", "numeric address to listen on (default 127.0.0.1)", NULL},
    {"latency", OT_DURATION, F(latency), 0, 0, "TIME", "delay before each response (default 50ms)", NULL},
    {"jitter", OT_DURATION, F(jitter), 0, 0, "TIME", "delay spread, uniform +-TIME, fixed per path (default 0)", NULL},
    {"body", OT_SIZE, F(body), 1, SERVE_BODY_MAX, "SIZE", "body size of ordinary paths (default 64KiB)", NULL},
    {"seed", OT_UINT, F(seed), 0, INT64_MAX, "S", "bodies are a function of seed and path (default 42)", NULL},
};
#undef F
#define NSOPTS (sizeof sopts / sizeof *sopts)

/* SIGINT/SIGTERM write their number here; the main thread reads it. */
static int stop_pipe[2] = {-1, -1};

static void on_stop(int sig)
{
    char c = (char)sig;
    ssize_t r = write(stop_pipe[1], &c, 1);
    (void)r;
}

static void print_help(FILE *f)
{
    fprintf(f, "usage: parbench serve [OPTIONS]\n\n"
               "Serves GET /status/NNN with status NNN and any other path "
               "with --body\ndeterministic bytes, each after --latency.  "
               "Prints \"listening on ADDR:PORT\"\nand runs until SIGTERM or "
               "SIGINT.\n\noptions:\n");
    opt_print(f, sopts, NSOPTS);
}

int cmd_serve(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help(stdout);
            return 0;
        }
    struct serve_args a = {.bind = "127.0.0.1", .port = 8080, .seed = 42,
                           .body = 64 * 1024, .latency = 0.05};
    char err[300];
    if (opt_parse(sopts, NSOPTS, &a, NULL, argc, argv, NULL, 0, NULL, err,
                  sizeof err))
        return pb_usage_error("serve: %s", err);
    struct serve_config c = {.bind = a.bind, .port = (uint16_t)a.port,
                             .latency_s = a.latency, .jitter_s = a.jitter,
                             .body_bytes = a.body, .seed = a.seed};

    /* SIGINT and SIGTERM (also the parent-death signal of an embedded
     * server) end the loop below through a self-pipe.  A handler rather
     * than sigwait(): a thread we did not create (a sanitizer's) does not
     * have them blocked and would otherwise take the default action.  The
     * handler also replaces a SIG_IGN a shell gave a background job.
     * Blocked while the server starts its threads, so they inherit the
     * block and the signal lands in this thread (or that foreign one). */
    if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
        fprintf(stderr, "parbench: serve: pipe: %s\n", strerror(errno));
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigfillset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);

    struct pb_server *s;
    int rc = serve_start(&c, &s, err, sizeof err);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        fprintf(stderr, "parbench: serve: %s\n", err);
        return rc == -EINVAL ? 2 : 1;
    }
    printf("listening on %s\n", serve_address(s));
    fflush(stdout);
    char sig;
    while (read(stop_pipe[0], &sig, 1) < 0 && errno == EINTR)
        ;
    serve_stop(s);
    return 0;
}
