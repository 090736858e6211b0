/* kernels/option.c: option rows without bench/ (see option.h): finding a
 * row, the values of a choice, and the exact wire form of a value. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/option.h"

const struct opt *opt_find(const struct opt *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

/* The k-th '|'-separated value of o->meta: start and length. */
static int choice_at(const struct opt *o, int k, const char **s, size_t *len)
{
    const char *p = o->meta ? o->meta : "";
    for (int i = 0; *p || i == 0; i++) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (i == k) {
            *s = p, *len = l;
            return 0;
        }
        if (!bar)
            break;
        p = bar + 1;
    }
    return -1;
}

int opt_choice_index(const struct opt *o, const char *v)
{
    const char *s;
    size_t len;
    for (int k = 0; choice_at(o, k, &s, &len) == 0; k++)
        if (len == strlen(v) && strncmp(s, v, len) == 0)
            return k;
    return -1;
}

void opt_choice_name(const struct opt *o, int k, char *buf, size_t n)
{
    const char *s;
    size_t len;
    if (choice_at(o, k, &s, &len) != 0)
        len = 0, s = "";
    snprintf(buf, n, "%.*s", (int)len, s);
}

int opt_wire_format(const struct opt *o, const void *base, char *buf,
                    size_t n)
{
    const char *f = (const char *)base + o->off;
    int w = 0;
    switch (o->type) {
    case OT_STR:
    case OT_ARGV: {
        const char *s = *(const char *const *)f;
        if (!s)
            return 1;
        w = snprintf(buf, n, "%s", s);
        break;
    }
    case OT_UINT:
    case OT_SIZE:
        w = snprintf(buf, n, "%" PRIu64, *(const uint64_t *)f);
        break;
    case OT_INT:
        w = snprintf(buf, n, "%" PRId64, *(const int64_t *)f);
        break;
    case OT_DURATION:
    case OT_NUMBER:
        w = snprintf(buf, n, "%a", *(const double *)f);
        break;
    case OT_FLAG:
    case OT_CHOICE:
        w = snprintf(buf, n, "%d", *(const int *)f);
        break;
    }
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int opt_wire_read(const struct opt *o, void *base, const char *text)
{
    char *f = (char *)base + o->off, *end = NULL;
    errno = 0;
    switch (o->type) {
    case OT_STR:
    case OT_ARGV:
        *(const char **)f = text;
        return 0;
    case OT_UINT:
    case OT_SIZE:
        if (text[0] == '-')
            return -1;
        *(uint64_t *)f = strtoull(text, &end, 10);
        break;
    case OT_INT:
        *(int64_t *)f = strtoll(text, &end, 10);
        break;
    case OT_DURATION:
    case OT_NUMBER:
        *(double *)f = strtod(text, &end);
        break;
    case OT_FLAG:
    case OT_CHOICE: {
        long v = strtol(text, &end, 10);
        if (v < 0 || v > 1000)
            return -1;
        *(int *)f = (int)v;
        break;
    }
    }
    return errno || end == text || *end ? -1 : 0;
}
