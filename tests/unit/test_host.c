/*
 * tests/unit/test_host.c: host and limits detection.  cgroup v1/v2 limits
 * are read from fake trees built in a mkdtemp directory, so these tests
 * run the same on any machine; host_json and the affinity mask are checked
 * against the real machine.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench/host/cgroup.h"
#include "bench/host/host.h"
#include "bench/host/limits.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static char tmp[256];  /* this test's temporary directory */
static char root[300]; /* the fake cgroup mount root, tmp/cg */
static char proc[300]; /* the fake /proc/self/cgroup, tmp/cgroup */

/* Write text to tmp/rel, creating parent directories. */
static void put(const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    for (char *s = path + strlen(tmp) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
        *s = '/';
    }
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "open %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "%s/parbench-host-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(root, sizeof root, "%s/cg", tmp);
    snprintf(proc, sizeof proc, "%s/cgroup", tmp);
    ck_assert_int_eq(mkdir(root, 0755), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(p);
}

static void teardown(void)
{
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The run's OOM verdict comes from the kernel's counters: oom_kill when
 * the kernel has it (0 is a real 0: an outside SIGKILL is no OOM), and
 * only without it the fallback rule, failcnt > 0 with the peak at the
 * limit.  A fake v1 memory cgroup directory stands in for the run's. */
START_TEST(oom_counters_v1)
{
    struct limit_state st;
    memset(&st, 0, sizeof st);
    st.cgroup_version = 1;
    snprintf(st.mem_dir, sizeof st.mem_dir, "%s/mem", tmp);
    put("mem/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    put("mem/memory.limit_in_bytes", "268435456\n");
    put("mem/memory.max_usage_in_bytes", "1048576\n");
    put("mem/memory.failcnt", "0\n");
    ck_assert_int_eq(limits_oom_kills(&st), 0);
    ck_assert_int_eq(limits_memory_limit_hit(&st), 0);
    put("mem/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    ck_assert_int_eq(limits_oom_kills(&st), 2);
    /* An older kernel: no oom_kill line, so no count at all. */
    put("mem/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
    ck_assert_int_eq(limits_oom_kills(&st), -1);
    put("mem/memory.failcnt", "5\n");
    ck_assert_int_eq(limits_memory_limit_hit(&st), 0); /* peak far below */
    put("mem/memory.max_usage_in_bytes", "268435456\n");
    ck_assert_int_eq(limits_memory_limit_hit(&st), 1);
    put("mem/memory.failcnt", "0\n");
    ck_assert_int_eq(limits_memory_limit_hit(&st), 0);
}
END_TEST

START_TEST(oom_counters_v2)
{
    struct limit_state st;
    memset(&st, 0, sizeof st);
    st.cgroup_version = 2;
    snprintf(st.mem_dir, sizeof st.mem_dir, "%s/v2", tmp);
    put("v2/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
    ck_assert_int_eq(limits_oom_kills(&st), 0);
    ck_assert_int_eq(limits_memory_limit_hit(&st), 0);
    put("v2/memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n");
    ck_assert_int_eq(limits_oom_kills(&st), 1);
    ck_assert_int_eq(limits_memory_limit_hit(&st), 1);
    st.cgroup_version = 0; /* no memory cgroup: nothing is known */
    ck_assert_int_eq(limits_oom_kills(&st), -1);
}
END_TEST

/* Detect with a fixed amount of RAM so the ">= RAM is none" rule is
 * deterministic. */
static struct host_limits detect(uint64_t ram)
{
    struct host_limits l;
    memset(&l, 0x5a, sizeof l); /* every cgroup field must be written */
    ck_assert_int_eq(cgroup_read_limits(&l, root, proc, ram), 0);
    return l;
}

#define ck_assert_has(hay, needle) \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' lacks '%s'", (hay), (needle))

/* ---- cgroup v2 ---------------------------------------------------------- */

START_TEST(v2_leaf_limits)
{
    put("cg/cgroup.controllers", "cpu memory\n");
    put("cgroup", "0::/foo\n");
    put("cg/foo/cpu.max", "150000 100000\n");
    put("cg/foo/memory.max", "536870912\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 1.5, 1e-12);
    ck_assert_uint_eq(l.memory_bytes, 512 * MiB);
    ck_assert_int_eq(l.cpu_cgroup, 2);
    ck_assert_int_eq(l.memory_cgroup, 2);
    ck_assert_str_eq(l.cgroup_mode, "v2");
    ck_assert_has(l.cpu_source, "cgroup v2 ");
    ck_assert_has(l.cpu_source, "/cg/foo/cpu.max");
    ck_assert_has(l.memory_source, "/cg/foo/memory.max");

    cJSON *j = host_limits_json(&l);
    ck_assert_ptr_nonnull(j);
    ck_assert_double_eq_tol(cJSON_GetObjectItem(j, "cpus")->valuedouble, 1.5, 1e-12);
    ck_assert_double_eq(cJSON_GetObjectItem(j, "memory_bytes")->valuedouble,
                        536870912.0);
    ck_assert_has(cJSON_GetObjectItem(j, "source")->valuestring, "cgroup v2");
    ck_assert(!strstr(cJSON_GetObjectItem(j, "source")->valuestring, "v1"));
    cJSON_Delete(j);
}
END_TEST

START_TEST(v2_ancestor_tighter)
{
    put("cg/cgroup.controllers", "cpu memory\n");
    put("cgroup", "0::/a/b/c\n");
    put("cg/cpu.max", "max 100000\n");
    put("cg/a/cpu.max", "200000 100000\n");
    put("cg/a/memory.max", "268435456\n");
    put("cg/a/b/cpu.max", "max 100000\n");
    put("cg/a/b/c/cpu.max", "400000 100000\n");
    put("cg/a/b/c/memory.max", "1073741824\n");
    put("cg/a/b/memory.max", "max\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 2.0, 1e-12);
    ck_assert_has(l.cpu_source, "/cg/a/cpu.max");
    ck_assert_uint_eq(l.memory_bytes, 256 * MiB);
    ck_assert_has(l.memory_source, "/cg/a/memory.max");
}
END_TEST

START_TEST(v2_max_is_none)
{
    put("cg/cgroup.controllers", "cpu memory\n");
    put("cgroup", "0::/x\n");
    put("cg/x/cpu.max", "max 100000\n");
    put("cg/x/memory.max", "max\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert(l.cpus == 0);
    ck_assert_uint_eq(l.memory_bytes, 0);
    ck_assert_str_eq(l.cpu_source, "none");
    ck_assert_str_eq(l.memory_source, "none");
    ck_assert_int_eq(l.cpu_cgroup, 0);
    ck_assert_int_eq(l.memory_cgroup, 0);
    ck_assert_str_eq(l.cgroup_mode, "v2");
}
END_TEST

/* A container with its own cgroup namespace sees its cgroup as "/". */
START_TEST(v2_nested_root)
{
    put("cg/cgroup.controllers", "cpu memory\n");
    put("cgroup", "0::/\n");
    put("cg/cpu.max", "50000 100000\n");
    put("cg/memory.max", "134217728\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 0.5, 1e-12);
    ck_assert_uint_eq(l.memory_bytes, 128 * MiB);
}
END_TEST

START_TEST(v2_missing_path_uses_mount_root)
{
    put("cg/cgroup.controllers", "cpu memory\n");
    put("cgroup", "0::/system.slice/docker-abc.scope\n");
    put("cg/cpu.max", "300000 100000\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 3.0, 1e-12);
}
END_TEST

/* A path climbing out of the mount must not be followed. */
START_TEST(v2_dotdot_not_followed)
{
    put("cg/cgroup.controllers", "cpu memory\n");
    put("cgroup", "0::/..\n");
    put("cpu.max", "10000 100000\n"); /* tmp/cpu.max, outside the mount */
    put("cg/cpu.max", "200000 100000\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 2.0, 1e-12);
}
END_TEST

START_TEST(v2_memory_at_or_above_ram_is_none)
{
    put("cg/cgroup.controllers", "cpu memory\n");
    put("cgroup", "0::/x\n");
    put("cg/x/memory.max", "2147483648\n");
    struct host_limits l = detect(1 * GiB);
    ck_assert_uint_eq(l.memory_bytes, 0);
    ck_assert_str_eq(l.memory_source, "none");
    put("cg/x/memory.max", "1073741824\n");
    l = detect(1 * GiB);
    ck_assert_uint_eq(l.memory_bytes, 0);
    put("cg/x/memory.max", "1073737728\n");
    l = detect(1 * GiB);
    ck_assert_uint_eq(l.memory_bytes, 1073737728);
    /* ram unknown (0): only "max" and >= 2^62 are none */
    put("cg/x/memory.max", "2147483648\n");
    l = detect(0);
    ck_assert_uint_eq(l.memory_bytes, 2 * GiB);
}
END_TEST

/* Malformed files give no limit from that file; a valid ancestor still
 * counts. */
START_TEST(v2_malformed)
{
    static const char *bad_cpu[] = {
        "garbage", "100000", "abc 100000", "100000 0", "0 100000",
        "-5 100000", "100000 abc", "100000  100000", "1.5 1", "",
        "99999999999999999999999 100000", "max"};
    static const char *bad_mem[] = {"12abc", "", "-1", "0", "1e9", " 5x"};
    put("cg/cgroup.controllers", "cpu memory\n");
    put("cgroup", "0::/x\n");
    for (size_t i = 0; i < sizeof bad_cpu / sizeof bad_cpu[0]; i++) {
        put("cg/x/cpu.max", bad_cpu[i]);
        struct host_limits l = detect(64 * GiB);
        ck_assert_msg(l.cpus == 0, "cpu.max '%s' gave %g", bad_cpu[i], l.cpus);
        ck_assert_str_eq(l.cpu_source, "none");
    }
    for (size_t i = 0; i < sizeof bad_mem / sizeof bad_mem[0]; i++) {
        put("cg/x/memory.max", bad_mem[i]);
        struct host_limits l = detect(64 * GiB);
        ck_assert_msg(l.memory_bytes == 0, "memory.max '%s'", bad_mem[i]);
        ck_assert_str_eq(l.memory_source, "none");
    }
    put("cg/cpu.max", "100000 100000\n");
    put("cg/memory.max", "1048576\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 1.0, 1e-12);
    ck_assert_has(l.cpu_source, "/cg/cpu.max");
    ck_assert_uint_eq(l.memory_bytes, MiB);
}
END_TEST

/* ---- cgroup v1 ---------------------------------------------------------- */

START_TEST(v1_quota_and_memory)
{
    put("cgroup", "5:memory:/docker/x\n4:cpu,cpuacct:/docker/x\n"
                  "3:cpuset:/docker/x\n1:name=systemd:/docker/x\n0::/\n");
    put("cg/cpu/cpu.cfs_quota_us", "-1\n");
    put("cg/cpu/cpu.cfs_period_us", "100000\n");
    put("cg/cpu/docker/x/cpu.cfs_quota_us", "250000\n");
    put("cg/cpu/docker/x/cpu.cfs_period_us", "100000\n");
    put("cg/memory/memory.limit_in_bytes", "9223372036854771712\n");
    put("cg/memory/docker/x/memory.limit_in_bytes", "268435456\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 2.5, 1e-12);
    ck_assert_uint_eq(l.memory_bytes, 256 * MiB);
    ck_assert_int_eq(l.cpu_cgroup, 1);
    ck_assert_int_eq(l.memory_cgroup, 1);
    ck_assert_str_eq(l.cgroup_mode, "v1");
    ck_assert_has(l.cpu_source, "cgroup v1 cpu.cfs_quota_us/cfs_period_us (");
    ck_assert_has(l.cpu_source, "/cg/cpu/docker/x)");
    ck_assert_has(l.memory_source, "cgroup v1 ");
    ck_assert_has(l.memory_source, "/cg/memory/docker/x/memory.limit_in_bytes");

    cJSON *j = host_limits_json(&l);
    ck_assert_ptr_nonnull(j);
    ck_assert_has(cJSON_GetObjectItem(j, "source")->valuestring, "cgroup v1");
    ck_assert(!strstr(cJSON_GetObjectItem(j, "source")->valuestring, "v2"));
    cJSON_Delete(j);
}
END_TEST

START_TEST(v1_none)
{
    put("cgroup", "5:memory:/x\n4:cpu:/x\n");
    put("cg/cpu/x/cpu.cfs_quota_us", "-1\n");
    put("cg/cpu/x/cpu.cfs_period_us", "100000\n");
    put("cg/memory/x/memory.limit_in_bytes", "9223372036854771712\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert(l.cpus == 0);
    ck_assert_uint_eq(l.memory_bytes, 0);
    ck_assert_str_eq(l.cpu_source, "none");
    ck_assert_str_eq(l.memory_source, "none");
    ck_assert_str_eq(l.cgroup_mode, "v1");
    l = detect(0); /* RAM unknown: ~2^63 is still "unlimited" */
    ck_assert_uint_eq(l.memory_bytes, 0);
    /* >= RAM is none too, even far below 2^62 */
    put("cg/memory/x/memory.limit_in_bytes", "68719476736\n");
    l = detect(64 * GiB);
    ck_assert_uint_eq(l.memory_bytes, 0);
    l = detect(128 * GiB);
    ck_assert_uint_eq(l.memory_bytes, 64 * GiB);
}
END_TEST

START_TEST(v1_ancestor_tighter)
{
    put("cgroup", "4:cpu:/a/b\n3:memory:/a/b\n");
    put("cg/cpu/a/cpu.cfs_quota_us", "100000\n");
    put("cg/cpu/a/cpu.cfs_period_us", "100000\n");
    put("cg/cpu/a/b/cpu.cfs_quota_us", "-1\n");
    put("cg/cpu/a/b/cpu.cfs_period_us", "100000\n");
    put("cg/memory/a/memory.limit_in_bytes", "104857600\n");
    put("cg/memory/a/b/memory.limit_in_bytes", "209715200\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 1.0, 1e-12);
    ck_assert_has(l.cpu_source, "/cg/cpu/a)");
    ck_assert_uint_eq(l.memory_bytes, 100 * MiB);
}
END_TEST

/* Inside a container the host's path does not exist under the mount. */
START_TEST(v1_missing_path_uses_mount_root)
{
    put("cgroup", "4:cpu,cpuacct:/docker/0123abcd\n3:memory:/docker/0123abcd\n");
    put("cg/cpu/cpu.cfs_quota_us", "50000\n");
    put("cg/cpu/cpu.cfs_period_us", "100000\n");
    put("cg/memory/memory.limit_in_bytes", "1073741824\n");
    /* an unrelated cgroup that happens to share a prefix is not ours */
    put("cg/cpu/docker/cpu.cfs_quota_us", "10000\n");
    put("cg/cpu/docker/cpu.cfs_period_us", "100000\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 0.5, 1e-12);
    ck_assert_uint_eq(l.memory_bytes, GiB);
    ck_assert_has(l.memory_source, "/cg/memory/memory.limit_in_bytes");
}
END_TEST

/* Only "cpu,cpuacct" mounted, no "cpu" link. */
START_TEST(v1_combined_mount_name)
{
    put("cgroup", "4:cpu,cpuacct:/a\n");
    put("cg/cpu,cpuacct/a/cpu.cfs_quota_us", "75000\n");
    put("cg/cpu,cpuacct/a/cpu.cfs_period_us", "50000\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 1.5, 1e-12);
    ck_assert_has(l.cpu_source, "/cg/cpu,cpuacct/a)");
    /* no cpu line at all: the mount root of cpu,cpuacct */
    put("cgroup", "0::/\n");
    put("cg/cpu,cpuacct/cpu.cfs_quota_us", "200000\n");
    put("cg/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 2.0, 1e-12);
}
END_TEST

START_TEST(v1_malformed)
{
    static const char *bad_quota[] = {"x", "", "-2", "0", "1.5", "--1", "1 2"};
    put("cgroup", "4:cpu:/a\n3:memory:/a\n");
    put("cg/cpu/a/cpu.cfs_period_us", "100000\n");
    for (size_t i = 0; i < sizeof bad_quota / sizeof bad_quota[0]; i++) {
        put("cg/cpu/a/cpu.cfs_quota_us", bad_quota[i]);
        struct host_limits l = detect(64 * GiB);
        ck_assert_msg(l.cpus == 0, "quota '%s' gave %g", bad_quota[i], l.cpus);
    }
    put("cg/cpu/a/cpu.cfs_quota_us", "100000\n");
    put("cg/cpu/a/cpu.cfs_period_us", "0\n");
    ck_assert(detect(64 * GiB).cpus == 0);
    put("cg/cpu/a/cpu.cfs_period_us", "abc\n");
    ck_assert(detect(64 * GiB).cpus == 0);
    put("cg/memory/a/memory.limit_in_bytes", "lots\n");
    ck_assert_uint_eq(detect(64 * GiB).memory_bytes, 0);
}
END_TEST

/* v1 controllers plus a v2 tree at root/unified: v2 wins where it limits. */
START_TEST(hybrid_prefers_v2)
{
    put("cgroup", "4:cpu:/s\n3:memory:/s\n0::/s\n");
    put("cg/unified/cgroup.controllers", "\n");
    put("cg/unified/s/cpu.max", "100000 100000\n");
    put("cg/unified/s/memory.max", "max\n");
    put("cg/cpu/s/cpu.cfs_quota_us", "50000\n");
    put("cg/cpu/s/cpu.cfs_period_us", "100000\n");
    put("cg/memory/s/memory.limit_in_bytes", "536870912\n");
    struct host_limits l = detect(64 * GiB);
    ck_assert_str_eq(l.cgroup_mode, "hybrid");
    ck_assert_double_eq_tol(l.cpus, 1.0, 1e-12);
    ck_assert_int_eq(l.cpu_cgroup, 2);
    ck_assert_has(l.cpu_source, "/cg/unified/s/cpu.max");
    ck_assert_uint_eq(l.memory_bytes, 512 * MiB);
    ck_assert_int_eq(l.memory_cgroup, 1);

    cJSON *j = host_limits_json(&l);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "cgroup")->valuestring, "hybrid");
    ck_assert_has(cJSON_GetObjectItem(j, "source")->valuestring, "cgroup v1+v2");
    cJSON_Delete(j);
}
END_TEST

START_TEST(no_cgroups)
{
    struct host_limits l = detect(64 * GiB); /* empty root, no proc file */
    ck_assert_str_eq(l.cgroup_mode, "none");
    ck_assert(l.cpus == 0);
    ck_assert_uint_eq(l.memory_bytes, 0);
    ck_assert_str_eq(l.cpu_source, "none");
    ck_assert_int_eq(cgroup_read_limits(NULL, root, proc, 0), -EINVAL);
    /* host_detect_limits on the same fake tree: affinity still filled */
    ck_assert_int_eq(host_detect_limits(&l, root, proc), 0);
    ck_assert_uint_ge(l.affinity_cpus, 1);
    ck_assert_int_eq(host_detect_limits(NULL, root, proc), -EINVAL);
}
END_TEST

/* Long paths are elided in the middle, keeping version and file name. */
START_TEST(long_source_elided)
{
    char rel[600] = "cg", file[700];
    put("cg/cgroup.controllers", "\n");
    for (int i = 0; i < 10; i++)
        strcat(rel, "/0123456789abcdef0123456789");
    snprintf(file, sizeof file, "%s/cpu.max", rel);
    put(file, "20000 10000\n");
    snprintf(file, sizeof file, "0::%s\n", rel + 2);
    put("cgroup", file);
    struct host_limits l = detect(64 * GiB);
    ck_assert_double_eq_tol(l.cpus, 2.0, 1e-12);
    ck_assert_uint_lt(strlen(l.cpu_source), sizeof l.cpu_source);
    ck_assert_msg(strncmp(l.cpu_source, "cgroup v2 ", 10) == 0, "%s", l.cpu_source);
    ck_assert_has(l.cpu_source, "...");
    ck_assert_has(l.cpu_source, "6789/cpu.max");
}
END_TEST

/* The one reader of /proc/self/cgroup lines (limits.c uses it too). */
START_TEST(proc_cgroup_lines)
{
    put("cgroup", "13:cpuset:/set\n"
                  "12:cpu,cpuacct:/a:b/c\n"
                  "4:memory:/mem\n"
                  "3:memory:/second\n"
                  "1:name=systemd:/user.slice\n"
                  "5:pids:relative\n"
                  "garbage\n"
                  "0::/unified");
    char ctrls[64], path[64];
    ck_assert_int_eq(cgroup_proc_line(proc, "cpu", ctrls, sizeof ctrls, path,
                                      sizeof path), 0);
    ck_assert_str_eq(ctrls, "cpu,cpuacct"); /* not cpuset: whole names */
    ck_assert_str_eq(path, "/a:b/c");       /* a ':' in the path is kept */
    ck_assert_int_eq(cgroup_proc_line(proc, "cpuacct", ctrls, sizeof ctrls,
                                      path, sizeof path), 0);
    ck_assert_str_eq(path, "/a:b/c");
    ck_assert_int_eq(cgroup_proc_line(proc, "memory", ctrls, sizeof ctrls,
                                      path, sizeof path), 0);
    ck_assert_str_eq(path, "/mem"); /* the first line that names it */
    ck_assert_int_eq(cgroup_proc_line(proc, "", ctrls, sizeof ctrls, path,
                                      sizeof path), 0);
    ck_assert_str_eq(ctrls, "");
    ck_assert_str_eq(path, "/unified"); /* the last line, no newline */
    strcpy(path, "untouched");
    ck_assert_int_eq(cgroup_proc_line(proc, "pids", ctrls, sizeof ctrls, path,
                                      sizeof path), -ENOENT); /* not a path */
    ck_assert_int_eq(cgroup_proc_line(proc, "systemd", ctrls, sizeof ctrls,
                                      path, sizeof path), -ENOENT);
    ck_assert_int_eq(cgroup_proc_line(proc, "io", ctrls, sizeof ctrls, path,
                                      sizeof path), -ENOENT);
    ck_assert_str_eq(path, "untouched");
    /* v1 only: no "0::" line, so no v2 path. */
    put("cgroup", "2:memory:/m\n1::/not-v2\n");
    ck_assert_int_eq(cgroup_proc_line(proc, "", ctrls, sizeof ctrls, path,
                                      sizeof path), -ENOENT);
    unlink(proc);
    ck_assert_int_eq(cgroup_proc_line(proc, "cpu", ctrls, sizeof ctrls, path,
                                      sizeof path), -ENOENT);
}
END_TEST

/* ---- effective CPUs and the real machine -------------------------------- */

START_TEST(effective_cpus_rule)
{
    struct host_limits l;
    memset(&l, 0, sizeof l);
    l.affinity_cpus = 8;
    ck_assert_uint_eq(host_limits_effective_cpus(&l), 8);
    l.cpus = 1.5;
    ck_assert_uint_eq(host_limits_effective_cpus(&l), 2);
    l.cpus = 2.0;
    ck_assert_uint_eq(host_limits_effective_cpus(&l), 2);
    l.cpus = 0.2;
    ck_assert_uint_eq(host_limits_effective_cpus(&l), 1);
    l.cpus = 16;
    ck_assert_uint_eq(host_limits_effective_cpus(&l), 8);
    l.cpus = 1e30;
    ck_assert_uint_eq(host_limits_effective_cpus(&l), 8);
    l.affinity_cpus = 1;
    l.cpus = 4;
    ck_assert_uint_eq(host_limits_effective_cpus(&l), 1);
}
END_TEST

START_TEST(real_affinity)
{
    cpu_set_t set, back;
    ck_assert_int_eq(sched_getaffinity(0, sizeof set, &set), 0);
    struct host_limits l;
    ck_assert_int_eq(host_detect_limits(&l, NULL, NULL), 0);
    ck_assert_uint_eq(l.affinity_cpus, (unsigned)CPU_COUNT(&set));
    ck_assert_int_eq(host_parse_cpulist(l.cpuset, &back), 0);
    ck_assert(CPU_EQUAL(&set, &back));
    unsigned e = host_effective_cpus();
    ck_assert_uint_ge(e, 1);
    ck_assert_uint_le(e, l.affinity_cpus);
    ck_assert_uint_eq(e, host_limits_effective_cpus(&l));
}
END_TEST

/* ---- CPU lists ---------------------------------------------------------- */

static void round_trip(const char *in, const char *canonical)
{
    cpu_set_t s, s2;
    char buf[4096];
    ck_assert_msg(host_parse_cpulist(in, &s) == 0, "parse '%s'", in);
    ck_assert_int_eq(host_format_cpulist(&s, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, canonical);
    ck_assert_int_eq(host_parse_cpulist(buf, &s2), 0);
    ck_assert(CPU_EQUAL(&s, &s2));
}

START_TEST(cpulist_good)
{
    cpu_set_t s;
    ck_assert_int_eq(host_parse_cpulist("0-3,6,8-9", &s), 0);
    ck_assert_int_eq(CPU_COUNT(&s), 7);
    for (int c = 0; c < 12; c++)
        ck_assert_int_eq(!!CPU_ISSET(c, &s), c <= 3 || c == 6 || c == 8 || c == 9);
    round_trip("0-3,6,8-9", "0-3,6,8-9");
    round_trip("0", "0");
    round_trip("0-1", "0-1");
    round_trip("1,3,5", "1,3,5");
    round_trip("0,1,2,5", "0-2,5");
    round_trip("5,0-1", "0-1,5");
    round_trip("3-3", "3");
    round_trip("0-2,1-4", "0-4");
    round_trip("007", "7");
    round_trip("2-5\n", "2-5");
    round_trip("1023", "1023");
    round_trip("0-1023", "0-1023");
}
END_TEST

START_TEST(cpulist_bad)
{
    static const char *bad[] = {
        "3-1", "a", "0,,1", "", "\n", ",1", "1,", "-1", "1-", "1--2",
        "1-2-3", " 1", "1 ", "+1", "1\n\n", "0x1", "1024", "0-1024",
        "4294967297", "99999999999999999999", "1,a", "0:2", "1.0"};
    cpu_set_t s;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CPU_ZERO(&s);
        CPU_SET(0, &s);
        ck_assert_msg(host_parse_cpulist(bad[i], &s) == -EINVAL,
                      "'%s' accepted", bad[i]);
        ck_assert_int_eq(CPU_COUNT(&s), 0);
    }
    ck_assert_int_eq(host_parse_cpulist(NULL, &s), -EINVAL);
    ck_assert_int_eq(host_parse_cpulist("1", NULL), -EINVAL);
}
END_TEST

START_TEST(cpulist_format_edges)
{
    cpu_set_t s;
    char buf[8];
    CPU_ZERO(&s);
    strcpy(buf, "junk");
    ck_assert_int_eq(host_format_cpulist(&s, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(host_parse_cpulist("0-3,10-12", &s), 0);
    ck_assert_int_eq(host_format_cpulist(&s, buf, sizeof buf), -ERANGE);
    ck_assert_str_eq(buf, "0-3"); /* the items that fitted */
    char nine[10];
    ck_assert_int_eq(host_format_cpulist(&s, nine, 9), -ERANGE);
    ck_assert_int_eq(host_format_cpulist(&s, nine, 10), 0);
    ck_assert_str_eq(nine, "0-3,10-12");
    ck_assert_int_eq(host_format_cpulist(&s, buf, 0), -EINVAL);
    ck_assert_int_eq(host_format_cpulist(NULL, buf, sizeof buf), -EINVAL);
}
END_TEST

START_TEST(cpulist_random_round_trips)
{
    unsigned seed = 12345;
    char buf[8192];
    for (int iter = 0; iter < 200; iter++) {
        cpu_set_t s, back;
        CPU_ZERO(&s);
        int density = 1 + iter % 7;
        for (int c = 0; c < CPU_SETSIZE; c++) {
            seed = seed * 1103515245u + 12345u;
            if ((int)((seed >> 16) % 8) < density)
                CPU_SET(c, &s);
        }
        ck_assert_int_eq(host_format_cpulist(&s, buf, sizeof buf), 0);
        ck_assert_int_eq(host_parse_cpulist(buf, &back), 0);
        ck_assert(CPU_EQUAL(&s, &back));
    }
}
END_TEST

/* ---- host_json ---------------------------------------------------------- */

static cJSON *get(const cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    ck_assert_msg(v != NULL, "missing key '%s'", k);
    return v;
}

static double num(const cJSON *o, const char *k)
{
    cJSON *v = get(o, k);
    ck_assert_msg(cJSON_IsNumber(v), "'%s' is not a number", k);
    return v->valuedouble;
}

static const char *str(const cJSON *o, const char *k)
{
    cJSON *v = get(o, k);
    ck_assert_msg(cJSON_IsString(v), "'%s' is not a string", k);
    return v->valuestring;
}

START_TEST(host_json_keys)
{
    cJSON *h = host_json();
    ck_assert_ptr_nonnull(h);
    ck_assert(strlen(str(h, "hostname")) > 0);
    ck_assert(strlen(str(h, "cpu_model")) > 0);
    struct utsname u;
    ck_assert_int_eq(uname(&u), 0);
    ck_assert_has(str(h, "kernel"), u.sysname);
    ck_assert_has(str(h, "kernel"), u.release);
    ck_assert_str_eq(str(h, "arch"), u.machine);
    ck_assert(num(h, "memory_bytes") > 0);

    cJSON *t = get(h, "topology");
    ck_assert(cJSON_IsObject(t));
    double packages = num(t, "packages"), cores = num(t, "cores");
    double pus = num(t, "pus");
    ck_assert(packages >= 1);
    ck_assert(cores >= packages);
    ck_assert(pus >= cores);
    ck_assert(num(t, "numa_nodes") >= 1);
    cJSON *caches = get(t, "caches"), *c;
    ck_assert(cJSON_IsArray(caches));
    ck_assert_int_ge(cJSON_GetArraySize(caches), 1);
    double last_level = 0;
    cJSON_ArrayForEach(c, caches) {
        double level = num(c, "level");
        ck_assert(level >= 1 && level >= last_level);
        last_level = level;
        const char *ty = str(c, "type");
        ck_assert_msg(!strcmp(ty, "data") || !strcmp(ty, "instruction") ||
                      !strcmp(ty, "unified"), "cache type %s", ty);
        ck_assert(num(c, "size_bytes") >= 0);
        ck_assert(num(c, "count") >= 1);
    }

    cJSON *l = get(h, "limits");
    ck_assert(cJSON_IsObject(l));
    cJSON *cpus = get(l, "cpus"), *mem = get(l, "memory_bytes");
    ck_assert(cJSON_IsNull(cpus) || (cJSON_IsNumber(cpus) && cpus->valuedouble > 0));
    ck_assert(cJSON_IsNull(mem) || (cJSON_IsNumber(mem) && mem->valuedouble > 0));
    ck_assert(strlen(str(l, "source")) > 0);
    ck_assert(strlen(str(l, "cpus_source")) > 0);
    ck_assert(strlen(str(l, "memory_source")) > 0);
    ck_assert(strlen(str(l, "cgroup")) > 0);
    double aff = num(l, "affinity_cpus");
    ck_assert(aff >= 1 && aff <= pus);
    cpu_set_t set;
    ck_assert_int_eq(host_parse_cpulist(str(l, "cpuset"), &set), 0);
    ck_assert_int_eq(CPU_COUNT(&set), (int)aff);
    ck_assert(num(l, "effective_cpus") == (double)host_effective_cpus());

    char *text = cJSON_PrintUnformatted(h);
    ck_assert_ptr_nonnull(text);
    cJSON *again = cJSON_Parse(text);
    ck_assert_ptr_nonnull(again);
    cJSON_Delete(again);
    free(text);
    cJSON_Delete(h);
}
END_TEST

static Suite *host_suite(void)
{
    Suite *s = suite_create("host");
    TCase *cg = tcase_create("cgroup");
    tcase_add_checked_fixture(cg, setup, teardown);
    tcase_add_test(cg, oom_counters_v1);
    tcase_add_test(cg, oom_counters_v2);
    tcase_add_test(cg, v2_leaf_limits);
    tcase_add_test(cg, v2_ancestor_tighter);
    tcase_add_test(cg, v2_max_is_none);
    tcase_add_test(cg, v2_nested_root);
    tcase_add_test(cg, v2_missing_path_uses_mount_root);
    tcase_add_test(cg, v2_dotdot_not_followed);
    tcase_add_test(cg, v2_memory_at_or_above_ram_is_none);
    tcase_add_test(cg, v2_malformed);
    tcase_add_test(cg, v1_quota_and_memory);
    tcase_add_test(cg, v1_none);
    tcase_add_test(cg, v1_ancestor_tighter);
    tcase_add_test(cg, v1_missing_path_uses_mount_root);
    tcase_add_test(cg, v1_combined_mount_name);
    tcase_add_test(cg, v1_malformed);
    tcase_add_test(cg, hybrid_prefers_v2);
    tcase_add_test(cg, no_cgroups);
    tcase_add_test(cg, long_source_elided);
    tcase_add_test(cg, proc_cgroup_lines);
    suite_add_tcase(s, cg);

    TCase *real = tcase_create("real");
    tcase_set_timeout(real, 30);
    tcase_add_test(real, effective_cpus_rule);
    tcase_add_test(real, real_affinity);
    tcase_add_test(real, host_json_keys);
    suite_add_tcase(s, real);

    TCase *cl = tcase_create("cpulist");
    tcase_add_test(cl, cpulist_good);
    tcase_add_test(cl, cpulist_bad);
    tcase_add_test(cl, cpulist_format_edges);
    tcase_add_test(cl, cpulist_random_round_trips);
    suite_add_tcase(s, cl);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(host_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
