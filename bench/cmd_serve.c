/* bench/cmd_serve.c: `parbench serve`, the loopback HTTP server of the url
 * workload as a command (bench/serve.c does the serving).
 *
 * Prints one line, "listening on ADDR:PORT", on standard output and flushes
 * it once the socket accepts connections, so a parent started with
 * --port 0 learns the port; then serves until SIGTERM or SIGINT, and stops
 * cleanly (exit 0).  Options are one table, as in bench/config.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/commands.h"
#include "bench/parse.h"
#include "bench/serve.h"

enum sopt_type {
    SO_STR,      /* const char * */
    SO_UINT,     /* uint64_t within [min, max] */
    SO_SIZE,     /* uint64_t bytes within [min, max] */
    SO_DURATION, /* double seconds, >= 0 */
};

/* Raw option values, filled through the table. */
struct serve_args {
    const char *bind;
    uint64_t port, seed, body;
    double latency, jitter;
};

struct sopt {
    const char *name;
    enum sopt_type type;
    size_t off; /* offset of the field in struct serve_args */
    uint64_t min, max;
    const char *meta;
    const char *help;
};

#define F(field) offsetof(struct serve_args, field)
static const struct sopt sopts[] = {
    {"port", SO_UINT, F(port), 0, 65535, "P", "TCP port; 0 picks a free one (default 8080)"},
    {"bind", SO_STR, F(bind), 0, 0, "ADDR", "numeric address to listen on (default 127.0.0.1)"},
    {"latency", SO_DURATION, F(latency), 0, 0, "TIME", "delay before each response (default 50ms)"},
    {"jitter", SO_DURATION, F(jitter), 0, 0, "TIME", "delay spread, uniform +-TIME, fixed per path (default 0)"},
    {"body", SO_SIZE, F(body), 1, SERVE_BODY_MAX, "SIZE", "body size of ordinary paths (default 64KiB)"},
    {"seed", SO_UINT, F(seed), 0, INT64_MAX, "S", "bodies are a function of seed and path (default 42)"},
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
    for (size_t i = 0; i < NSOPTS; i++) {
        char left[40];
        snprintf(left, sizeof left, "--%s %s", sopts[i].name, sopts[i].meta);
        fprintf(f, "  %-22s %s\n", left, sopts[i].help);
    }
}

static int set_opt(struct serve_args *a, const struct sopt *o,
                   const char *value, char *err, size_t errlen)
{
    void *field = (char *)a + o->off;
    char sub[200];
    int rc = 0;
    switch (o->type) {
    case SO_STR:
        if (!*value) {
            snprintf(err, errlen, "--%s: empty value", o->name);
            return -EINVAL;
        }
        *(const char **)field = value;
        return 0;
    case SO_UINT:
        rc = pb_parse_uint(value, o->min, o->max, field, sub, sizeof sub);
        break;
    case SO_SIZE:
        rc = pb_parse_size(value, field, sub, sizeof sub);
        if (!rc && (*(uint64_t *)field < o->min || *(uint64_t *)field > o->max)) {
            snprintf(sub, sizeof sub, "'%s': must be 1 byte to 1GiB", value);
            rc = -EINVAL;
        }
        break;
    case SO_DURATION:
        rc = pb_parse_duration(value, field, sub, sizeof sub);
        break;
    }
    if (rc)
        snprintf(err, errlen, "--%s: %s", o->name, sub);
    return rc;
}

static int parse_args(struct serve_args *a, int argc, char **argv, char *err,
                      size_t errlen)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
            snprintf(err, errlen, "unexpected argument '%s'", arg);
            return -EINVAL;
        }
        const char *eq = strchr(arg + 2, '=');
        size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        const struct sopt *o = NULL;
        for (size_t k = 0; k < NSOPTS && !o; k++)
            if (strlen(sopts[k].name) == len &&
                strncmp(sopts[k].name, arg + 2, len) == 0)
                o = &sopts[k];
        if (!o) {
            snprintf(err, errlen, "unknown option '%.*s'", (int)(len + 2) > 60
                     ? 60 : (int)(len + 2), arg);
            return -EINVAL;
        }
        const char *value;
        if (eq)
            value = eq + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else {
            snprintf(err, errlen, "--%s needs a value (%s)", o->name, o->meta);
            return -EINVAL;
        }
        int rc = set_opt(a, o, value, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
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
    if (parse_args(&a, argc, argv, err, sizeof err))
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
