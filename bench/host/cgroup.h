/*
 * bench/host/cgroup.h: reading the CPU quota and memory limit of this process's
 * cgroup (v1, v2 or a hybrid of both), for host.c.  Separate from host.c so
 * the path walking and file parsing can be tested on fake trees with a
 * chosen amount of RAM.
 */
#ifndef PARBENCH_CGROUP_H
#define PARBENCH_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "bench/host/host.h"

/*
 * Fill the cgroup fields of l (cpus, cpu_source, memory_bytes,
 * memory_source, cpu_cgroup, memory_cgroup, cgroup_mode) from the cgroup
 * tree mounted at root, for the process described by the proc_cgroup file
 * (the format of /proc/self/cgroup).
 *
 * v2: cpu.max and memory.max in the process's cgroup and every ancestor up
 * to root; v1: cpu.cfs_quota_us/cpu.cfs_period_us under root/cpu (or
 * root/cpu,cpuacct) and memory.limit_in_bytes under root/memory, likewise
 * walking up.  A cgroup path that does not exist under its mount (a
 * container seeing the host's path) falls back to the mount root.  The
 * tightest limit along the path wins; in a hybrid setup a v2 limit is
 * preferred to a v1 one.  Memory limits >= ram_bytes (when nonzero) or
 * >= 2^62 count as none.  Missing or malformed files give no limit.
 * Returns 0, or -EINVAL for NULL arguments.
 */
int cgroup_read_limits(struct host_limits *l, const char *root,
                       const char *proc_cgroup, uint64_t ram_bytes);

/*
 * The line of proc_cgroup (a file laid out as /proc/self/cgroup: lines
 * "id:controllers:/path") for the hierarchy whose comma-separated
 * controller list names ctrl ("cpu", "memory"), or with ctrl "" the cgroup
 * v2 line ("0::/path").  The first such line gives its controller list
 * (ctrls, e.g. "cpu,cpuacct") and its path.  0, -ENOENT when no line
 * matches, or -errno when the file cannot be read.  The one reader of that
 * format: limits detection here and bench/host/limits.c both use it.
 */
int cgroup_proc_line(const char *proc_cgroup, const char *ctrl, char *ctrls,
                     size_t cn, char *path, size_t pn);

#endif
