/* bench/host/limits.c: making, joining and removing the cgroups of limited runs,
 * the affinity/rlimit fallback, and hwloc worker binding.
 *
 * Cgroups are made in the supervisor (which stays outside them) under the
 * supervisor's own cgroup, so a run started inside a container nests inside
 * the container's limits.  Each is named parbench-<pid>-<n>; ones left by a
 * supervisor that was killed (its pid gone) are removed the next time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/host/cgroup.h"
#include "bench/host/host.h"
#include "bench/host/limits.h"
#include "runners/sysio.h"

/* Docker uses 100 ms.  A run shorter than a few periods is limited
 * unevenly (two CPUs can burn a period's quota in half a period, then
 * wait), and benchmark repetitions are often a fraction of a second, so
 * the quota is enforced over 10 ms periods: the same share of CPU time,
 * spread evenly over short runs. */
#define CFS_PERIOD_US 10000

static hwloc_topology_t topo;
static pthread_once_t topo_once = PTHREAD_ONCE_INIT;
static void topo_load(void);
#define MEMORY_MIN (4u << 20)

const char *limits_cgroup_root(void)
{
    const char *r = getenv("PARBENCH_CGROUP_ROOT");
    return r && *r ? r : "/sys/fs/cgroup";
}

int limits_active(const struct limit_req *r)
{
    return r->cpus > 0 || r->memory > 0 || r->cpuset || r->bind != BIND_NONE;
}

static int write_file(const char *dir, const char *name, const char *val)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, val, strlen(val));
    int rc = n == (ssize_t)strlen(val) ? 0 : -(n < 0 ? errno : EIO);
    close(fd);
    return rc;
}

static int read_file(const char *dir, const char *name, char *buf, size_t n)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ssize_t r = pb_read_small(path, buf, n);
    return r < 0 ? (int)r : 0;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Kill every process in a cgroup and remove it (retrying while they die),
 * with the cgroups inside it first (an exec runner's peer has its own,
 * runners/exec_tree.c, left there when the run was killed from outside). */
static void remove_cgroup(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || e->d_type != DT_DIR)
            continue;
        char sub[1400];
        if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) <
            (int)sizeof sub)
            remove_cgroup(sub);
    }
    if (d)
        closedir(d);
    for (int attempt = 0; attempt < 100 && is_dir(dir); attempt++) {
        char buf[4096] = "";
        read_file(dir, "cgroup.procs", buf, sizeof buf);
        for (char *s, *t = strtok_r(buf, "\n", &s); t; t = strtok_r(NULL, "\n", &s))
            kill((pid_t)atoi(t), SIGKILL);
        if (rmdir(dir) == 0 || errno == ENOENT)
            return;
        usleep(10000);
    }
}

/* Remove parbench-<pid>-* cgroups whose supervisor no longer exists. */
static void remove_stale(const char *parent)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid;
        if (sscanf(e->d_name, "parbench-%d-", &pid) != 1 || pid <= 0)
            continue;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        remove_cgroup(path);
    }
    closedir(d);
}

/* Make a fresh cgroup under the mount for controller `ctrl` (v1). */
static int make_v1(const char *ctrl, char *dir, size_t n)
{
    static unsigned seq;
    char ctrls[256], path[512], mount[512];
    if (cgroup_proc_line(HOST_PROC_CGROUP, ctrl, ctrls, sizeof ctrls, path,
                         sizeof path))
        return -ENOENT;
    snprintf(mount, sizeof mount, "%s/%s", limits_cgroup_root(), ctrls);
    if (!is_dir(mount))
        snprintf(mount, sizeof mount, "%s/%s", limits_cgroup_root(), ctrl);
    if (!is_dir(mount))
        return -ENOENT;
    char parent[1100];
    snprintf(parent, sizeof parent, "%s%s", mount, strcmp(path, "/") ? path : "");
    if (!is_dir(parent)) /* a container seeing the host's path */
        snprintf(parent, sizeof parent, "%s", mount);
    remove_stale(parent);
    snprintf(dir, n, "%s/parbench-%d-%u", parent, (int)getpid(), ++seq);
    if (mkdir(dir, 0755) != 0)
        return -errno;
    return 0;
}

/* v2: a child of our cgroup with the controllers we need enabled. */
static int make_v2(int need_cpu, int need_mem, char *dir, size_t n)
{
    static unsigned seq;
    const char *root = limits_cgroup_root();
    char probe[600], ctrls[64], path[512];
    snprintf(probe, sizeof probe, "%s/cgroup.controllers", root);
    if (access(probe, F_OK) != 0 ||
        cgroup_proc_line(HOST_PROC_CGROUP, "", ctrls, sizeof ctrls, path,
                         sizeof path))
        return -ENOENT;
    char parent[1100];
    snprintf(parent, sizeof parent, "%s%s", root, strcmp(path, "/") ? path : "");
    if (!is_dir(parent))
        snprintf(parent, sizeof parent, "%s", root);
    const char *want = need_cpu && need_mem ? "+cpu +memory"
                       : need_cpu           ? "+cpu" : "+memory";
    if (write_file(parent, "cgroup.subtree_control", want) == -EBUSY) {
        /* "No internal processes": move ourselves to a leaf first. */
        char leaf[1200], pid[32];
        snprintf(leaf, sizeof leaf, "%s/parbench-supervisor", parent);
        mkdir(leaf, 0755);
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        if (write_file(leaf, "cgroup.procs", pid) != 0 ||
            write_file(parent, "cgroup.subtree_control", want) != 0)
            return -EBUSY;
    }
    remove_stale(parent);
    snprintf(dir, n, "%s/parbench-%d-%u", parent, (int)getpid(), ++seq);
    if (mkdir(dir, 0755) != 0)
        return -errno;
    char have[256] = "";
    read_file(dir, "cgroup.controllers", have, sizeof have);
    if ((need_cpu && !strstr(have, "cpu")) ||
        (need_mem && !strstr(have, "memory"))) {
        rmdir(dir);
        dir[0] = 0;
        return -EOPNOTSUPP;
    }
    return 0;
}

static int apply_v2(struct limit_state *st)
{
    const struct limit_req *r = &st->req;
    if (make_v2(r->cpus > 0, r->memory > 0, st->cpu_dir, sizeof st->cpu_dir))
        return -1;
    snprintf(st->mem_dir, sizeof st->mem_dir, "%s", st->cpu_dir);
    char v[64];
    int rc = 0;
    if (r->cpus > 0) {
        snprintf(v, sizeof v, "%ld %d", lround(r->cpus * CFS_PERIOD_US),
                 CFS_PERIOD_US);
        rc |= write_file(st->cpu_dir, "cpu.max", v);
    }
    if (r->memory > 0) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)r->memory);
        rc |= write_file(st->cpu_dir, "memory.max", v);
        write_file(st->cpu_dir, "memory.swap.max", "0"); /* may not exist */
    }
    if (rc) {
        remove_cgroup(st->cpu_dir);
        st->cpu_dir[0] = st->mem_dir[0] = 0;
        return -1;
    }
    st->cgroup_version = 2;
    return 0;
}

static int apply_v1(struct limit_state *st)
{
    const struct limit_req *r = &st->req;
    char v[64];
    if (r->cpus > 0) {
        if (make_v1("cpu", st->cpu_dir, sizeof st->cpu_dir))
            return -1;
        snprintf(v, sizeof v, "%d", CFS_PERIOD_US);
        int rc = write_file(st->cpu_dir, "cpu.cfs_period_us", v);
        snprintf(v, sizeof v, "%ld", lround(r->cpus * CFS_PERIOD_US));
        if (rc || write_file(st->cpu_dir, "cpu.cfs_quota_us", v))
            return -1;
    }
    if (r->memory > 0) {
        if (make_v1("memory", st->mem_dir, sizeof st->mem_dir))
            return -1;
        snprintf(v, sizeof v, "%llu", (unsigned long long)r->memory);
        if (write_file(st->mem_dir, "memory.limit_in_bytes", v))
            return -1;
        /* No swapping around the limit: over it means OOM, as in Docker
         * with --memory-swap equal to --memory. */
        write_file(st->mem_dir, "memory.memsw.limit_in_bytes", v);
        write_file(st->mem_dir, "memory.swappiness", "0");
    }
    st->cgroup_version = 1;
    return 0;
}

static int find_key(const char *dir, const char *file, const char *key,
                    uint64_t *out);

/* The OOM-kill counter of the memory cgroup this process is in: v2
 * memory.events, v1 memory.oom_control (Linux 4.13 on); -1 without one. */
static int64_t oom_kills_in(const char *dir)
{
    uint64_t k;
    if (!find_key(dir, "memory.events", "oom_kill", &k) ||
        !find_key(dir, "memory.oom_control", "oom_kill", &k))
        return (int64_t)k;
    return -1;
}

/* A run without a memory cgroup of its own runs in ours, and a tighter
 * limit there (a container's) kills it: note where, and the count now. */
static void watch_outer(struct limit_state *st)
{
    char ctrls[256], path[512], mount[512], dir[1100];
    const char *root = limits_cgroup_root();
    st->outer_oom_kills = -1;
    snprintf(mount, sizeof mount, "%s/cgroup.controllers", root);
    if (access(mount, F_OK) == 0) {
        if (cgroup_proc_line(HOST_PROC_CGROUP, "", ctrls, sizeof ctrls, path, sizeof path))
            return;
        snprintf(mount, sizeof mount, "%s", root);
    } else {
        if (cgroup_proc_line(HOST_PROC_CGROUP, "memory", ctrls, sizeof ctrls, path, sizeof path))
            return;
        snprintf(mount, sizeof mount, "%s/memory", root);
    }
    snprintf(dir, sizeof dir, "%s%s", mount, strcmp(path, "/") ? path : "");
    if (!is_dir(dir)) /* a container seeing the host's path */
        snprintf(dir, sizeof dir, "%s", mount);
    snprintf(st->outer_mem_dir, sizeof st->outer_mem_dir, "%s", dir);
    st->outer_oom_kills = oom_kills_in(dir);
}

int64_t limits_outer_oom_kills(const struct limit_state *st)
{
    if (st->mem_dir[0] || !st->outer_mem_dir[0] || st->outer_oom_kills < 0)
        return -1;
    int64_t now = oom_kills_in(st->outer_mem_dir);
    return now < 0 ? -1 : now - st->outer_oom_kills;
}

int limits_prepare(struct limit_state *st, const struct limit_req *req,
                   char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    st->req = *req;
    snprintf(st->mechanism, sizeof st->mechanism, "none");
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        snprintf(err, errlen, "cannot read the CPU affinity: %s", strerror(errno));
        return -EINVAL;
    }
    cpu_set_t use = allowed;
    if (req->cpuset) {
        if (host_parse_cpulist(req->cpuset, &use) != 0) {
            snprintf(err, errlen, "--cpuset '%s': not a CPU list like 0-3,6",
                     req->cpuset);
            return -EINVAL;
        }
        cpu_set_t both;
        CPU_AND(&both, &use, &allowed);
        if (!CPU_EQUAL(&both, &use)) {
            char a[256];
            host_format_cpulist(&allowed, a, sizeof a);
            snprintf(err, errlen, "--cpuset '%s': this process may only use "
                     "CPUs %s", req->cpuset, a);
            return -EINVAL;
        }
    }
    int ncpu = CPU_COUNT(&use);
    if (req->cpus > 0 && (req->cpus < 0.01 || req->cpus > ncpu)) {
        snprintf(err, errlen, "--cpus %g: must be between 0.01 and %d (the "
                 "CPUs this run may use)", req->cpus, ncpu);
        return -EINVAL;
    }
    if (req->memory > 0 && req->memory < MEMORY_MIN) {
        snprintf(err, errlen, "--memory: at least 4MiB");
        return -EINVAL;
    }
    if (req->cpus > 0 || req->memory > 0) {
        if (apply_v2(st) == 0) {
            snprintf(st->mechanism, sizeof st->mechanism, "cgroup v2");
        } else {
            limits_cleanup(st);
            st->req = *req;
            if (apply_v1(st) == 0) {
                snprintf(st->mechanism, sizeof st->mechanism, "cgroup v1");
            } else {
                limits_cleanup(st);
                st->req = *req;
                snprintf(st->note, sizeof st->note,
                         "no writable cgroup (v2 delegated or v1 cpu/memory) "
                         "under %s", limits_cgroup_root());
                if (req->cpus > 0 && fabs(req->cpus - round(req->cpus)) > 1e-9) {
                    snprintf(err, errlen, "--cpus %g: a fractional CPU limit "
                             "needs a cgroup, and there is %s", req->cpus,
                             st->note);
                    return -EINVAL;
                }
                st->cpus_by_affinity = req->cpus > 0;
                st->memory_by_rlimit = req->memory > 0;
                snprintf(st->mechanism, sizeof st->mechanism, "%s%s%s",
                         st->cpus_by_affinity ? "affinity" : "",
                         st->cpus_by_affinity && st->memory_by_rlimit ? "+" : "",
                         st->memory_by_rlimit ? "rlimit" : "");
            }
        }
    }
    if (st->cpus_by_affinity) {
        /* The first N usable CPUs: Docker's --cpus N spreads time over all
         * CPUs; without a quota, N whole CPUs is the nearest equivalent. */
        cpu_set_t first;
        CPU_ZERO(&first);
        for (int c = 0, n = 0; c < CPU_SETSIZE && n < (int)lround(req->cpus); c++)
            if (CPU_ISSET(c, &use))
                CPU_SET(c, &first), n++;
        use = first;
    }
    if (req->cpuset || st->cpus_by_affinity)
        host_format_cpulist(&use, st->cpuset_applied, sizeof st->cpuset_applied);
    if (!st->mem_dir[0])
        watch_outer(st);
    return 0;
}

int limits_enter(const struct limit_state *st, char *err, size_t errlen)
{
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    const char *dirs[2] = {st->cpu_dir, st->mem_dir};
    for (int k = 0; k < 2; k++) {
        if (!dirs[k][0] || (k == 1 && !strcmp(dirs[0], dirs[1])))
            continue;
        int rc = write_file(dirs[k], "cgroup.procs", pid);
        if (rc) {
            snprintf(err, errlen, "joining %s: %s", dirs[k], strerror(-rc));
            return rc;
        }
    }
    if (st->cpuset_applied[0]) {
        cpu_set_t set;
        if (host_parse_cpulist(st->cpuset_applied, &set) != 0 ||
            sched_setaffinity(0, sizeof set, &set) != 0) {
            snprintf(err, errlen, "setting affinity %s: %s",
                     st->cpuset_applied, strerror(errno));
            return -EINVAL;
        }
    }
    if (st->memory_by_rlimit) {
        struct rlimit rl = {st->req.memory, st->req.memory};
        if (setrlimit(RLIMIT_AS, &rl) != 0) {
            snprintf(err, errlen, "RLIMIT_AS: %s", strerror(errno));
            return -errno;
        }
    }
    /* Load the topology once, here, so forked workers inherit it instead
     * of each loading their own inside the measured start-up. */
    if (st->req.bind != BIND_NONE)
        pthread_once(&topo_once, topo_load);
    return 0;
}

/* A number from dir/file: the whole file (key NULL) or the line "key N".
 * 0 when found; -ENOENT when the file or the line is missing. */
static int find_key(const char *dir, const char *file, const char *key,
                    uint64_t *out)
{
    char buf[4096];
    *out = 0;
    if (!dir[0] || read_file(dir, file, buf, sizeof buf))
        return -ENOENT;
    if (!key) {
        *out = strtoull(buf, NULL, 10);
        return 0;
    }
    size_t kl = strlen(key);
    for (char *s, *t = strtok_r(buf, "\n", &s); t; t = strtok_r(NULL, "\n", &s))
        if (!strncmp(t, key, kl) && t[kl] == ' ') {
            *out = strtoull(t + kl + 1, NULL, 10);
            return 0;
        }
    return -ENOENT;
}

static uint64_t read_key(const char *dir, const char *file, const char *key)
{
    uint64_t v;
    return find_key(dir, file, key, &v) ? 0 : v;
}

int64_t limits_oom_kills(const struct limit_state *st)
{
    uint64_t k;
    if (st->cgroup_version == 2 &&
        !find_key(st->mem_dir, "memory.events", "oom_kill", &k))
        return (int64_t)k;
    /* v1 has the counter in memory.oom_control since Linux 4.13. */
    if (st->cgroup_version == 1 && st->mem_dir[0] &&
        !find_key(st->mem_dir, "memory.oom_control", "oom_kill", &k))
        return (int64_t)k;
    return -1;
}

int limits_memory_limit_hit(const struct limit_state *st)
{
    if (st->cgroup_version == 2)
        return read_key(st->mem_dir, "memory.events", "max") > 0;
    if (st->cgroup_version != 1 || !st->mem_dir[0])
        return 0;
    uint64_t limit = read_key(st->mem_dir, "memory.limit_in_bytes", NULL);
    uint64_t peak = read_key(st->mem_dir, "memory.max_usage_in_bytes", NULL);
    /* failcnt counts charges refused at the limit; the peak is compared
     * page-rounded, as the kernel charges whole pages. */
    return read_key(st->mem_dir, "memory.failcnt", NULL) > 0 && limit &&
           peak + 4096 >= limit;
}

uint64_t limits_memory_peak(const struct limit_state *st)
{
    if (st->cgroup_version == 2)
        return read_key(st->mem_dir, "memory.peak", NULL);
    if (st->cgroup_version == 1)
        return read_key(st->mem_dir, "memory.max_usage_in_bytes", NULL);
    return 0;
}

void limits_cleanup(struct limit_state *st)
{
    if (st->cpu_dir[0])
        remove_cgroup(st->cpu_dir);
    if (st->mem_dir[0] && strcmp(st->mem_dir, st->cpu_dir))
        remove_cgroup(st->mem_dir);
    st->cpu_dir[0] = st->mem_dir[0] = 0;
}

static const char *const bind_names[] = {"none", "core", "pu"};

cJSON *limits_json(const struct limit_state *st)
{
    const struct limit_req *r = &st->req;
    cJSON *o = cJSON_CreateObject();
    if (r->cpus > 0)
        cJSON_AddNumberToObject(o, "cpus", r->cpus);
    else
        cJSON_AddNullToObject(o, "cpus");
    if (r->memory > 0)
        cJSON_AddNumberToObject(o, "memory_bytes", (double)r->memory);
    else
        cJSON_AddNullToObject(o, "memory_bytes");
    if (r->cpuset)
        cJSON_AddStringToObject(o, "cpuset", r->cpuset);
    else
        cJSON_AddNullToObject(o, "cpuset");
    cJSON_AddStringToObject(o, "bind", bind_names[r->bind]);
    cJSON_AddStringToObject(o, "mechanism", st->mechanism);
    cJSON *ap = cJSON_AddObjectToObject(o, "applied");
    if (st->cgroup_version) {
        cJSON_AddStringToObject(ap, "cpu_cgroup", st->cpu_dir[0] ? st->cpu_dir : "");
        cJSON_AddStringToObject(ap, "memory_cgroup", st->mem_dir[0] ? st->mem_dir : "");
        if (r->cpus > 0) {
            cJSON_AddNumberToObject(ap, "cfs_quota_us", (double)lround(r->cpus * CFS_PERIOD_US));
            cJSON_AddNumberToObject(ap, "cfs_period_us", CFS_PERIOD_US);
        }
    }
    if (st->cpuset_applied[0])
        cJSON_AddStringToObject(ap, "affinity", st->cpuset_applied);
    if (st->memory_by_rlimit)
        cJSON_AddNumberToObject(ap, "rlimit_as_bytes", (double)r->memory);
    if (st->note[0])
        cJSON_AddStringToObject(o, "note", st->note);
    return o;
}

/* ---- binding ----------------------------------------------------------- */

static void topo_load(void)
{
    /* Loaded after limits_enter() set the affinity: hwloc leaves disallowed
     * CPUs out, so worker k binds within --cpuset. */
    if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
        topo = NULL;
    }
}

int limits_bind_worker(const void *arg, unsigned worker)
{
    enum bind_mode m = *(const enum bind_mode *)arg;
    if (m == BIND_NONE)
        return 0;
    pthread_once(&topo_once, topo_load);
    if (!topo)
        return -ENODEV;
    hwloc_obj_type_t type = m == BIND_CORE ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
    int n = hwloc_get_nbobjs_by_type(topo, type);
    if (n <= 0)
        return -ENODEV;
    hwloc_obj_t obj = hwloc_get_obj_by_type(topo, type, worker % (unsigned)n);
    if (!obj || hwloc_set_cpubind(topo, obj->cpuset, HWLOC_CPUBIND_THREAD))
        return -errno ? -errno : -EINVAL;
    return 0;
}
