/* tests/fuzz/fuzz_parse.c: libFuzzer target for the value parsers.
 *
 * The input (up to its first NUL byte) is one command-line value, given
 * to each strict parser of bench/cli/parse.c (sizes, durations, whole numbers,
 * signed numbers, plain decimals) and to the CPU-list parser behind
 * --cpuset (host_parse_cpulist).  Checked besides memory errors and
 * undefined behaviour: an accepted value is of the documented form
 * (digits[.digits], no sign, blank, 0x, exponent, nan or inf) and in
 * range; a size prints back (pb_format_size) to text that parses to the
 * same bytes; a CPU list prints back (host_format_cpulist) to a list of
 * the same CPUs; a rejection has a reason. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/host/host.h"
#include "bench/cli/parse.h"
#include "tests/fuzz/fuzz.h"

/* digits[.digits] then, when unit is set, anything (the unit); without a
 * unit nothing may follow and with dot 0 no '.' either. */
static int plain_number(const char *s, int dot, int unit)
{
    const char *p = s;
    int digits = 0;
    while (isdigit((unsigned char)*p))
        p++, digits++;
    if (dot && *p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            digits++;
    return digits && (unit ? !isdigit((unsigned char)*p) && *p != '.' && *p != '-' : !*p);
}

static void sizes(const char *s)
{
    uint64_t v, back;
    char err[256] = "", txt[64];
    if (pb_parse_size(s, &v, err, sizeof err)) {
        fuzz_check_reason(err);
        return;
    }
    if (!plain_number(s, 1, 1) || v > (uint64_t)INT64_MAX)
        fuzz_fail("size '%s' accepted as %llu", s, (unsigned long long)v);
    pb_format_size(v, txt, sizeof txt);
    if (pb_parse_size(txt, &back, err, sizeof err) || back != v)
        fuzz_fail("size '%s' = %llu printed as '%s', read back as %llu", s,
                  (unsigned long long)v, txt, (unsigned long long)back);
}

static void durations(const char *s)
{
    double v;
    char err[256] = "";
    if (pb_parse_duration(s, &v, err, sizeof err)) {
        fuzz_check_reason(err);
        return;
    }
    if (!plain_number(s, 1, 1) || !(v >= 0 && v <= 1e6))
        fuzz_fail("duration '%s' accepted as %g", s, v);
}

static void integers(const char *s)
{
    static const uint64_t range[][2] = {{0, UINT64_MAX}, {1, 1 << 20}, {5, 5}};
    for (size_t i = 0; i < 3; i++) {
        uint64_t v;
        char err[256] = "";
        if (pb_parse_uint(s, range[i][0], range[i][1], &v, err, sizeof err)) {
            fuzz_check_reason(err);
            continue;
        }
        if (!plain_number(s, 0, 0) || v < range[i][0] || v > range[i][1] ||
            strtoull(s, NULL, 10) != v)
            fuzz_fail("whole number '%s' accepted as %llu", s,
                      (unsigned long long)v);
    }
    static const int64_t srange[][2] = {{INT64_MIN, INT64_MAX}, {-5, 5}};
    for (size_t i = 0; i < 2; i++) {
        int64_t v;
        char err[256] = "";
        if (pb_parse_int(s, srange[i][0], srange[i][1], &v, err, sizeof err)) {
            fuzz_check_reason(err);
            continue;
        }
        const char *d = s + (*s == '-' || *s == '+');
        errno = 0;
        if (!plain_number(d, 0, 0) || v < srange[i][0] || v > srange[i][1] ||
            strtoll(s, NULL, 10) != v || errno)
            fuzz_fail("signed number '%s' accepted as %lld", s, (long long)v);
    }
}

static void decimals(const char *s)
{
    double v;
    char err[256] = "";
    if (pb_parse_number(s, 0.001, 1e6, &v, err, sizeof err)) {
        fuzz_check_reason(err);
        return;
    }
    /* The decimal is exact up to rounding: compare with strtod. */
    double ref = strtod(s, NULL);
    if (!plain_number(s, 1, 0) || !(v >= 0.001 && v <= 1e6) ||
        fabs(v - ref) > 1e-9 * ref)
        fuzz_fail("number '%s' accepted as %.17g", s, v);
}

static void cpulists(const char *s)
{
    cpu_set_t set, back;
    char txt[8192];
    if (host_parse_cpulist(s, &set))
        return;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !strchr(",-\n", *p))
            fuzz_fail("CPU list '%s' accepted", s);
    if (host_format_cpulist(&set, txt, sizeof txt))
        fuzz_fail("CPU list '%s' does not print back", s);
    if (host_parse_cpulist(txt, &back) || !CPU_EQUAL(&set, &back))
        fuzz_fail("CPU list '%s' printed as '%s', read back differently", s,
                  txt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Command-line values are short; long ones only slow the search. */
    if (size > 256)
        return 0;
    char *s = fuzz_text(data, size);
    if (!s)
        return 0;
    sizes(s);
    durations(s);
    integers(s);
    decimals(s);
    cpulists(s);
    free(s);
    return 0;
}
