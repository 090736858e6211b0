/*
 * bench/host/cgroup.c: CPU quota and memory limit from cgroup v1 and v2 files.
 *
 * The kernel enforces a cgroup limit at every level of the hierarchy, so
 * the limit a process really lives under is the tightest one on the path
 * from its own cgroup up to the mount root, and that is what we report,
 * naming the file that gave it.  Inside a container the path in
 * /proc/self/cgroup may be the host's view, which does not exist under the
 * container's mount; then the mount root (the container's own cgroup) is
 * used.  Files are tiny, so each is read whole with one read(2).
 */
#include "bench/host/cgroup.h"
#include "runners/sysio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CG_PATH 4096
#define CG_HUGE (UINT64_C(1) << 62) /* v1 writes ~2^63 for "unlimited" */

/* The cgroup paths this process lives in, from /proc/self/cgroup. */
struct cg_proc {
    char v2[CG_PATH];        /* path of the "0::" line; "" = none */
    char cpu[CG_PATH];       /* v1 path of the hierarchy holding cpu */
    char cpu_mount[256];     /* that hierarchy's controller list, e.g.
                                "cpu,cpuacct": the usual mount dir name */
    char mem[CG_PATH];       /* v1 path of the memory hierarchy */
};

/* A limit being searched for along one path. */
struct cg_best {
    double cpus;             /* tightest quota in CPUs, 0 = none yet */
    uint64_t mem;            /* tightest memory limit, 0 = none yet */
    char cpu_src[160];
    char mem_src[160];
    uint64_t ram;            /* limits at or above this are none (0: off) */
};

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Read a small file whole, trailing whitespace removed. */
static int read_small(const char *dir, const char *name, char *buf, size_t n)
{
    char path[CG_PATH + 64];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return -ENAMETOOLONG;
    ssize_t r = pb_read_small(path, buf, n);
    if (r < 0)
        return (int)r;
    while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' ' ||
                     buf[r - 1] == '\t'))
        buf[--r] = '\0';
    return 0;
}

/* Digits only (no sign, no spaces), no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/*
 * Write a source description; when it does not fit, keep the start (which
 * says which cgroup version) and the end (the file name), eliding the
 * middle of the path with "...".
 */
static void set_source(char *dst, size_t n, const char *fmt, ...)
{
    char tmp[CG_PATH + 256];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (len < 0) {
        snprintf(dst, n, "?");
        return;
    }
    size_t l = strlen(tmp);
    if (l < n) {
        memcpy(dst, tmp, l + 1);
        return;
    }
    size_t head = n / 4, tail = n - 1 - head - 3;
    memcpy(dst, tmp, head);
    memcpy(dst + head, "...", 3);
    memcpy(dst + head + 3, tmp + l - tail, tail + 1);
}

/* Consider a memory limit read from file dir/name. */
static void offer_mem(struct cg_best *b, uint64_t v, const char *ver,
                      const char *dir, const char *name)
{
    if (v == 0 || v >= CG_HUGE || (b->ram && v >= b->ram))
        return;
    if (b->mem == 0 || v < b->mem) {
        b->mem = v;
        set_source(b->mem_src, sizeof b->mem_src, "cgroup %s %s/%s", ver,
                   dir, name);
    }
}

static void offer_cpus(struct cg_best *b, double c, const char *src_fmt,
                       const char *dir)
{
    if (b->cpus == 0 || c < b->cpus) {
        b->cpus = c;
        set_source(b->cpu_src, sizeof b->cpu_src, src_fmt, dir);
    }
}

/* v2: "max 100000", "150000 100000"; memory.max: "max" or bytes. */
static void visit_v2(const char *dir, struct cg_best *b, int want_cpu,
                     int want_mem)
{
    char buf[128];
    uint64_t q, p, v;
    if (want_cpu && read_small(dir, "cpu.max", buf, sizeof buf) == 0) {
        char *sp = strchr(buf, ' ');
        if (sp) {
            *sp = '\0';
            if (strcmp(buf, "max") != 0 && parse_u64(buf, &q) == 0 &&
                parse_u64(sp + 1, &p) == 0 && q > 0 && p > 0)
                offer_cpus(b, (double)q / (double)p, "cgroup v2 %s/cpu.max",
                           dir);
        }
    }
    if (want_mem && read_small(dir, "memory.max", buf, sizeof buf) == 0 &&
        parse_u64(buf, &v) == 0)
        offer_mem(b, v, "v2", dir, "memory.max");
}

/* v1: cpu.cfs_quota_us is -1 for none; memory.limit_in_bytes ~2^63. */
static void visit_v1_cpu(const char *dir, struct cg_best *b)
{
    char buf[64];
    uint64_t q, p;
    if (read_small(dir, "cpu.cfs_quota_us", buf, sizeof buf) == 0 &&
        parse_u64(buf, &q) == 0 && q > 0 &&
        read_small(dir, "cpu.cfs_period_us", buf, sizeof buf) == 0 &&
        parse_u64(buf, &p) == 0 && p > 0)
        offer_cpus(b, (double)q / (double)p,
                   "cgroup v1 cpu.cfs_quota_us/cfs_period_us (%s)", dir);
}

static void visit_v1_mem(const char *dir, struct cg_best *b)
{
    char buf[64];
    uint64_t v;
    if (read_small(dir, "memory.limit_in_bytes", buf, sizeof buf) == 0 &&
        parse_u64(buf, &v) == 0)
        offer_mem(b, v, "v1", dir, "memory.limit_in_bytes");
}

enum cg_kind { CG_V2, CG_V1_CPU, CG_V1_MEM };

/* A path is usable if it is absolute and never climbs out with "..". */
static int safe_path(const char *p)
{
    if (p[0] != '/')
        return 0;
    for (const char *s = p; (s = strstr(s, "/..")) != NULL; s += 3)
        if (s[3] == '/' || s[3] == '\0')
            return 0;
    return 1;
}

/* Visit mount+rel and each ancestor up to mount itself. */
static void walk_up(const char *mount, const char *path, enum cg_kind kind,
                    struct cg_best *b)
{
    char rel[CG_PATH], dir[2 * CG_PATH];
    snprintf(rel, sizeof rel, "%s", safe_path(path) ? path : "/");
    size_t len = strlen(rel);
    while (len > 0 && rel[len - 1] == '/')
        rel[--len] = '\0';
    if ((size_t)snprintf(dir, sizeof dir, "%s%s", mount, rel) >= sizeof dir ||
        !is_dir(dir))
        rel[0] = '\0'; /* not under this mount: use the mount root */
    for (;;) {
        snprintf(dir, sizeof dir, "%s%s", mount, rel);
        switch (kind) {
        case CG_V2: visit_v2(dir, b, 1, 1); break;
        case CG_V1_CPU: visit_v1_cpu(dir, b); break;
        case CG_V1_MEM: visit_v1_mem(dir, b); break;
        }
        char *slash = strrchr(rel, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
}

/* Does the comma-separated list ctrls name controller c? */
static int has_ctrl(const char *ctrls, const char *c)
{
    size_t n = strlen(c);
    for (const char *s = ctrls; *s;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == n && strncmp(s, c, n) == 0)
            return 1;
        if (!e)
            break;
        s = e + 1;
    }
    return 0;
}

int cgroup_proc_line(const char *proc_cgroup, const char *ctrl, char *ctrls,
                     size_t cn, char *path, size_t pn)
{
    FILE *f = fopen(proc_cgroup, "re");
    if (!f)
        return -errno;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = -ENOENT;
    while (rc && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        /* "id:controllers:path"; the path may itself contain ':'. */
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2[1] != '/')
            continue;
        *c1 = *c2 = '\0';
        const char *id = line, *list = c1 + 1;
        if (*ctrl ? has_ctrl(list, ctrl) : !strcmp(id, "0") && !*list) {
            snprintf(ctrls, cn, "%s", list);
            snprintf(path, pn, "%s", c2 + 1);
            rc = 0;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

static void read_proc(const char *file, struct cg_proc *pc)
{
    char ctrls[256];
    memset(pc, 0, sizeof *pc);
    cgroup_proc_line(file, "", ctrls, sizeof ctrls, pc->v2, sizeof pc->v2);
    cgroup_proc_line(file, "cpu", pc->cpu_mount, sizeof pc->cpu_mount, pc->cpu,
                     sizeof pc->cpu);
    cgroup_proc_line(file, "memory", ctrls, sizeof ctrls, pc->mem,
                     sizeof pc->mem);
}

/* The v1 cpu hierarchy's mount: root/cpu, or named after its controllers. */
static int find_v1_cpu_mount(const char *root, const struct cg_proc *pc,
                             char *out, size_t n)
{
    const char *names[] = {"cpu", "cpu,cpuacct", "cpuacct,cpu",
                           pc->cpu_mount};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!names[i][0])
            continue;
        if ((size_t)snprintf(out, n, "%s/%s", root, names[i]) < n &&
            is_dir(out))
            return 1;
    }
    return 0;
}

static void init_best(struct cg_best *b, uint64_t ram)
{
    memset(b, 0, sizeof *b);
    b->ram = ram;
}

int cgroup_read_limits(struct host_limits *l, const char *root,
                       const char *proc_cgroup, uint64_t ram_bytes)
{
    if (!l || !root || !proc_cgroup)
        return -EINVAL;
    struct cg_proc *pc = malloc(sizeof *pc);
    if (!pc)
        return -ENOMEM;
    read_proc(proc_cgroup, pc);

    char v2mount[CG_PATH], cpumount[CG_PATH], memmount[CG_PATH];
    char probe[CG_PATH + 32];
    int have_v2 = 0, have_v1_cpu = 0, have_v1_mem = 0, pure_v2 = 0;
    snprintf(probe, sizeof probe, "%s/cgroup.controllers", root);
    if (exists(probe)) {
        pure_v2 = have_v2 = 1;
        snprintf(v2mount, sizeof v2mount, "%s", root);
    } else {
        snprintf(probe, sizeof probe, "%s/unified/cgroup.controllers", root);
        if (exists(probe)) {
            have_v2 = 1;
            snprintf(v2mount, sizeof v2mount, "%s/unified", root);
        }
        have_v1_cpu = find_v1_cpu_mount(root, pc, cpumount, sizeof cpumount);
        have_v1_mem = (size_t)snprintf(memmount, sizeof memmount, "%s/memory",
                                       root) < sizeof memmount &&
                      is_dir(memmount);
    }

    struct cg_best v2, v1;
    init_best(&v2, ram_bytes);
    init_best(&v1, ram_bytes);
    if (have_v2)
        walk_up(v2mount, pc->v2[0] ? pc->v2 : "/", CG_V2, &v2);
    if (have_v1_cpu)
        walk_up(cpumount, pc->cpu[0] ? pc->cpu : "/", CG_V1_CPU, &v1);
    if (have_v1_mem)
        walk_up(memmount, pc->mem[0] ? pc->mem : "/", CG_V1_MEM, &v1);
    free(pc);

    const struct cg_best *cb = v2.cpus > 0 ? &v2 : &v1;
    l->cpus = cb->cpus;
    l->cpu_cgroup = cb->cpus > 0 ? (cb == &v2 ? 2 : 1) : 0;
    snprintf(l->cpu_source, sizeof l->cpu_source, "%s",
             cb->cpus > 0 ? cb->cpu_src : "none");
    const struct cg_best *mb = v2.mem > 0 ? &v2 : &v1;
    l->memory_bytes = mb->mem;
    l->memory_cgroup = mb->mem > 0 ? (mb == &v2 ? 2 : 1) : 0;
    snprintf(l->memory_source, sizeof l->memory_source, "%s",
             mb->mem > 0 ? mb->mem_src : "none");

    int any_v1 = have_v1_cpu || have_v1_mem;
    snprintf(l->cgroup_mode, sizeof l->cgroup_mode, "%s",
             pure_v2 ? "v2" : any_v1 && have_v2 ? "hybrid" : any_v1 ? "v1"
                      : have_v2 ? "v2" : "none");
    return 0;
}
