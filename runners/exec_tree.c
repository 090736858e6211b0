/* runners/exec_tree.c: a peer's whole process tree, measured from outside.
 *
 * Every peer process gets cgroups of its own, children of the cgroups the
 * run is in (so --cpus/--memory, made by bench/host/limits.c for the run,
 * hold the peer too): v1 memory and cpuacct where those controllers are
 * mounted, else a v2 cgroup.  The peer joins them before it execs, so
 * every process it ever starts is inside -- Dask's nanny and workers
 * too, though they make process groups of their own.  Then CPU time is
 * the cgroup's (cpuacct.usage_user/usage_sys, v2 cpu.stat) and peak
 * memory the cgroup's high-water mark (v1 memory.max_usage_in_bytes, reset
 * before each run; v2 memory.peak): exact, shared pages counted once.
 *
 * Where no cgroup can be made, the tree is the processes of the peer's
 * session (it starts in one of its own), read from /proc at the run's
 * start and end: CPU time is the sum of their utime+stime and of their
 * reaped children's, peak memory the sum of their peaks (VmHWM, each reset
 * at the run's start): shared pages counted in each process, and a process
 * that started and ended within the run counted only through its parent's
 * children's CPU time -- an approximation, and the report says which
 * (rss_source). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runners/exec.h"

static const char *cg_root(void)
{
    const char *r = getenv("PARBENCH_CGROUP_ROOT");
    return r && *r ? r : "/sys/fs/cgroup";
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int read_text(const char *dir, const char *file, char *buf, size_t n)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, buf, n - 1);
    close(fd);
    if (r < 0)
        return -1;
    buf[r] = 0;
    return 0;
}

static int write_text(const char *dir, const char *file, const char *v)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = write(fd, v, strlen(v));
    close(fd);
    return r == (ssize_t)strlen(v) ? 0 : -1;
}

static unsigned long long read_u64(const char *dir, const char *file)
{
    char b[64];
    return read_text(dir, file, b, sizeof b) ? 0 : strtoull(b, NULL, 10);
}

/* "key value" in a flat keyed file (cpu.stat). */
static unsigned long long keyed(const char *dir, const char *file,
                                const char *key)
{
    char b[2048];
    if (read_text(dir, file, b, sizeof b))
        return 0;
    size_t k = strlen(key);
    for (char *p = b; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, k) && p[k] == ' ')
            return strtoull(p + k + 1, NULL, 10);
    return 0;
}

/* This process's cgroup path for controller ctrl ("" = v2) and the
 * mount's folder, into dir.  0 or -1. */
static int own_cgroup(const char *ctrl, char *dir, size_t n)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return -1;
    char line[1024];
    int rc = -1;
    while (rc && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = 0;
        const char *ctrls = c1 + 1, *path = c2 + 1;
        int match = 0;
        if (!*ctrl) {
            match = !*ctrls;
        } else {
            char copy[256];
            snprintf(copy, sizeof copy, "%s", ctrls);
            char *s;
            for (char *t = strtok_r(copy, ",", &s); t; t = strtok_r(NULL, ",", &s))
                match |= !strcmp(t, ctrl);
        }
        if (!match)
            continue;
        char mount[600];
        snprintf(mount, sizeof mount, "%s/%s", cg_root(), *ctrl ? ctrls : "");
        if (*ctrl && !is_dir(mount))
            snprintf(mount, sizeof mount, "%s/%s", cg_root(), ctrl);
        if (!is_dir(mount))
            break;
        snprintf(dir, n, "%s%s", mount, strcmp(path, "/") ? path : "");
        if (!is_dir(dir)) /* a container seeing the host's path */
            snprintf(dir, n, "%s", mount);
        rc = 0;
    }
    fclose(f);
    return rc;
}

/* Kill what is in cgroup dir and remove it (retrying while they die). */
static void remove_dir(const char *dir)
{
    for (int attempt = 0; attempt < 200 && is_dir(dir); attempt++) {
        char buf[8192] = "";
        read_text(dir, "cgroup.procs", buf, sizeof buf);
        for (char *s, *t = strtok_r(buf, "\n", &s); t;
             t = strtok_r(NULL, "\n", &s))
            kill((pid_t)atoi(t), SIGKILL);
        if (rmdir(dir) == 0 || errno == ENOENT)
            return;
        usleep(10000);
    }
}

/* parbench-exec-<pid>-* cgroups whose parbench is gone (it was killed
 * before it could remove them). */
static void remove_stale(const char *parent)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int pid;
        if (sscanf(e->d_name, "parbench-exec-%d-", &pid) != 1 || pid <= 0 ||
            kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        remove_dir(path);
    }
    if (d)
        closedir(d);
}

static int make_under(const char *ctrl, char *dir, size_t n)
{
    static unsigned seq;
    char parent[1024];
    if (own_cgroup(ctrl, parent, sizeof parent))
        return -1;
    remove_stale(parent);
    if (strlen(parent) + 48 > n)
        return -1;
    snprintf(dir, n, "%.980s/parbench-exec-%d-%u", parent, (int)getpid(),
             ++seq);
    if (mkdir(dir, 0755) != 0) {
        dir[0] = 0;
        return -1;
    }
    return 0;
}

void exec_tree_make(struct peer_tree *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->source, sizeof t->source, "sum of per-process peaks");
    if (make_under("memory", t->mem_dir, sizeof t->mem_dir) == 0) {
        if (make_under("cpuacct", t->cpu_dir, sizeof t->cpu_dir) == 0) {
            t->version = 1;
            snprintf(t->source, sizeof t->source, "cgroup v1");
            return;
        }
        remove_dir(t->mem_dir);
        t->mem_dir[0] = 0;
    }
    /* v2: a child of our cgroup, when memory is among its controllers. */
    char dir[1024];
    if (make_under("", dir, sizeof dir) == 0) {
        char have[256] = "";
        read_text(dir, "cgroup.controllers", have, sizeof have);
        char probe[1100];
        snprintf(probe, sizeof probe, "%s/memory.peak", dir);
        if (strstr(have, "memory") && access(probe, F_OK) == 0) {
            snprintf(t->mem_dir, sizeof t->mem_dir, "%s", dir);
            snprintf(t->cpu_dir, sizeof t->cpu_dir, "%s", dir);
            t->version = 2;
            snprintf(t->source, sizeof t->source, "cgroup v2");
            return;
        }
        remove_dir(dir);
    }
}

/* Processes of the tree into pids (up to n); how many there are. */
size_t exec_tree_members(const struct peer_tree *t, pid_t *pids, size_t n)
{
    size_t k = 0;
    if (t->version) {
        char buf[16384] = "";
        read_text(t->mem_dir, "cgroup.procs", buf, sizeof buf);
        for (char *s, *x = strtok_r(buf, "\n", &s); x;
             x = strtok_r(NULL, "\n", &s)) {
            pid_t pid = (pid_t)atoi(x);
            char st[64], path[64];
            snprintf(path, sizeof path, "/proc/%d", (int)pid);
            /* A zombie has left; its CPU is its parent's to count. */
            if (read_text(path, "stat", st, sizeof st) == 0) {
                char *rp = strrchr(st, ')');
                if (rp && rp[1] && rp[2] == 'Z')
                    continue;
            }
            if (k < n)
                pids[k] = pid;
            k++;
        }
        return k;
    }
    if (t->sid <= 0)
        return 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char dir[300], st[512];
        snprintf(dir, sizeof dir, "/proc/%s", e->d_name);
        if (read_text(dir, "stat", st, sizeof st))
            continue;
        char *rp = strrchr(st, ')');
        char state;
        int ppid, pgrp, sid;
        if (!rp || sscanf(rp + 2, "%c %d %d %d", &state, &ppid, &pgrp,
                          &sid) != 4 || sid != t->sid || state == 'Z')
            continue;
        if (k < n)
            pids[k] = (pid_t)atoi(e->d_name);
        k++;
    }
    if (d)
        closedir(d);
    return k;
}

#define MEMBERS_MAX 1024

/* Sum of utime+stime (and children's) of the tree's processes, s. */
static void proc_cpu(const struct peer_tree *t, double *user, double *sys)
{
    pid_t pids[MEMBERS_MAX];
    size_t n = exec_tree_members(t, pids, MEMBERS_MAX);
    double hz = (double)sysconf(_SC_CLK_TCK);
    *user = *sys = 0;
    for (size_t i = 0; i < n && i < MEMBERS_MAX; i++) {
        char dir[64], st[1024];
        snprintf(dir, sizeof dir, "/proc/%d", (int)pids[i]);
        if (read_text(dir, "stat", st, sizeof st))
            continue;
        char *rp = strrchr(st, ')');
        unsigned long long ut, stt;
        long long cut, cst;
        /* fields 14-17 after the name: utime stime cutime cstime */
        if (rp && sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                         "%*u %llu %llu %lld %lld", &ut, &stt, &cut,
                         &cst) == 4) {
            *user += (double)(ut + (unsigned long long)cut) / hz;
            *sys += (double)(stt + (unsigned long long)cst) / hz;
        }
    }
}

static void cg_cpu(const struct peer_tree *t, double *user, double *sys)
{
    if (t->version == 1) {
        *user = (double)read_u64(t->cpu_dir, "cpuacct.usage_user") / 1e9;
        *sys = (double)read_u64(t->cpu_dir, "cpuacct.usage_sys") / 1e9;
    } else {
        *user = (double)keyed(t->cpu_dir, "cpu.stat", "user_usec") / 1e6;
        *sys = (double)keyed(t->cpu_dir, "cpu.stat", "system_usec") / 1e6;
    }
}

void exec_tree_begin(struct peer_tree *t)
{
    pid_t pids[MEMBERS_MAX];
    size_t n = exec_tree_members(t, pids, MEMBERS_MAX);
    for (size_t i = 0; i < n && i < MEMBERS_MAX; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%d", (int)pids[i]);
        write_text(dir, "clear_refs", "5"); /* VmHWM := VmRSS */
    }
    if (t->version == 1)
        write_text(t->mem_dir, "memory.max_usage_in_bytes", "0");
    else if (t->version == 2)
        write_text(t->mem_dir, "memory.peak", "0"); /* Linux >= 6.12 */
    if (t->version)
        cg_cpu(t, &t->cpu0_user, &t->cpu0_sys);
    else
        proc_cpu(t, &t->cpu0_user, &t->cpu0_sys);
}

void exec_tree_end(struct peer_tree *t, double *user_s, double *sys_s,
                   uint64_t *total, uint64_t *max)
{
    double u, s;
    if (t->version)
        cg_cpu(t, &u, &s);
    else
        proc_cpu(t, &u, &s);
    *user_s = u > t->cpu0_user ? u - t->cpu0_user : 0;
    *sys_s = s > t->cpu0_sys ? s - t->cpu0_sys : 0;
    pid_t pids[MEMBERS_MAX];
    size_t n = exec_tree_members(t, pids, MEMBERS_MAX);
    uint64_t sum = 0, big = 0;
    for (size_t i = 0; i < n && i < MEMBERS_MAX; i++) {
        char dir[64], st[4096];
        snprintf(dir, sizeof dir, "/proc/%d", (int)pids[i]);
        if (read_text(dir, "status", st, sizeof st))
            continue;
        char *h = strstr(st, "VmHWM:");
        uint64_t kb = h ? strtoull(h + 6, NULL, 10) : 0;
        sum += kb * 1024;
        if (kb * 1024 > big)
            big = kb * 1024;
    }
    *max = big;
    *total = sum;
    if (t->version == 1)
        *total = read_u64(t->mem_dir, "memory.max_usage_in_bytes");
    else if (t->version == 2)
        *total = read_u64(t->mem_dir, "memory.peak");
}

size_t exec_tree_kill(struct peer_tree *t)
{
    pid_t pids[MEMBERS_MAX];
    size_t n = 0;
    for (int attempt = 0; attempt < 200; attempt++) {
        if (t->sid > 0)
            kill(-t->sid, SIGKILL);
        n = exec_tree_members(t, pids, MEMBERS_MAX);
        if (!n)
            return 0;
        for (size_t i = 0; i < n && i < MEMBERS_MAX; i++)
            kill(pids[i], SIGKILL);
        usleep(10000);
    }
    return n;
}

void exec_tree_remove(struct peer_tree *t)
{
    if (t->version == 1) {
        remove_dir(t->mem_dir);
        remove_dir(t->cpu_dir);
    } else if (t->version == 2) {
        remove_dir(t->mem_dir);
    }
    t->version = 0;
    t->mem_dir[0] = t->cpu_dir[0] = 0;
}
