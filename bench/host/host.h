/*
 * bench/host/host.h: what machine we run on and what limits this process is
 * under (cgroup v1/v2 CPU quota and memory limit, CPU affinity).
 *
 * The limits decide the default --workers and are written into every
 * report next to the results, so a number measured in a 1.5-CPU container
 * is never mistaken for one measured on the bare machine.  `parbench info`
 * prints host_json().  Nothing here prints; errors come back as -errno.
 */
#ifndef PARBENCH_HOST_H
#define PARBENCH_HOST_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Where cgroups are mounted and where this process says it lives. */
#define HOST_CGROUP_ROOT "/sys/fs/cgroup"
#define HOST_PROC_CGROUP "/proc/self/cgroup"

struct host_limits {
    double cpus;              /* CPU quota in CPUs (quota/period), 0 = none;
                                 the tightest along the cgroup path */
    char cpu_source[160];     /* which file(s) gave cpus, e.g.
                                 "cgroup v2 /sys/fs/cgroup/foo/cpu.max",
                                 "cgroup v1 cpu.cfs_quota_us/cfs_period_us
                                 (/sys/fs/cgroup/cpu/foo)", or "none" */
    uint64_t memory_bytes;    /* memory limit, 0 = none; limits at or above
                                 physical RAM count as none */
    char memory_source[160];  /* which file gave memory_bytes, or "none" */
    unsigned affinity_cpus;   /* CPUs in the sched_getaffinity mask */
    char cpuset[256];         /* that mask as a list, e.g. "0-1"; ends in
                                 "..." if it did not fit */
    int cpu_cgroup;           /* cgroup version that gave cpus: 0, 1 or 2 */
    int memory_cgroup;        /* cgroup version that gave memory_bytes */
    char cgroup_mode[8];      /* what is mounted: "v1", "v2", "hybrid"
                                 (v1 controllers plus a v2 tree at
                                 root/unified) or "none" */
};

/*
 * Detect the limits this process is under.  root is normally
 * HOST_CGROUP_ROOT and proc_cgroup HOST_PROC_CGROUP (NULL means those);
 * tests pass a fake tree built in a temporary directory.  Missing or
 * malformed cgroup files mean "no limit from that file", not an error.
 * Returns 0, -EINVAL for a NULL l, or -errno from sched_getaffinity (l is
 * still filled in, with affinity taken as every online CPU).
 */
int host_detect_limits(struct host_limits *l, const char *root,
                       const char *proc_cgroup);

/* min(affinity_cpus, ceil(cpus)), at least 1, for already detected limits. */
unsigned host_limits_effective_cpus(const struct host_limits *l);

/* CPUs this process may really use: min(affinity count, ceil(cpu quota)),
 * at least 1.  Detects the limits of the running process. */
unsigned host_effective_cpus(void);

/* Total physical memory in bytes (sysconf), 0 if unknown. */
uint64_t host_ram_bytes(void);

/*
 * Write set as a kernel-style CPU list ("0-3,6,8-9"; "" for an empty set)
 * into buf.  Returns 0, -EINVAL for NULL arguments or n == 0, or -ERANGE
 * when it does not fit (buf then holds the items that fitted).
 */
int host_format_cpulist(const cpu_set_t *set, char *buf, size_t n);

/*
 * Parse a CPU list ("0-3,6,8-9", one trailing newline allowed) into set.
 * Returns 0 or -EINVAL for anything else: empty items, "3-1", signs or
 * spaces, non-digits, CPUs >= CPU_SETSIZE.  set is cleared first.
 */
int host_parse_cpulist(const char *s, cpu_set_t *set);

/* The "limits" object of a report for l (see DESIGN.md); NULL when out of
 * memory.  Keys: cpus, cpus_source, memory_bytes, memory_source,
 * affinity_cpus, cpuset, effective_cpus, cgroup, source. */
cJSON *host_limits_json(const struct host_limits *l);

/*
 * The full host object for reports and `parbench info`: hostname,
 * cpu_model, kernel, arch, topology {packages, cores, pus, numa_nodes,
 * caches[]}, memory_bytes, limits {...}.  NULL when out of memory.
 * Topology numbers that hwloc cannot give are null.
 */
cJSON *host_json(void);

#endif
