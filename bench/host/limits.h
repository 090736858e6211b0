/* bench/host/limits.h: Docker-style CPU and memory limits on one run.
 *
 * --cpus X (a CFS quota of X CPUs per period, fractional like Docker's),
 * --memory SIZE, --cpuset LIST and --bind none|core|pu.  The limits are put
 * on a cgroup made for the run (v2 where a writable, delegated hierarchy
 * exists, else v1's cpu and memory controllers), which the run's process
 * joins before starting its workers, so the driver and every worker (thread,
 * forked process, MPI rank) are inside it.  Where no cgroup can be made, an
 * integer --cpus becomes an affinity mask of that many CPUs and --memory a
 * per-process RLIMIT_AS, and the report says so.
 */
#ifndef PB_LIMITS_H
#define PB_LIMITS_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

enum bind_mode { BIND_NONE = 0, BIND_CORE, BIND_PU };

struct limit_req {
    double cpus;        /* 0: no CPU limit */
    uint64_t memory;    /* 0: no memory limit */
    const char *cpuset; /* NULL: all allowed CPUs */
    enum bind_mode bind;
};

/* What was applied, and how; lives in the supervisor and (after fork) in
 * the limited child. */
struct limit_state {
    struct limit_req req;
    int cgroup_version;        /* 0: no cgroup used, 1 or 2 */
    char mechanism[96];        /* e.g. "cgroup v1", "affinity+rlimit" */
    char cpu_dir[1280];         /* cgroup made for the CPU limit ("" none) */
    char mem_dir[1280];         /* cgroup made for the memory limit */
    char cpuset_applied[256];  /* the affinity the run got, "" = inherited */
    int cpus_by_affinity;      /* --cpus applied as N CPUs of affinity */
    int memory_by_rlimit;      /* --memory applied as RLIMIT_AS */
    char note[256];            /* why a fallback was used */
    /* Without a memory cgroup of the run's own, the one this process is
     * in (a container's, say) and its OOM-kill count when the run was
     * prepared (-1: no counter): its tighter limit can kill the run. */
    char outer_mem_dir[1280];
    int64_t outer_oom_kills;
};

int limits_active(const struct limit_req *r);
/* In the supervisor: check the request and make the cgroups.  A request
 * that cannot be honoured at all (fractional CPUs without cgroups, a cpuset
 * naming CPUs we may not use) is bad input: -EINVAL with err. */
int limits_prepare(struct limit_state *st, const struct limit_req *req,
                   char *err, size_t errlen);
/* In the limited child, before anything is started: join the cgroups, set
 * affinity and rlimits. */
int limits_enter(const struct limit_state *st, char *err, size_t errlen);
/* OOM kills the kernel counted in the run's memory cgroup: v2
 * memory.events "oom_kill", v1 memory.oom_control "oom_kill" (Linux 4.13
 * on).  -1 when there is no such counter (no memory cgroup, an older
 * kernel). */
int64_t limits_oom_kills(const struct limit_state *st);
/* OOM kills counted, since limits_prepare, in the memory cgroup this
 * process lives in, for a run with no memory cgroup of its own; -1 when
 * the run has one, or there is no counter. */
int64_t limits_outer_oom_kills(const struct limit_state *st);
/* The run's memory cgroup reached its limit: v2 memory.events "max" > 0;
 * v1 memory.failcnt > 0 and max_usage_in_bytes within a page of
 * limit_in_bytes.  For kernels without an OOM-kill counter. */
int limits_memory_limit_hit(const struct limit_state *st);
/* Peak memory use of the whole cgroup (every process of the run, shared
 * pages counted once), bytes; 0 when unknown. */
uint64_t limits_memory_peak(const struct limit_state *st);
/* Kill what is left in the cgroups and remove them. */
void limits_cleanup(struct limit_state *st);
/* The run's "limits" object: asked, applied, mechanism. */
cJSON *limits_json(const struct limit_state *st);
/* hwloc binding of worker k for run_options.bind_worker; arg points to
 * the enum bind_mode. */
int limits_bind_worker(const void *arg, unsigned worker);
/* Root of the cgroup file systems (PARBENCH_CGROUP_ROOT overrides it, so
 * tests can force the fallback path). */
const char *limits_cgroup_root(void);
#endif
