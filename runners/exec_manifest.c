/* runners/exec_manifest.c: the peer registry (peers/PROTOCOL.md,
 * "Manifests"): one file peers/NAME.peer per peer, '#' comment lines then
 * one JSON object; the peers folder is found beside the binary or through
 * PARBENCH_PEERS.  A peer whose version command fails (a Python module
 * missing) is unavailable, and that command's last line of standard error
 * says why. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runners/exec.h"

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int exec_peers_dir(char *buf, size_t n)
{
    const char *env = getenv("PARBENCH_PEERS");
    if (env && *env) {
        snprintf(buf, n, "%s", env);
        return is_dir(buf) ? 0 : -ENOENT;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -ENOENT;
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -ENOENT;
    *slash = 0; /* the binary's folder: build/ in the source tree */
    static const char *const tries[] = {"../peers", "peers",
                                        "../share/parbench/peers"};
    for (size_t i = 0; i < sizeof tries / sizeof *tries; i++) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/%s", exe, tries[i]);
        char real[PATH_MAX];
        if (is_dir(path) && realpath(path, real)) {
            snprintf(buf, n, "%s", real);
            return 0;
        }
    }
    return -ENOENT;
}

void exec_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++) {
        free(argv[i]);
        argv[i] = NULL;
    }
}

static int argv_from(const cJSON *a, char **argv, size_t max, char *err,
                     size_t errlen, const char *what)
{
    argv[0] = NULL;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 ||
        (size_t)cJSON_GetArraySize(a) > max) {
        snprintf(err, errlen, "%s: expected a JSON array of 1 to %zu "
                 "strings (the program and its arguments)", what, max);
        return -EINVAL;
    }
    size_t k = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, a) {
        if (!cJSON_IsString(s) || (k == 0 && !s->valuestring[0])) {
            snprintf(err, errlen, "%s: every element must be a string, the "
                     "first one not empty", what);
            argv[k] = NULL;
            exec_argv_free(argv);
            return -EINVAL;
        }
        argv[k] = strdup(s->valuestring);
        if (!argv[k]) {
            exec_argv_free(argv);
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        argv[++k] = NULL;
    }
    return 0;
}

int exec_argv_parse(const char *json, char **argv, size_t max, char *err,
                    size_t errlen)
{
    cJSON *a = cJSON_Parse(json);
    int rc = argv_from(a, argv, max, err, errlen, "--exec");
    cJSON_Delete(a);
    return rc;
}

static int strings_text(const cJSON *a, char *buf, size_t n)
{
    buf[0] = 0;
    const cJSON *s;
    if (!cJSON_IsArray(a))
        return -1;
    cJSON_ArrayForEach(s, a) {
        if (!cJSON_IsString(s))
            return -1;
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", l ? " " : "", s->valuestring);
    }
    return 0;
}

int exec_manifest_parse(const char *text, const char *path,
                        struct peer_manifest *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", path);
    snprintf(m->dir, sizeof m->dir, "%s", path);
    char *slash = strrchr(m->dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(m->dir, sizeof m->dir, ".");
    /* '#' comment lines and blank lines, then the object's one line. */
    const char *p = text, *json = NULL;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        const char *q = p;
        while (q < p + l && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < p + l && *q != '#') {
            if (json) {
                snprintf(err, errlen, "%s: more than one line of JSON", path);
                return -EINVAL;
            }
            json = q;
        }
        p = e ? e + 1 : p + l;
    }
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    const char *bad = NULL;
    const cJSON *x;
    if (!cJSON_IsObject(doc)) {
        bad = "no JSON object";
        goto out;
    }
#define STR(key, dst)                                                 \
    x = cJSON_GetObjectItemCaseSensitive(doc, key);                   \
    if (!cJSON_IsString(x) || !x->valuestring[0]) {                   \
        bad = "'" key "' missing or not a string";                    \
        goto out;                                                     \
    }                                                                 \
    snprintf(dst, sizeof dst, "%s", x->valuestring)
    STR("name", m->name);
    STR("help", m->help);
    STR("language", m->language);
#undef STR
    char sub[200];
    if (argv_from(cJSON_GetObjectItemCaseSensitive(doc, "command"),
                  m->command, EXEC_ARGV_MAX, sub, sizeof sub, "command")) {
        bad = "'command' is not an array of strings";
        goto out;
    }
    if (argv_from(cJSON_GetObjectItemCaseSensitive(doc, "version"),
                  m->version, EXEC_ARGV_MAX, sub, sizeof sub, "version")) {
        bad = "'version' is not an array of strings";
        goto out;
    }
    if (strings_text(cJSON_GetObjectItemCaseSensitive(doc, "workloads"),
                     m->workloads, sizeof m->workloads)) {
        bad = "'workloads' is not an array of strings";
        goto out;
    }
    x = cJSON_GetObjectItemCaseSensitive(doc, "transfers");
    const cJSON *s;
    cJSON_ArrayForEach(s, x) {
        if (cJSON_IsString(s) && !strcmp(s->valuestring, "copy"))
            m->transfers |= 1u << TRANSFER_COPY;
        else if (cJSON_IsString(s) && !strcmp(s->valuestring, "shared"))
            m->transfers |= 1u << TRANSFER_SHARED;
        else {
            bad = "'transfers' holds something other than copy, shared";
            goto out;
        }
    }
    if (!m->transfers) {
        bad = "'transfers' missing or empty";
        goto out;
    }
    x = cJSON_GetObjectItemCaseSensitive(doc, "default_transfer");
    m->default_transfer = !cJSON_IsString(x) ? TRANSFER_DEFAULT
                          : !strcmp(x->valuestring, "copy") ? TRANSFER_COPY
                          : !strcmp(x->valuestring, "shared")
                              ? TRANSFER_SHARED
                              : TRANSFER_DEFAULT;
    if (m->default_transfer == TRANSFER_DEFAULT ||
        !(m->transfers & (1u << m->default_transfer))) {
        bad = "'default_transfer' is not one of its transfers";
        goto out;
    }
    m->persistent = cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(doc, "persistent"));
out:
    cJSON_Delete(doc);
    if (bad) {
        snprintf(err, errlen, "%s: %s", path, bad);
        exec_manifest_free(m);
        return -EINVAL;
    }
    return 0;
}

void exec_manifest_free(struct peer_manifest *m)
{
    exec_argv_free(m->command);
    exec_argv_free(m->version);
}

static int load(const char *path, struct peer_manifest *m, char *err,
                size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -ENOENT;
    }
    char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    return exec_manifest_parse(text, path, m, err, errlen);
}

/* A peer's name: letters, digits, '-', '_', '.'; no '/'. */
static int good_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 60)
        return 0;
    for (; *s; s++)
        if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9')
              || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

int exec_manifest_find(const char *name, struct peer_manifest *m, char *err,
                       size_t errlen)
{
    char dir[1024], path[1500];
    if (!good_name(name)) {
        snprintf(err, errlen, "'%.60s' is not a peer name (letters, digits, "
                 "-, _ and .)", name);
        return -EINVAL;
    }
    if (exec_peers_dir(dir, sizeof dir)) {
        snprintf(err, errlen, "no peers folder (set PARBENCH_PEERS)");
        return -ENOENT;
    }
    snprintf(path, sizeof path, "%s/%s.peer", dir, name);
    if (access(path, F_OK) != 0) {
        /* One level of subfolders: peers/test/NAME.peer. */
        DIR *d = opendir(dir);
        struct dirent *e;
        int found = 0;
        while (d && !found && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s/%s.peer", dir, e->d_name,
                     name);
            found = access(path, F_OK) == 0;
        }
        if (d)
            closedir(d);
        if (!found) {
            snprintf(err, errlen, "no peer '%s' (no %s/%s.peer; parbench "
                     "list shows the peers)", name, dir, name);
            return -ENOENT;
        }
    }
    int rc = load(path, m, err, errlen);
    if (rc == 0 && strcmp(m->name, name) != 0) {
        snprintf(err, errlen, "%s: its name is '%s'", path, m->name);
        exec_manifest_free(m);
        return -EINVAL;
    }
    return rc;
}

int exec_manifest_runs(const struct peer_manifest *m, const char *workload)
{
    size_t n = strlen(workload);
    for (const char *p = m->workloads; (p = strstr(p, workload)); p += n)
        if ((p == m->workloads || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
            return 1;
    return 0;
}

/* The version command's verdict, once per manifest per process. */
struct vcache {
    char path[1024];
    int rc;
    char line[200], why[300];
};
static struct vcache cache[32];
static size_t ncache;

static void last_line(char *text, char *out, size_t n)
{
    size_t l = strlen(text);
    while (l && (text[l - 1] == '\n' || text[l - 1] == ' '))
        text[--l] = 0;
    char *s = strrchr(text, '\n');
    snprintf(out, n, "%s", s ? s + 1 : text);
}

static int run_version(const struct peer_manifest *m, char *line, size_t n,
                       char *why, size_t whyn)
{
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC))
        return snprintf(why, whyn, "pipe: %s", strerror(errno)), -1;
    if (pipe2(errp, O_CLOEXEC)) {
        close(out[0]), close(out[1]);
        return snprintf(why, whyn, "pipe: %s", strerror(errno)), -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(out[1], 1);
        dup2(errp[1], 2);
        if (chdir(m->dir) != 0)
            _exit(126);
        execvp(m->version[0], m->version);
        dprintf(2, "cannot run %s: %s\n", m->version[0], strerror(errno));
        _exit(127);
    }
    close(out[1]), close(errp[1]);
    if (pid < 0) {
        close(out[0]), close(errp[0]);
        return snprintf(why, whyn, "fork: %s", strerror(errno)), -1;
    }
    char obuf[4096] = "", ebuf[4096] = "";
    size_t olen = 0, elen = 0;
    double deadline = pb_now() + EXEC_VERSION_TIMEOUT_S;
    int open_fds = 2, timed_out = 0;
    struct pollfd pf[2] = {{out[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
    while (open_fds) {
        double left = deadline - pb_now();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        if (poll(pf, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !pf[i].revents)
                continue;
            char *b = i ? ebuf : obuf;
            size_t *l = i ? &elen : &olen;
            char tmp[1024];
            ssize_t r = read(pf[i].fd, tmp, sizeof tmp);
            if (r <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
                continue;
            }
            /* Keep the first 4 KB of stdout, the last of stderr. */
            size_t keep = (size_t)r;
            if (i == 0 && *l + keep > 4095)
                keep = 4095 - *l;
            if (i == 1 && *l + keep > 4095) {
                size_t drop = *l + keep - 4095;
                if (drop > *l)
                    drop = *l;
                memmove(b, b + drop, *l - drop);
                *l -= drop;
                if (keep > 4095 - *l)
                    keep = 4095 - *l;
            }
            memcpy(b + *l, tmp, keep);
            *l += keep;
            b[*l] = 0;
        }
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    if (timed_out)
        kill(-pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    kill(-pid, SIGKILL); /* anything it left in its session */
    if (!timed_out && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        char *nl = strchr(obuf, '\n');
        if (nl)
            *nl = 0;
        snprintf(line, n, "%s", obuf);
        return 0;
    }
    char tail[200];
    last_line(ebuf, tail, sizeof tail);
    if (timed_out)
        snprintf(why, whyn, "its version command did not finish within %gs",
                 EXEC_VERSION_TIMEOUT_S);
    else if (WIFSIGNALED(st))
        snprintf(why, whyn, "its version command was killed by signal %d%s%.200s",
                 WTERMSIG(st), tail[0] ? ": " : "", tail);
    else
        snprintf(why, whyn, "its version command failed (exit status %d)%s%.200s",
                 WEXITSTATUS(st), tail[0] ? ": " : "", tail);
    return -1;
}

int exec_manifest_version(const struct peer_manifest *m, char *line,
                          size_t n, char *why, size_t whyn)
{
    for (size_t i = 0; i < ncache; i++)
        if (!strcmp(cache[i].path, m->path)) {
            snprintf(line, n, "%s", cache[i].line);
            snprintf(why, whyn, "%s", cache[i].why);
            return cache[i].rc;
        }
    char l[200] = "", w[300] = "";
    int rc = run_version(m, l, sizeof l, w, sizeof w);
    if (ncache < sizeof cache / sizeof *cache) {
        struct vcache *c = &cache[ncache++];
        snprintf(c->path, sizeof c->path, "%s", m->path);
        c->rc = rc;
        snprintf(c->line, sizeof c->line, "%s", l);
        snprintf(c->why, sizeof c->why, "%s", w);
    }
    snprintf(line, n, "%s", l);
    snprintf(why, whyn, "%s", w);
    return rc;
}
