/*
 * bench/host/host.c: the host description and effective limits that go into
 * every report and `parbench info`: name, CPU model, kernel, hwloc
 * topology with caches, RAM, and the limits this process is under
 * (cgroup quota and memory limit from cgroup.c, CPU affinity).  Also the
 * CPU list format ("0-3,6") used for affinity and, later, --cpuset.
 */
#include "bench/host/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <hwloc.h>

#include "bench/host/cgroup.h"

uint64_t host_ram_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || psize <= 0)
        return 0;
    return (uint64_t)pages * (uint64_t)psize;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* ---- CPU lists ---------------------------------------------------------- */

int host_format_cpulist(const cpu_set_t *set, char *buf, size_t n)
{
    if (!set || !buf || n == 0)
        return -EINVAL;
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < CPU_SETSIZE;) {
        if (!CPU_ISSET(i, set)) {
            i++;
            continue;
        }
        int j = i;
        while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, set))
            j++;
        char item[32];
        int k = j == i ? snprintf(item, sizeof item, "%s%d", used ? "," : "", i)
                       : snprintf(item, sizeof item, "%s%d-%d",
                                  used ? "," : "", i, j);
        if (used + (size_t)k >= n)
            return -ERANGE;
        memcpy(buf + used, item, (size_t)k + 1);
        used += (size_t)k;
        i = j + 1;
    }
    return 0;
}

/* One CPU number: digits only, below CPU_SETSIZE. */
static int parse_cpu(const char **p, const char *end, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    if (s == end || *s < '0' || *s > '9')
        return -EINVAL;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (unsigned)(*s - '0');
        if (v >= CPU_SETSIZE)
            return -EINVAL;
    }
    *p = s;
    *out = v;
    return 0;
}

int host_parse_cpulist(const char *s, cpu_set_t *set)
{
    if (!s || !set)
        return -EINVAL;
    CPU_ZERO(set);
    size_t len = strlen(s);
    if (len > 0 && s[len - 1] == '\n')
        len--;
    const char *p = s, *end = s + len;
    for (;;) {
        unsigned lo, hi;
        if (parse_cpu(&p, end, &lo) != 0)
            goto bad;
        hi = lo;
        if (p < end && *p == '-') {
            p++;
            if (parse_cpu(&p, end, &hi) != 0 || hi < lo)
                goto bad;
        }
        for (unsigned c = lo; c <= hi; c++)
            CPU_SET(c, set);
        if (p == end)
            return 0;
        if (*p != ',')
            goto bad;
        p++;
    }
bad:
    CPU_ZERO(set);
    return -EINVAL;
}

/* ---- limits ------------------------------------------------------------- */

int host_detect_limits(struct host_limits *l, const char *root,
                       const char *proc_cgroup)
{
    if (!l)
        return -EINVAL;
    memset(l, 0, sizeof *l);
    int rc = cgroup_read_limits(l, root ? root : HOST_CGROUP_ROOT,
                                proc_cgroup ? proc_cgroup : HOST_PROC_CGROUP,
                                host_ram_bytes());
    if (rc != 0)
        return rc;

    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        rc = -errno;
        l->affinity_cpus = online_cpus();
        snprintf(l->cpuset, sizeof l->cpuset, "unknown");
        return rc;
    }
    l->affinity_cpus = (unsigned)CPU_COUNT(&set);
    char big[8192]; /* CPU_SETSIZE CPUs, every other one: ~2.6 KB */
    if (host_format_cpulist(&set, big, sizeof big) != 0)
        big[0] = '\0';
    size_t len = strlen(big);
    if (len < sizeof l->cpuset) {
        memcpy(l->cpuset, big, len + 1);
    } else { /* cut at an item boundary and mark it */
        size_t cut = sizeof l->cpuset - 4;
        while (cut > 0 && big[cut] != ',')
            cut--;
        memcpy(l->cpuset, big, cut);
        memcpy(l->cpuset + cut, "...", 4);
    }
    return 0;
}

unsigned host_limits_effective_cpus(const struct host_limits *l)
{
    unsigned n = l->affinity_cpus ? l->affinity_cpus : online_cpus();
    if (l->cpus > 0 && l->cpus < (double)n) {
        unsigned c = (unsigned)l->cpus; /* ceil without libm */
        if ((double)c < l->cpus)
            c++;
        n = c;
    }
    return n ? n : 1;
}

unsigned host_effective_cpus(void)
{
    struct host_limits l;
    host_detect_limits(&l, NULL, NULL); /* filled in even on error */
    return host_limits_effective_cpus(&l);
}

/* One summary word list: which mechanisms limit this process. */
static void limits_summary(const struct host_limits *l, char *buf, size_t n)
{
    const char *cg = "";
    int c = l->cpu_cgroup, m = l->memory_cgroup;
    if (c && m && c != m)
        cg = "cgroup v1+v2";
    else if (c == 2 || m == 2)
        cg = "cgroup v2";
    else if (c == 1 || m == 1)
        cg = "cgroup v1";
    int aff = l->affinity_cpus > 0 && l->affinity_cpus < online_cpus();
    if (*cg && aff)
        snprintf(buf, n, "%s, affinity", cg);
    else
        snprintf(buf, n, "%s", *cg ? cg : aff ? "affinity" : "none");
}

cJSON *host_limits_json(const struct host_limits *l)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char summary[64];
    limits_summary(l, summary, sizeof summary);
    int ok = 1;
    ok &= (l->cpus > 0 ? cJSON_AddNumberToObject(o, "cpus", l->cpus)
                       : cJSON_AddNullToObject(o, "cpus")) != NULL;
    ok &= cJSON_AddStringToObject(o, "cpus_source", l->cpu_source) != NULL;
    ok &= (l->memory_bytes ? cJSON_AddNumberToObject(o, "memory_bytes",
                                                     (double)l->memory_bytes)
                           : cJSON_AddNullToObject(o, "memory_bytes")) != NULL;
    ok &= cJSON_AddStringToObject(o, "memory_source", l->memory_source) != NULL;
    ok &= cJSON_AddNumberToObject(o, "affinity_cpus", l->affinity_cpus) != NULL;
    ok &= cJSON_AddStringToObject(o, "cpuset", l->cpuset) != NULL;
    ok &= cJSON_AddNumberToObject(o, "effective_cpus",
                                  host_limits_effective_cpus(l)) != NULL;
    ok &= cJSON_AddStringToObject(o, "cgroup", l->cgroup_mode) != NULL;
    ok &= cJSON_AddStringToObject(o, "source", summary) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- host and topology ---------------------------------------------------- */

/* "model name : AMD EPYC" from /proc/cpuinfo; 0 if there is none. */
static int cpuinfo_model(char *buf, size_t n)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (!f)
        return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        char *v = strchr(line, ':');
        if (!v)
            continue;
        for (v++; *v == ' ' || *v == '\t'; v++)
            ;
        v[strcspn(v, "\n")] = '\0';
        if (*v) {
            snprintf(buf, n, "%s", v);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* One row of the caches table: caches alike in level, type and size. */
struct cache_row {
    unsigned level;
    hwloc_obj_cache_type_t type;
    uint64_t size;
    unsigned line;           /* line size in bytes, 0 = unknown */
    unsigned count;          /* how many such caches the machine has */
};

static int type_rank(hwloc_obj_cache_type_t t)
{
    return t == HWLOC_OBJ_CACHE_DATA ? 0 : t == HWLOC_OBJ_CACHE_INSTRUCTION ? 1 : 2;
}

static int cmp_rows(const void *a, const void *b)
{
    const struct cache_row *x = a, *y = b;
    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    if (type_rank(x->type) != type_rank(y->type))
        return type_rank(x->type) < type_rank(y->type) ? -1 : 1;
    return x->size < y->size ? -1 : x->size > y->size;
}

static cJSON *caches_json(hwloc_topology_t t)
{
    static const hwloc_obj_type_t types[] = {
        HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
        HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE, HWLOC_OBJ_L1ICACHE,
        HWLOC_OBJ_L2ICACHE, HWLOC_OBJ_L3ICACHE};
    struct cache_row rows[64];
    size_t nrows = 0;
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++) {
        hwloc_obj_t o = NULL;
        while ((o = hwloc_get_next_obj_by_type(t, types[i], o)) != NULL) {
            const struct hwloc_cache_attr_s *c = &o->attr->cache;
            size_t r = 0;
            while (r < nrows && !(rows[r].level == c->depth &&
                                  rows[r].type == c->type &&
                                  rows[r].size == c->size))
                r++;
            if (r == nrows) {
                if (nrows == sizeof rows / sizeof rows[0])
                    continue;
                rows[nrows++] = (struct cache_row){c->depth, c->type, c->size,
                                                   c->linesize, 0};
            }
            rows[r].count++;
        }
    }
    qsort(rows, nrows, sizeof rows[0], cmp_rows);
    cJSON *a = cJSON_CreateArray();
    for (size_t r = 0; a && r < nrows; r++) {
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(a, e)) {
            cJSON_Delete(e);
            cJSON_Delete(a);
            return NULL;
        }
        const char *ty = rows[r].type == HWLOC_OBJ_CACHE_DATA ? "data"
                         : rows[r].type == HWLOC_OBJ_CACHE_INSTRUCTION
                             ? "instruction" : "unified";
        int ok = cJSON_AddNumberToObject(e, "level", rows[r].level) &&
                 cJSON_AddStringToObject(e, "type", ty) &&
                 cJSON_AddNumberToObject(e, "size_bytes",
                                         (double)rows[r].size) &&
                 cJSON_AddNumberToObject(e, "line_bytes", rows[r].line) &&
                 cJSON_AddNumberToObject(e, "count", rows[r].count);
        if (!ok) {
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* Count of objects of a type, or JSON null where hwloc cannot say. */
static int add_count(cJSON *o, const char *key, hwloc_topology_t t,
                     hwloc_obj_type_t type)
{
    int n = t ? hwloc_get_nbobjs_by_type(t, type) : -1;
    return (n >= 0 ? cJSON_AddNumberToObject(o, key, n)
                   : cJSON_AddNullToObject(o, key)) != NULL;
}

/*
 * The whole machine, disallowed CPUs included: the host is what it is,
 * and "limits" says how much of it this process may use.
 */
static cJSON *topology_json(hwloc_topology_t t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON *caches = caches_json(t);
    int ok = add_count(o, "packages", t, HWLOC_OBJ_PACKAGE) &&
             add_count(o, "cores", t, HWLOC_OBJ_CORE) &&
             add_count(o, "pus", t, HWLOC_OBJ_PU) &&
             add_count(o, "numa_nodes", t, HWLOC_OBJ_NUMANODE) && caches &&
             cJSON_AddItemToObject(o, "caches", caches);
    if (!ok) {
        if (!cJSON_GetObjectItemCaseSensitive(o, "caches"))
            cJSON_Delete(caches);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *host_json(void)
{
    hwloc_topology_t t = NULL;
    if (hwloc_topology_init(&t) != 0) {
        t = NULL;
    } else if (hwloc_topology_set_flags(
                   t, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) != 0 ||
               /* instruction caches are dropped by default; keep them */
               hwloc_topology_set_icache_types_filter(
                   t, HWLOC_TYPE_FILTER_KEEP_ALL) != 0 ||
               hwloc_topology_load(t) != 0) {
        hwloc_topology_destroy(t);
        t = NULL;
    }

    char host[256] = "unknown", model[256] = "unknown", kernel[2 * 65];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    if (!cpuinfo_model(model, sizeof model) && t) {
        hwloc_obj_t pkg = hwloc_get_obj_by_type(t, HWLOC_OBJ_PACKAGE, 0);
        const char *m = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
        if (m && *m)
            snprintf(model, sizeof model, "%s", m);
    }
    struct utsname u;
    const char *arch = "unknown";
    snprintf(kernel, sizeof kernel, "unknown");
    if (uname(&u) == 0) {
        snprintf(kernel, sizeof kernel, "%s %s", u.sysname, u.release);
        arch = u.machine;
    }
    struct host_limits l;
    host_detect_limits(&l, NULL, NULL); /* filled in even on error */

    cJSON *o = cJSON_CreateObject();
    cJSON *topo = topology_json(t);
    cJSON *lim = host_limits_json(&l);
    if (t)
        hwloc_topology_destroy(t);
    int ok = o && topo && lim &&
             cJSON_AddStringToObject(o, "hostname", host) &&
             cJSON_AddStringToObject(o, "cpu_model", model) &&
             cJSON_AddStringToObject(o, "kernel", kernel) &&
             cJSON_AddStringToObject(o, "arch", arch) &&
             cJSON_AddItemToObject(o, "topology", topo);
    if (ok)
        topo = NULL; /* owned by o now */
    ok = ok && cJSON_AddNumberToObject(o, "memory_bytes",
                                       (double)host_ram_bytes()) &&
         cJSON_AddItemToObject(o, "limits", lim);
    if (ok)
        return o;
    if (!cJSON_GetObjectItemCaseSensitive(o, "limits"))
        cJSON_Delete(lim);
    cJSON_Delete(topo);
    cJSON_Delete(o);
    return NULL;
}
