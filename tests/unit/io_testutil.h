/* tests/unit/io_testutil.h: what the I/O helpers' tests (test_sysio.c,
 * test_util.c) share: a mkdtemp directory per test, byte patterns, and a
 * job for a thread on the other end of a pipe or FIFO. */
#ifndef PB_IO_TESTUTIL_H
#define PB_IO_TESTUTIL_H
#include <check.h>
#include <dirent.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[256];

static inline void setup(void)
{
    snprintf(dir, sizeof dir, "%s/parbench-io-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void teardown(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(dir);
}

static inline void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* A byte pattern that no shifted or repeated piece matches. */
static inline char *pattern(size_t n, unsigned seed)
{
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (char)(x >> 24);
    }
    return p;
}

static inline void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Whole content of path (test side: stdio, not the code under test). */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    for (size_t k; (k = fread(b + n, 1, cap - n, f)) > 0;)
        if ((n += k) == cap)
            b = realloc(b, (cap *= 2) + 1);
    fclose(f);
    b[n] = 0;
    *len = n;
    return b;
}

/* Names in dir other than . and .., for "nothing left behind". */
static inline int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}


struct pipe_job {
    int fd;
    const char *path; /* FIFO jobs: open this first */
    char *buf;
    size_t len;
    size_t chunk;   /* reader: bytes per read(2), to keep the pipe full */
    int rc;
    atomic_int done;
};
#endif
