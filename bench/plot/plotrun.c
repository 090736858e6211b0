/* bench/plot/plotrun.c: locate gnuplot and plots/, run a template.
 *
 * gnuplot is an optional run-time dependency: it is looked up only when
 * `parbench plot` runs, by $GNUPLOT (a path, or a name looked up on PATH)
 * or as "gnuplot" on PATH, and executed directly (no shell), its standard
 * error captured so that a failing template is reported in one line. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/plot/plotrun.h"

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

/* name with a slash: itself; else the first match on PATH. */
static int lookup(const char *name, char *out, size_t n)
{
    if (strchr(name, '/')) {
        snprintf(out, n, "%s", name);
        return executable(out) ? 0 : -ENOENT;
    }
    const char *path = getenv("PATH");
    for (const char *p = path ? path : ""; *p;) {
        size_t k = strcspn(p, ":");
        snprintf(out, n, "%.*s/%s", (int)k, k ? p : ".", name);
        if (executable(out))
            return 0;
        p += k + (p[k] == ':');
    }
    return -ENOENT;
}

int plotrun_find_gnuplot(struct plotrun *g, char *err, size_t errlen)
{
    const char *env = getenv("GNUPLOT");
    if (env && *env) {
        if (lookup(env, g->gnuplot, sizeof g->gnuplot) == 0)
            return 0;
        snprintf(err, errlen, "GNUPLOT='%s' is not an executable program", env);
        return -ENOENT;
    }
    if (lookup("gnuplot", g->gnuplot, sizeof g->gnuplot) == 0)
        return 0;
    snprintf(err, errlen, "gnuplot not found on PATH (install it, e.g. "
             "apt-get install gnuplot-nox, or set GNUPLOT=/path/to/gnuplot)");
    return -ENOENT;
}

static int has_templates(const char *dir)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/common.gp", dir);
    return access(p, R_OK) == 0;
}

int plotrun_find_templates(struct plotrun *g, char *err, size_t errlen)
{
    const char *env = getenv("PARBENCH_PLOTS");
    if (env && *env) {
        snprintf(g->dir, sizeof g->dir, "%s", env);
        if (has_templates(g->dir))
            return 0;
        snprintf(err, errlen, "PARBENCH_PLOTS='%s' holds no common.gp", env);
        return -ENOENT;
    }
    char exe[4096];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = 0;
        char *d = dirname(exe);
        /* build/parbench -> build/../plots; installed: bin/plots. */
        static const char *const rel[] = {"../plots", "plots",
                                          "../share/parbench/plots"};
        for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
            snprintf(g->dir, sizeof g->dir, "%s/%s", d, rel[i]);
            if (has_templates(g->dir))
                return 0;
        }
    }
    snprintf(err, errlen, "cannot find the chart templates (plots/ next to "
             "the parbench binary's directory); set PARBENCH_PLOTS=DIR");
    return -ENOENT;
}

void plotvars_init(struct plotvars *v)
{
    v->text[0] = 0;
    v->len = 0;
}

static void append(struct plotvars *v, const char *s)
{
    size_t k = strlen(s);
    if (v->len + k < sizeof v->text) {
        memcpy(v->text + v->len, s, k + 1);
        v->len += k;
    }
}

void plotvars_str(struct plotvars *v, const char *name, const char *value)
{
    char buf[2048];
    size_t o = (size_t)snprintf(buf, sizeof buf, "%s='", name);
    for (const char *p = value; *p && o + 3 < sizeof buf; p++) {
        if (*p == '\'')
            buf[o++] = '\'';
        buf[o++] = (*p == '\n' || *p == '\r') ? ' ' : *p;
    }
    snprintf(buf + o, sizeof buf - o, "'; ");
    append(v, buf);
}

void plotvars_num(struct plotvars *v, const char *name, double value)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s=%.10g; ", name, value);
    append(v, buf);
}

int plotrun_template(const struct plotrun *g, const char *tmpl,
                     const struct plotvars *v, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", g->dir, tmpl);
    struct plotvars all = *v;
    plotvars_str(&all, "plotdir", g->dir);
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fd[0]), close(fd[1]);
        return -EAGAIN;
    }
    if (pid == 0) {
        dup2(fd[1], STDERR_FILENO);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0)
            dup2(null, STDIN_FILENO), dup2(null, STDOUT_FILENO);
        close(fd[0]), close(fd[1]);
        execl(g->gnuplot, g->gnuplot, "-e", all.text, path, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", g->gnuplot, strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    char msg[4096];
    size_t n = 0;
    for (ssize_t k; (k = read(fd[0], msg + n, sizeof msg - 1 - n)) != 0;) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        n += (size_t)k;
        if (n == sizeof msg - 1) { /* keep draining, keep the start */
            char sink[4096];
            while (read(fd[0], sink, sizeof sink) > 0)
                ;
            break;
        }
    }
    msg[n] = 0;
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    /* gnuplot's complaint: the last non-empty line names the problem. */
    char *line = NULL;
    for (char *p = strtok(msg, "\n"); p; p = strtok(NULL, "\n"))
        if (strspn(p, " \t^") < strlen(p))
            line = p;
    snprintf(err, errlen, "gnuplot failed on %s: %s", path,
             line ? line : WIFEXITED(st) ? "exit status" : "killed by a signal");
    return -EIO;
}

int plotrun_mkdirs(const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *q = tmp + 1;; q++) {
        if (*q && *q != '/')
            continue;
        char c = *q;
        *q = 0;
        struct stat st;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "--out '%.400s': cannot create '%.400s': %s",
                     path, tmp, strerror(errno));
            return -errno;
        }
        if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "--out '%.400s': '%.400s' is not a directory",
                     path, tmp);
            return -ENOTDIR;
        }
        if (!(*q = c))
            return 0;
    }
}
