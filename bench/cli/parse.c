/* bench/cli/parse.c: strict value parsers for the command line and matrix files.
 *
 * strtod/strtoull accept far too much ("1e999", " 12", "0x10", "-5" as a huge
 * unsigned): the number is parsed by hand as digits[.digits], then the unit
 * is looked up in a table.  Anything else is an error naming the problem. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bench/cli/parse.h"

struct unit {
    const char *name;
    double factor;
};

static const struct unit size_units[] = {
    {"", 1},        {"B", 1},
    {"K", 1e3},     {"KB", 1e3},     {"M", 1e6},      {"MB", 1e6},
    {"G", 1e9},     {"GB", 1e9},     {"T", 1e12},     {"TB", 1e12},
    {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
    {"TiB", 1099511627776.0},
};

static const struct unit time_units[] = {
    {"", 1}, {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9},
};

/* Parse digits[.digits] into an exact mantissa / 10^scale; rest points past
 * the number.  Returns -1 when there is no number: digits are needed on
 * both sides of a '.' ("5." or ".5" read as 5 and 0.5 once, so "5.x" was a
 * whole number and "5.MB" a size). */
static int parse_decimal(const char *s, uint64_t *mant, int *scale,
                         const char **rest)
{
    const char *p = s;
    uint64_t m = 0;
    int sc = 0, digits = 0;
    for (; isdigit((unsigned char)*p); p++, digits++) {
        if (m > (UINT64_MAX - 9) / 10)
            return -2;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        if (!digits || !isdigit((unsigned char)p[1]))
            return -1;
        p++;
        for (; isdigit((unsigned char)*p); p++, digits++, sc++) {
            if (m > (UINT64_MAX - 9) / 10 || sc > 9)
                return -2;
            m = m * 10 + (uint64_t)(*p - '0');
        }
    }
    if (!digits)
        return -1;
    *mant = m, *scale = sc, *rest = p;
    return 0;
}

/* The same as a double (m / 10^scale, divided as the digits say). */
static int parse_real(const char *s, double *out, const char **rest)
{
    uint64_t m;
    int sc;
    int r = parse_decimal(s, &m, &sc, rest);
    if (r)
        return r;
    double v = (double)m;
    for (int k = 0; k < sc; k++)
        v /= 10;
    *out = v;
    return 0;
}

static const struct unit *find_unit(const struct unit *t, size_t n,
                                    const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

static int number_prefix_error(const char *s, int r, const char *what,
                               char *err, size_t errlen)
{
    if (s[0] == '-')
        snprintf(err, errlen, "'%s': %s must not be negative", s, what);
    else if (r == -2)
        snprintf(err, errlen, "'%s': number too large", s);
    else
        snprintf(err, errlen, "'%s': not a %s", s, what);
    return r == -2 ? -ERANGE : -EINVAL;
}

int pb_parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
    uint64_t m;
    int sc;
    const char *rest;
    int r = parse_decimal(s, &m, &sc, &rest);
    if (r)
        return number_prefix_error(s, r, "size", err, errlen);
    const struct unit *u =
        find_unit(size_units, sizeof size_units / sizeof *size_units, rest);
    if (!u) {
        snprintf(err, errlen,
                 "'%s': unknown unit '%s' (use B, KB, MB, GB, TB, KiB, MiB, "
                 "GiB, TiB)", s, rest);
        return -EINVAL;
    }
    /* Exact integer arithmetic for whole-number results. */
    unsigned __int128 v = (unsigned __int128)m;
    unsigned __int128 f = (unsigned __int128)u->factor;
    v *= f;
    unsigned __int128 div = 1;
    for (int k = 0; k < sc; k++)
        div *= 10;
    if (v % div != 0) {
        snprintf(err, errlen, "'%s' is not a whole number of bytes", s);
        return -EINVAL;
    }
    v /= div;
    if (v > (unsigned __int128)INT64_MAX) {
        snprintf(err, errlen, "'%s': size too large", s);
        return -ERANGE;
    }
    *out = (uint64_t)v;
    return 0;
}

int pb_parse_duration(const char *s, double *out, char *err, size_t errlen)
{
    double v;
    const char *rest;
    int r = parse_real(s, &v, &rest);
    if (r)
        return number_prefix_error(s, r, "duration", err, errlen);
    const struct unit *u =
        find_unit(time_units, sizeof time_units / sizeof *time_units, rest);
    if (!u) {
        snprintf(err, errlen, "'%s': unknown unit '%s' (use s, ms, us, ns)",
                 s, rest);
        return -EINVAL;
    }
    v *= u->factor;
    if (v > 1e6) {
        snprintf(err, errlen, "'%s': duration too long", s);
        return -ERANGE;
    }
    *out = v;
    return 0;
}

int pb_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
                  char *err, size_t errlen)
{
    uint64_t m;
    int sc;
    const char *rest;
    int r = parse_decimal(s, &m, &sc, &rest);
    if (r || sc || *rest) {
        if (!r && (sc || *rest))
            r = -1;
        return number_prefix_error(s, r, "whole number", err, errlen);
    }
    if (m < min || m > max) {
        snprintf(err, errlen, "'%s' is out of range (%" PRIu64 "..%" PRIu64
                 ")", s, min, max);
        return -ERANGE;
    }
    *out = m;
    return 0;
}

int pb_parse_int(const char *s, int64_t min, int64_t max, int64_t *out,
                 char *err, size_t errlen)
{
    int neg = s[0] == '-';
    const char *d = s + (neg || s[0] == '+');
    uint64_t m;
    char sub[128];
    if (pb_parse_uint(d, 0, (uint64_t)INT64_MAX, &m, sub, sizeof sub)) {
        snprintf(err, errlen, "'%s': not a whole number", s);
        return -EINVAL;
    }
    int64_t v = neg ? -(int64_t)m : (int64_t)m;
    if (v < min || v > max) {
        snprintf(err, errlen, "'%s' is out of range (%" PRId64 "..%" PRId64
                 ")", s, min, max);
        return -ERANGE;
    }
    *out = v;
    return 0;
}

int pb_parse_number(const char *s, double min, double max, double *out,
                    char *err, size_t errlen)
{
    double v;
    const char *rest;
    int r = parse_real(s, &v, &rest);
    if (r || *rest) {
        if (!r)
            r = -1;
        return number_prefix_error(s, r, "number", err, errlen);
    }
    if (v < min || v > max) {
        snprintf(err, errlen, "'%s' is out of range (%g..%g)", s, min, max);
        return -ERANGE;
    }
    *out = v;
    return 0;
}

void pb_format_size(uint64_t b, char *buf, size_t n)
{
    static const struct unit show[] = {
        {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3},
        {"GiB", 1073741824.0}, {"MiB", 1048576.0}, {"KiB", 1024.0},
    };
    for (size_t i = 0; i < sizeof show / sizeof *show; i++) {
        uint64_t f = (uint64_t)show[i].factor;
        if (b >= f && b % f == 0) {
            snprintf(buf, n, "%" PRIu64 "%s", b / f, show[i].name);
            return;
        }
    }
    snprintf(buf, n, "%" PRIu64 "B", b);
}

void pb_text_oneline(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}
