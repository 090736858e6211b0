/* bench/engine/server_proc.c: starting and stopping the embedded `parbench serve`
 * child of `parbench run`.
 *
 * Why a separate process (fork + exec of /proc/self/exe) rather than
 * threads in the driver: the server's CPU time and memory must not be
 * counted as the driver's, and a forked runner's workers must not inherit a
 * running server.  exec also gives it its own command line ("parbench serve
 * --port 0 ..."), so people and tests can see it in ps.
 *
 * No server may outlive the run.  Three ways it could, three guards:
 *  - the run ends normally or fails: server_proc_stop() from cmd_run;
 *  - the user interrupts: SIGINT/SIGTERM handlers, installed here for the
 *    server's lifetime, stop it and _exit(128 + signal);
 *  - parbench is killed outright: the child asked for PR_SET_PDEATHSIG, so
 *    the kernel sends it SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/engine/server_proc.h"

#define START_TIMEOUT_S 10.0 /* for the child to print its port */
#define STOP_TIMEOUT_S 5.0   /* for the child to exit after SIGTERM */

/* What the signal handler needs; pid_t is an int on Linux, so these are
 * read and written whole. */
static volatile sig_atomic_t g_child;  /* server pid, 0 when none */
static volatile sig_atomic_t g_owner;  /* pid of the process that started it */
static struct sigaction g_old_int, g_old_term;

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* SIGTERM, wait up to `grace` seconds, then SIGKILL; always reaps.  Only
 * async-signal-safe calls: the signal handler uses it too.  Returns the
 * wait status, or -1 when the child was reaped elsewhere. */
static int terminate(pid_t pid, double grace)
{
    int st = 0;
    kill(pid, SIGTERM);
    for (long waited = 0; waited < (long)(grace * 1000); waited += 10) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (r < 0 && errno != EINTR)
            return -1;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

static void on_signal(int sig)
{
    /* A forked runner worker inherits this handler; only the process that
     * started the server stops it. */
    pid_t child = (pid_t)g_child;
    if (child > 0 && getpid() == (pid_t)g_owner)
        terminate(child, 2.0);
    _exit(128 + sig);
}

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &g_old_int);
    sigaction(SIGTERM, &sa, &g_old_term);
}

static void restore_handlers(void)
{
    sigset_t old;
    block_signals(&old);
    g_child = 0;
    sigaction(SIGINT, &g_old_int, NULL);
    sigaction(SIGTERM, &g_old_term, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* In the child: become `parbench serve`, writing its port line to out_fd. */
static void exec_server(char **argv, int out_fd, pid_t parent)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Survives exec; the parent may have died before we asked. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
        _exit(1);
    if (dup2(out_fd, STDOUT_FILENO) < 0)
        _exit(1);
    execv("/proc/self/exe", argv);
    fprintf(stderr, "parbench: run: cannot exec the embedded server: %s\n",
            strerror(errno));
    _exit(127);
}

/* Read the child's "listening on ADDR:PORT" line; returns the port or -1. */
static int read_port_line(int fd, pid_t pid, char *err, size_t errlen)
{
    char line[256];
    size_t got = 0;
    double deadline = mono_now() + START_TIMEOUT_S;
    while (!memchr(line, '\n', got)) {
        double left = deadline - mono_now();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = left > 0 ? poll(&pfd, 1, (int)ceil(left * 1000)) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            snprintf(err, errlen, "the server did not start within %.0f s",
                     START_TIMEOUT_S);
            return -1;
        }
        ssize_t n = r < 0 ? -1 : read(fd, line + got, sizeof line - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || got + (size_t)n >= sizeof line - 1) {
            int st = terminate(pid, 0.5);
            if (st != -1 && WIFEXITED(st))
                snprintf(err, errlen, "the server exited with status %d "
                         "before listening", WEXITSTATUS(st));
            else
                snprintf(err, errlen, "the server stopped before listening");
            return -2; /* already reaped */
        }
        got += (size_t)n;
    }
    line[got] = 0;
    unsigned port = 0;
    const char *colon = strrchr(line, ':');
    if (strncmp(line, "listening on ", 13) != 0 || !colon ||
        sscanf(colon + 1, "%u", &port) != 1 || port == 0 || port > 65535) {
        snprintf(err, errlen, "unexpected first line from the server: %.80s",
                 line);
        return -1;
    }
    return (int)port;
}

/* The line is printed after listen(); still, prove it by connecting. */
static int probe(int port)
{
    double deadline = mono_now() + START_TIMEOUT_S;
    do {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
        close(fd);
        if (rc == 0)
            return 0;
        sleep_ms(10);
    } while (mono_now() < deadline);
    return -1;
}

int server_proc_start(struct server_proc *sp, const struct serve_config *c,
                      char *err, size_t errlen)
{
    memset(sp, 0, sizeof *sp);
    char exe[PATH_MAX] = "parbench";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 8] = 0;
    char lat[32], jit[32], body[32], seed[32];
    snprintf(lat, sizeof lat, "%lldns", (long long)llround(c->latency_s * 1e9));
    snprintf(jit, sizeof jit, "%lldns", (long long)llround(c->jitter_s * 1e9));
    snprintf(body, sizeof body, "%llu", (unsigned long long)c->body_bytes);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
    char *argv[] = {exe, "serve", "--port", "0", "--bind", "127.0.0.1",
                    "--latency", lat, "--jitter", jit, "--body", body,
                    "--seed", seed, NULL};

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    /* Handlers first, with the signals blocked until g_child is set, so
     * there is no moment when a signal could leave the child behind. */
    sigset_t old;
    block_signals(&old);
    g_owner = getpid();
    install_handlers();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        exec_server(argv, pfd[1], parent);
    int fork_errno = errno;
    if (pid > 0)
        g_child = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        restore_handlers();
        snprintf(err, errlen, "fork: %s", strerror(fork_errno));
        return -1;
    }
    sp->pid = pid;
    int port = read_port_line(pfd[0], pid, err, errlen);
    close(pfd[0]);
    if (port == -2)
        sp->pid = 0; /* reaped already */
    if (port > 0 && probe(port) != 0) {
        snprintf(err, errlen, "the server does not accept connections on "
                 "port %d", port);
        port = -1;
    }
    if (port < 0) {
        if (sp->pid > 0)
            terminate(sp->pid, 0.5);
        sp->pid = 0;
        restore_handlers();
        return -1;
    }
    snprintf(sp->base_url, sizeof sp->base_url, "http://127.0.0.1:%d", port);
    return 0;
}

int server_proc_attach(struct server_proc *sp, struct run_plan *p, char *err,
                       size_t errlen)
{
    memset(sp, 0, sizeof *sp);
    if (!p->embedded_server)
        return 0;
    if (server_proc_start(sp, &p->server, err, errlen) != 0)
        return -1;
    if (p->w.ops->server_at)
        p->w.ops->server_at(&p->w, sp->base_url);
    return 0;
}

void server_proc_check(struct run_plan *p)
{
    /* Setup only formats URLs from the server's address, so a check needs
     * no server yet. */
    if (p->embedded_server && p->w.ops->server_at)
        p->w.ops->server_at(&p->w, "http://127.0.0.1:0");
}

void server_proc_stop(struct server_proc *sp)
{
    if (sp->pid <= 0)
        return;
    int st = terminate(sp->pid, STOP_TIMEOUT_S);
    sp->pid = 0;
    restore_handlers();
    if (st == -1 || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
        return;
    if (WIFSIGNALED(st))
        fprintf(stderr, "parbench: run: the embedded server was killed by "
                "signal %d (%s)\n", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        fprintf(stderr, "parbench: run: the embedded server exited with "
                "status %d\n", WEXITSTATUS(st));
}
