/* bench/report/compare_host.c: do the two reports of `parbench compare` come
 * from the same machine and the same parbench?
 *
 * Times measured on another host, another CPU model, another kernel,
 * under other limits or by another build of the harness are not
 * comparable as "before and after" of one change: a 20% gap may be the
 * machine.  So every field of "host" that describes the machine (hostname,
 * cpu_model, kernel, arch, memory_bytes, topology, limits) and of "tool"
 * (version, commit) is compared, objects field by field, and each
 * difference is listed; --fail-on-regression refuses to judge such a pair
 * of reports unless --allow-different-hosts says the user knows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/compare.h"
#include "bench/util/grow.h"

static const char *const fields[] = {
    "host.hostname", "host.cpu_model", "host.kernel", "host.arch",
    "host.memory_bytes", "host.topology", "host.limits", "tool.version",
    "tool.commit"};

static int add(struct cmp *c, size_t *cap, const char *path, const cJSON *a,
               const cJSON *b)
{
    if (pb_grow(&c->hdiff, cap, c->nhdiff, sizeof *c->hdiff, 8))
        return -ENOMEM;
    struct host_diff *d = &c->hdiff[c->nhdiff];
    if (!(d->field = strdup(path)))
        return -ENOMEM;
    d->a = a, d->b = b;
    c->nhdiff++;
    return 0;
}

/* Record where a and b differ below path: objects key by key (a's keys,
 * then those only b has), anything else as a whole. */
static int diff(struct cmp *c, size_t *cap, const char *path, const cJSON *a,
                const cJSON *b)
{
    if (!a && !b)
        return 0;
    if (!cJSON_IsObject(a) || !cJSON_IsObject(b))
        return a && b && cJSON_Compare(a, b, 1) ? 0 : add(c, cap, path, a, b);
    int rc = 0;
    const cJSON *k;
    for (int side = 0; side < 2 && !rc; side++)
        cJSON_ArrayForEach(k, (side ? b : a)) {
            const cJSON *other = cJSON_GetObjectItemCaseSensitive(side ? a : b,
                                                                  k->string);
            if (side && other)
                continue; /* seen from a's side */
            char *sub = malloc(strlen(path) + strlen(k->string) + 2);
            if (!sub)
                return -ENOMEM;
            sprintf(sub, "%s.%s", path, k->string);
            rc = side ? add(c, cap, sub, NULL, k)
                      : diff(c, cap, sub, k, other);
            free(sub);
            if (rc)
                break;
        }
    return rc;
}

int cmp_host_diffs(struct cmp *c)
{
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < sizeof fields / sizeof *fields && !rc; i++)
        rc = diff(c, &cap, fields[i], rl_get(c->rep[0].doc, fields[i]),
                  rl_get(c->rep[1].doc, fields[i]));
    return rc;
}

void cmp_host_names(const struct cmp *c, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < c->nhdiff && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
                                 c->hdiff[i].field);
}

void cmp_host_value(const cJSON *v, char *buf, size_t n)
{
    char *s = NULL;
    if (!v)
        snprintf(buf, n, "(missing)");
    else if (cJSON_IsString(v))
        snprintf(buf, n, "%s", v->valuestring);
    else
        snprintf(buf, n, "%s", (s = cJSON_PrintUnformatted(v)) ? s : "?");
    free(s);
    if (n > 4 && strlen(buf) == n - 1) /* cut: say so */
        memcpy(buf + n - 4, "...", 4);
}

void cmp_host_free(struct cmp *c)
{
    for (size_t i = 0; i < c->nhdiff; i++)
        free(c->hdiff[i].field);
    free(c->hdiff);
    c->hdiff = NULL, c->nhdiff = 0;
}
