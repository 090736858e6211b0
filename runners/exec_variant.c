/* runners/exec_variant.c: the exec runner's variants, "exec:NAME" -- the
 * peer registered as NAME -- checked when the configuration is resolved
 * (the peer runs the workload and the transfer mode, and its version
 * command works here: otherwise it is unavailable, with the reason), and
 * the registry's lines for `parbench list`. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/exec.h"


int exec_variant(const char *v, const char *workload, enum transfer *t,
                   void *params, char *err, size_t errlen)
{
    struct exec_params *ep = params;
    snprintf(ep->workload, sizeof ep->workload, "%s", workload);
    if (!v || !*v) {
        if (!ep->exec) {
            snprintf(err, errlen, "the exec runner needs a peer: --runner "
                     "exec:NAME (parbench list shows them) or --exec CMD "
                     "ARGS...");
            return -EINVAL;
        }
        char *argv[EXEC_ARGV_MAX + 1];
        if (exec_argv_parse(ep->exec, argv, EXEC_ARGV_MAX, err, errlen))
            return -EINVAL;
        exec_argv_free(argv);
        if (*t == TRANSFER_DEFAULT)
            *t = TRANSFER_COPY;
        return 0;
    }
    if (ep->exec) {
        snprintf(err, errlen, "--exec and --runner exec:%s: one peer at a "
                 "time", v);
        return -EINVAL;
    }
    struct peer_manifest m;
    int rc = exec_manifest_find(v, &m, err, errlen);
    if (rc)
        return -EINVAL;
    if (!exec_manifest_runs(&m, workload)) {
        snprintf(err, errlen, "peer '%s' does not run the %s workload (it "
                 "runs: %s)", v, workload, m.workloads);
        exec_manifest_free(&m);
        return -EINVAL;
    }
    if (*t == TRANSFER_DEFAULT) {
        *t = m.default_transfer;
    } else if (!(m.transfers & (1u << *t))) {
        snprintf(err, errlen, "--transfer: '%s' is not a transfer mode of "
                 "peer '%s'", *t == TRANSFER_COPY ? "copy" : "shared", v);
        exec_manifest_free(&m);
        return -EINVAL;
    }
    char line[200], why[300];
    if (exec_manifest_version(&m, line, sizeof line, why, sizeof why)) {
        snprintf(err, errlen, "%.300s", why);
        exec_manifest_free(&m);
        return -ENODEV;
    }
    snprintf(ep->peer, sizeof ep->peer, "%s", m.name);
    exec_manifest_free(&m);
    return 0;
}

static int peer_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every NAME.peer in dir (and, with sub, its subfolders), into names. */
static size_t collect(const char *dir, int sub, char **names, size_t n,
                      size_t max)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (l > 5 && !strcmp(e->d_name + l - 5, ".peer")) {
            names[n] = strndup(e->d_name, l - 5);
            n += names[n] != NULL;
        } else if (sub) {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            n = collect(path, 0, names, n, max);
        }
    }
    if (d)
        closedir(d);
    return n;
}

void exec_list_variants(void (*line)(void *ctx, const char *text),
                          void *ctx)
{
    char dir[1024], text[700];
    if (exec_peers_dir(dir, sizeof dir)) {
        line(ctx, "peers: none found (no peers folder; set PARBENCH_PEERS)");
        return;
    }
    char *names[128];
    size_t n = collect(dir, 1, names, 0, 128);
    qsort(names, n, sizeof *names, peer_name_cmp);
    snprintf(text, sizeof text, "peers (%.600s, --runner exec:NAME):", dir);
    line(ctx, text);
    for (size_t i = 0; i < n; i++) {
        struct peer_manifest m;
        char err[300], ver[200] = "", why[300] = "";
        if (exec_manifest_find(names[i], &m, err, sizeof err)) {
            snprintf(text, sizeof text, "  exec:%-22s [unavailable] %s",
                     names[i], err);
            line(ctx, text);
            free(names[i]);
            continue;
        }
        int bad = exec_manifest_version(&m, ver, sizeof ver, why, sizeof why);
        snprintf(text, sizeof text, "  exec:%-22s %s%s", m.name,
                 bad ? "[unavailable] " : "", m.help);
        line(ctx, text);
        snprintf(text, sizeof text, "      workloads: %s; transfer: %s%s%s "
                 "(default %s)", m.workloads,
                 m.transfers & (1u << TRANSFER_COPY) ? "copy" : "",
                 (m.transfers & (1u << TRANSFER_COPY)) &&
                         (m.transfers & (1u << TRANSFER_SHARED)) ? "|" : "",
                 m.transfers & (1u << TRANSFER_SHARED) ? "shared" : "",
                 m.default_transfer == TRANSFER_COPY ? "copy" : "shared");
        line(ctx, text);
        snprintf(text, sizeof text, bad ? "      UNAVAILABLE: %.300s"
                                        : "      version: %.300s",
                 bad ? why : ver);
        line(ctx, text);
        exec_manifest_free(&m);
        free(names[i]);
    }
}

