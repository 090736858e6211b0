/*
 * tests/unit/test_io.c: the one home of parbench's file and descriptor
 * helpers, runners/sysio.c and bench/util/safeio.c, on real pipes, FIFOs,
 * devices, /proc files and files in a mkdtemp directory.
 *
 * What each test is for: short writes and EAGAIN come from a non-blocking
 * pipe shrunk to one page; EINTR from signals (installed without
 * SA_RESTART) sent to a thread blocked on a full or empty pipe; a failed
 * atomic write from RLIMIT_FSIZE, which makes write(2) fail half-way
 * through the temporary file.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/util/safeio.h"
#include "runners/runner.h"
#include "runners/sysio.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s/parbench-io-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(dir);
}

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* A byte pattern that no shifted or repeated piece matches. */
static char *pattern(size_t n, unsigned seed)
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

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Whole content of path (test side: stdio, not the code under test). */
static char *slurp(const char *path, size_t *len)
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
static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- pb_write_all, pb_read_full ---------------------------------------- */

struct pipe_job {
    int fd;
    const char *path; /* FIFO jobs: open this first */
    char *buf;
    size_t len;
    size_t chunk;   /* reader: bytes per read(2), to keep the pipe full */
    int rc;
    atomic_int done;
};

static void *writer(void *arg)
{
    struct pipe_job *j = arg;
    j->rc = pb_write_all(j->fd, j->buf, j->len);
    atomic_store(&j->done, 1);
    return NULL;
}

static void *reader(void *arg)
{
    struct pipe_job *j = arg;
    j->rc = pb_read_full(j->fd, j->buf, j->len);
    atomic_store(&j->done, 1);
    return NULL;
}

/* Reads len bytes in small chunks, slowly at first, so the writer meets
 * a full pipe many times. */
static void *slow_reader(void *arg)
{
    struct pipe_job *j = arg;
    size_t got = 0;
    for (int k = 0; got < j->len; k++) {
        if (k < 20)
            sleep_ms(1);
        ssize_t r = read(j->fd, j->buf + got, j->chunk);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
            sleep_ms(1);
            continue;
        }
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    j->rc = got == j->len ? 0 : -1;
    return NULL;
}

START_TEST(write_all_nonblocking_short_writes)
{
    int fds[2];
    ck_assert_int_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    int cap = fcntl(fds[1], F_SETPIPE_SZ, 4096);
    ck_assert_int_ge(cap, 4096);
    const size_t len = 1 << 20;
    char *data = pattern(len, 1), *back = calloc(1, len);
    struct pipe_job r = {.fd = fds[0], .buf = back, .len = len, .chunk = 1000};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, slow_reader, &r), 0);
    /* 1 MiB through a pipe of a few pages that never blocks: write(2)
     * returns short counts and EAGAIN, which must be waited out. */
    ck_assert_int_eq(pb_write_all(fds[1], data, len), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert(memcmp(data, back, len) == 0);
    close(fds[0]), close(fds[1]);
    free(data), free(back);
}
END_TEST

START_TEST(write_iov_in_order)
{
    int fds[2];
    ck_assert_int_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    fcntl(fds[1], F_SETPIPE_SZ, 4096);
    const size_t len = 300000;
    char *data = pattern(len, 2), *back = calloc(1, len);
    struct iovec v[3] = {{data, 7}, {data + 7, 0}, {data + 7, len - 7}};
    struct pipe_job r = {.fd = fds[0], .buf = back, .len = len, .chunk = 777};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, slow_reader, &r), 0);
    ck_assert_int_eq(pb_write_iov(fds[1], v, 3), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert(memcmp(data, back, len) == 0);
    close(fds[0]), close(fds[1]);
    free(data), free(back);
}
END_TEST

static atomic_int signals_seen;
static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&signals_seen, 1);
}

/* SIGUSR1 without SA_RESTART: a blocked read or write returns EINTR (or
 * a short count, when some bytes had moved). */
static void interruptible(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    atomic_store(&signals_seen, 0);
}

START_TEST(write_all_survives_eintr)
{
    interruptible();
    int fds[2];
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    int cap = fcntl(fds[1], F_SETPIPE_SZ, 4096);
    ck_assert_int_ge(cap, 4096);
    const size_t len = 256 * 1024;
    char *data = pattern(len, 3), *back = calloc(1, len);
    struct pipe_job w = {.fd = fds[1], .buf = data, .len = len};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, writer, &w), 0);
    /* Wait for the pipe to fill: the writer is then blocked in write(2). */
    int queued = 0;
    for (int k = 0; k < 5000 && queued < cap; k++) {
        sleep_ms(1);
        ck_assert_int_eq(ioctl(fds[0], FIONREAD, &queued), 0);
    }
    ck_assert_int_eq(queued, cap);
    /* The first signal may only cut a write short; the next ones meet a
     * write(2) that has moved nothing yet: EINTR. */
    for (int k = 0; k < 5; k++) {
        pthread_kill(t, SIGUSR1);
        sleep_ms(20);
        ck_assert_msg(!atomic_load(&w.done), "the writer gave up after a "
                      "signal (rc %d)", w.rc);
    }
    ck_assert_int_eq(atomic_load(&signals_seen), 5);
    ck_assert_int_eq(pb_read_full(fds[0], back, len), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(w.rc, 0);
    ck_assert(memcmp(data, back, len) == 0);
    close(fds[0]), close(fds[1]);
    free(data), free(back);
}
END_TEST

START_TEST(read_full_survives_eintr)
{
    interruptible();
    int fds[2];
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    const size_t len = 100000;
    char *data = pattern(len, 4), *back = calloc(1, len);
    struct pipe_job r = {.fd = fds[0], .buf = back, .len = len};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, reader, &r), 0);
    sleep_ms(20); /* blocked on the empty pipe */
    for (int k = 0; k < 3; k++) {
        pthread_kill(t, SIGUSR1);
        sleep_ms(20);
    }
    /* And with part of the data there, more signals mid-way. */
    ck_assert_int_eq(pb_write_all(fds[1], data, 10), 0);
    sleep_ms(20);
    pthread_kill(t, SIGUSR1);
    sleep_ms(20);
    ck_assert(!atomic_load(&r.done));
    ck_assert_int_eq(atomic_load(&signals_seen), 4);
    ck_assert_int_eq(pb_write_all(fds[1], data + 10, len - 10), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert(memcmp(data, back, len) == 0);
    close(fds[0]), close(fds[1]);
    free(data), free(back);
}
END_TEST

START_TEST(read_full_and_write_all_errors)
{
    int fds[2];
    char buf[64];
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    ck_assert_int_eq(pb_write_all(fds[1], "abc", 3), 0);
    close(fds[1]);
    /* The writer is gone after 3 bytes of the 10 asked for. */
    ck_assert_int_eq(pb_read_full(fds[0], buf, 10), -ENODATA);
    close(fds[0]);
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    ck_assert_int_eq(pb_write_all(fds[1], "abcdef", 6), 0);
    close(fds[1]);
    ck_assert_int_eq(pb_read_upto(fds[0], buf, sizeof buf), 6);
    ck_assert_int_eq(pb_read_upto(fds[0], buf, sizeof buf), 0);
    close(fds[0]);
    /* No reader: EPIPE (SIGPIPE ignored, as a test's process may). */
    signal(SIGPIPE, SIG_IGN);
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    close(fds[0]);
    ck_assert_int_eq(pb_write_all(fds[1], "x", 1), -EPIPE);
    close(fds[1]);
    ck_assert_int_eq(pb_write_all(-1, "x", 1), -EBADF);
    ck_assert_int_eq(pb_read_full(-1, buf, 1), -EBADF);
    /* Nothing to write is no error. */
    ck_assert_int_eq(pb_write_all(-1, "", 0), 0);
}
END_TEST

/* ---- reading files ----------------------------------------------------- */

START_TEST(read_file_proc_has_no_size)
{
    struct stat st;
    ck_assert_int_eq(stat("/proc/self/status", &st), 0);
    ck_assert_int_eq(st.st_size, 0); /* what makes a size-based read fail */
    char *t, err[256];
    size_t len;
    ck_assert_int_eq(pb_read_file("/proc/self/status", &t, &len, err,
                                  sizeof err), 0);
    ck_assert_uint_gt(len, 100);
    ck_assert_uint_eq(strlen(t), len);
    ck_assert_ptr_nonnull(strstr(t, "\nVmHWM:"));
    ck_assert_int_eq(t[len - 1], '\n');
    free(t);
    /* /proc/self/maps (usually longer than a page: seq_file hands it out
     * a page or so per read(2)) ends with a whole line. */
    ck_assert_int_eq(pb_read_file("/proc/self/maps", &t, &len, err,
                                  sizeof err), 0);
    ck_assert_int_eq(t[len - 1], '\n');
    ck_assert_ptr_nonnull(strstr(t, "[stack]"));
    free(t);
    char small[64];
    ssize_t n = pb_read_small("/proc/self/status", small, sizeof small);
    ck_assert_int_eq(n, 63); /* truncated to the buffer, NUL-terminated */
    ck_assert_uint_eq(strlen(small), 63);
    ck_assert(strncmp(small, "Name:", 5) == 0);
}
END_TEST

START_TEST(read_file_big_and_exact)
{
    char path[512], err[512];
    path_in(path, sizeof path, "big");
    const size_t len = 5 * (1 << 20) + 17; /* past several doublings */
    char *data = pattern(len, 5);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    char *t;
    size_t got;
    ck_assert_int_eq(pb_read_file(path, &t, &got, err, sizeof err), 0);
    ck_assert_uint_eq(got, len);
    ck_assert(memcmp(t, data, len) == 0);
    ck_assert_int_eq(t[len], 0);
    free(t);
    /* A file of exactly the first buffer's size (64 KiB), and empty. */
    f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(data, 1, 1 << 16, f), 1u << 16);
    fclose(f);
    ck_assert_int_eq(pb_read_file(path, &t, &got, err, sizeof err), 0);
    ck_assert_uint_eq(got, 1u << 16);
    ck_assert(memcmp(t, data, got) == 0);
    free(t);
    put(path, "");
    ck_assert_int_eq(pb_read_file(path, &t, &got, err, sizeof err), 0);
    ck_assert_uint_eq(got, 0);
    ck_assert_int_eq(t[0], 0);
    free(t);
    free(data);
}
END_TEST

static void *fifo_writer(void *arg)
{
    struct pipe_job *j = arg;
    int fd = open(j->path, O_WRONLY | O_CLOEXEC);
    j->rc = fd < 0 ? -errno : pb_write_all(fd, j->buf, j->len);
    if (fd >= 0)
        close(fd);
    return NULL;
}

START_TEST(read_file_fifo)
{
    char path[512], err[512];
    path_in(path, sizeof path, "fifo");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    const size_t len = 200000;
    char *data = pattern(len, 6);
    struct pipe_job w = {.path = path, .buf = data, .len = len};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fifo_writer, &w), 0);
    char *text;
    size_t got;
    ck_assert_int_eq(pb_read_file(path, &text, &got, err, sizeof err), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(w.rc, 0);
    ck_assert_uint_eq(got, len);
    ck_assert(memcmp(text, data, len) == 0);
    free(text), free(data);
}
END_TEST

START_TEST(read_file_errors)
{
    char path[512], err[512];
    char *t = (char *)1;
    size_t len = 7;
    path_in(path, sizeof path, "missing");
    ck_assert_int_eq(pb_read_file(path, &t, &len, err, sizeof err), -ENOENT);
    ck_assert_ptr_null(t);
    ck_assert_uint_eq(len, 0);
    ck_assert_msg(strstr(err, "cannot read '") && strstr(err, "missing'") &&
                  !strchr(err, '\n'), "%s", err);
    ck_assert_int_eq(pb_read_file(dir, &t, &len, err, sizeof err), -EISDIR);
    char buf[16];
    ck_assert_int_eq(pb_read_small(path, buf, sizeof buf), -ENOENT);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(pb_read_small(path, buf, 0), -EINVAL);
}
END_TEST

/* ---- /proc/self/status and /proc/meminfo -------------------------------- */

START_TEST(status_fields_of_a_text)
{
    static const char text[] =
        "Name:\tparbench\n"
        "VmPeak:\t  123456 kB\n"
        "VmHWMx:\t 1 kB\n"
        "VmHWM:\t    2048 kB\n"
        "VmRSS:\t1 kB\n"
        "Bad:\t   12 MB\n"
        "Worse:\t kB\n"
        "Huge:\t99999999999999999999 kB\n"
        "RssShmem:\t       0 kB";
    uint64_t v = 7;
    ck_assert_int_eq(pb_proc_kb(text, "VmHWM", &v), 0);
    ck_assert_uint_eq(v, 2048u * 1024);
    ck_assert_int_eq(pb_proc_kb(text, "VmRSS", &v), 0);
    ck_assert_uint_eq(v, 1024);
    ck_assert_int_eq(pb_proc_kb(text, "VmPeak", &v), 0);
    ck_assert_uint_eq(v, 123456u * 1024);
    ck_assert_int_eq(pb_proc_kb(text, "RssShmem", &v), 0); /* last line */
    ck_assert_uint_eq(v, 0);
    v = 7;
    ck_assert_int_eq(pb_proc_kb(text, "Vm", &v), -ENOENT); /* no prefix */
    ck_assert_int_eq(pb_proc_kb(text, "VmSwap", &v), -ENOENT);
    ck_assert_int_eq(pb_proc_kb(text, "Bad", &v), -EINVAL);
    ck_assert_int_eq(pb_proc_kb(text, "Worse", &v), -EINVAL);
    ck_assert_int_eq(pb_proc_kb(text, "Huge", &v), -EINVAL);
    ck_assert_int_eq(pb_proc_kb(text, "Name", &v), -EINVAL);
    ck_assert_uint_eq(v, 7); /* untouched on failure */
    ck_assert_int_eq(pb_proc_kb("", "VmHWM", &v), -ENOENT);
}
END_TEST

START_TEST(meminfo_of_this_machine)
{
    char text[8192];
    ck_assert_int_gt(pb_read_small("/proc/meminfo", text, sizeof text), 0);
    uint64_t total = 0, avail = 0;
    ck_assert_int_eq(pb_proc_kb(text, "MemTotal", &total), 0);
    ck_assert_uint_gt(total, 0);
    if (pb_proc_kb(text, "MemAvailable", &avail) == 0) /* Linux >= 3.14 */
        ck_assert_uint_le(avail, total);
}
END_TEST

START_TEST(status_of_this_process)
{
    char st[8192];
    ck_assert_int_gt(pb_self_status(st, sizeof st), 0);
    uint64_t rss = 0, hwm = 0, shmem = 1;
    ck_assert_int_eq(pb_proc_kb(st, "VmRSS", &rss), 0);
    ck_assert_int_eq(pb_proc_kb(st, "VmHWM", &hwm), 0);
    ck_assert_uint_gt(rss, 0);
    ck_assert_uint_ge(hwm, rss);
    /* runner_self_memory reads the same file: a peak that only grows. */
    runner_self_memory(&hwm, &shmem);
    ck_assert_uint_ge(hwm, rss);
}
END_TEST

/* ---- atomic writes ----------------------------------------------------- */

START_TEST(atomic_write_replaces_whole)
{
    char path[512], err[512];
    path_in(path, sizeof path, "report.json");
    put(path, "old contents");
    int old = open(path, O_RDONLY);
    ck_assert_int_ge(old, 0);
    ck_assert_int_eq(pb_write_buf(path, "new", 3, err, sizeof err), 0);
    size_t len;
    char *t = slurp(path, &len);
    ck_assert_str_eq(t, "new");
    free(t);
    /* A reader that had the file open still reads the old one whole: the
     * new file was renamed over the name, never written in place. */
    char buf[64] = "";
    ck_assert_int_eq(read(old, buf, sizeof buf - 1), 12);
    ck_assert_str_eq(buf, "old contents");
    close(old);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(atomic_write_failure_keeps_old_file)
{
    char path[512], err[512];
    path_in(path, sizeof path, "report.json");
    put(path, "the old report");
    /* Files may grow to 4 KiB here: the 64 KiB write fails half-way. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit was, lim = {4096, 4096};
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
    lim.rlim_max = was.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    char *data = pattern(1 << 16, 7);
    int rc = pb_write_buf(path, data, 1 << 16, err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &was);
    ck_assert_int_eq(rc, -EFBIG);
    ck_assert_msg(strstr(err, "report.json") && !strchr(err, '\n'), "%s", err);
    size_t len;
    char *t = slurp(path, &len);
    ck_assert_str_eq(t, "the old report");
    free(t), free(data);
    ck_assert_int_eq(entries(), 1); /* the temporary file is gone */
}
END_TEST

START_TEST(atomic_write_follows_symlink)
{
    char path[512], link[512], dangling[512], err[512];
    path_in(path, sizeof path, "target.json");
    path_in(link, sizeof link, "link.json");
    put(path, "old");
    ck_assert_int_eq(symlink("target.json", link), 0);
    ck_assert_int_eq(pb_write_buf(link, "new", 3, err, sizeof err), 0);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert_msg(S_ISLNK(st.st_mode), "the link was replaced");
    size_t len;
    char *t = slurp(path, &len);
    ck_assert_str_eq(t, "new");
    free(t);
    /* A link to a file not there yet: the file is made, the link stays. */
    path_in(dangling, sizeof dangling, "dangling.json");
    ck_assert_int_eq(symlink("later.json", dangling), 0);
    ck_assert_int_eq(pb_write_buf(dangling, "made", 4, err, sizeof err), 0);
    ck_assert_int_eq(lstat(dangling, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    path_in(path, sizeof path, "later.json");
    t = slurp(path, &len);
    ck_assert_str_eq(t, "made");
    free(t);
    ck_assert_int_eq(entries(), 4);
}
END_TEST

static void *fifo_reader(void *arg)
{
    struct pipe_job *j = arg;
    int fd = open(j->path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : pb_read_upto(fd, j->buf, j->len);
    j->rc = (int)n;
    if (fd >= 0)
        close(fd);
    return NULL;
}

START_TEST(atomic_write_never_replaces_fifo_or_device)
{
    char path[512], err[512], buf[512];
    path_in(path, sizeof path, "fifo");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    struct pipe_job r = {.path = path, .buf = buf, .len = sizeof buf};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fifo_reader, &r), 0);
    ck_assert_int_eq(pb_write_buf(path, "through", 7, err, sizeof err), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(r.rc, 7);
    ck_assert(memcmp(buf, "through", 7) == 0);
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert_msg(S_ISFIFO(st.st_mode), "the FIFO was replaced");
    /* A device, named directly and through a link. */
    struct stat before, after;
    ck_assert_int_eq(stat("/dev/null", &before), 0);
    ck_assert_int_eq(pb_write_buf("/dev/null", "x", 1, err, sizeof err), 0);
    char link[512];
    path_in(link, sizeof link, "null");
    ck_assert_int_eq(symlink("/dev/null", link), 0);
    ck_assert_int_eq(pb_write_buf(link, "x", 1, err, sizeof err), 0);
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(stat("/dev/null", &after), 0);
    ck_assert(S_ISCHR(after.st_mode));
    ck_assert_uint_eq(after.st_ino, before.st_ino);
    ck_assert_uint_eq(after.st_rdev, before.st_rdev);
    /* A device that fails (ENOSPC) says so. */
    if (access("/dev/full", W_OK) == 0)
        ck_assert_int_eq(pb_write_buf("/dev/full", "x", 1, err, sizeof err),
                         -ENOSPC);
    ck_assert_int_eq(pb_write_buf(dir, "x", 1, err, sizeof err), -EISDIR);
    ck_assert_int_eq(entries(), 2); /* the FIFO and the link, nothing else */
}
END_TEST

START_TEST(write_at_replaces_planted_link)
{
    char outside[512], err[512];
    path_in(outside, sizeof outside, "outside");
    put(outside, "keep me");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dfd, 0);
    ck_assert_int_eq(symlinkat("outside", dfd, "chart.dat"), 0);
    struct iovec v[2] = {{"a ", 2}, {"b\n", 2}};
    ck_assert_int_eq(pb_write_at(dfd, dir, "chart.dat", v, 2, err, sizeof err),
                     0);
    struct stat st;
    ck_assert_int_eq(fstatat(dfd, "chart.dat", &st, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert_msg(S_ISREG(st.st_mode), "the planted link was followed");
    close(dfd);
    size_t len;
    char *t = slurp(outside, &len);
    ck_assert_str_eq(t, "keep me");
    free(t);
    char path[512];
    path_in(path, sizeof path, "chart.dat");
    t = slurp(path, &len);
    ck_assert_str_eq(t, "a b\n");
    free(t);
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *fd = tcase_create("descriptors");
    tcase_set_timeout(fd, 30);
    tcase_add_test(fd, write_all_nonblocking_short_writes);
    tcase_add_test(fd, write_iov_in_order);
    tcase_add_test(fd, write_all_survives_eintr);
    tcase_add_test(fd, read_full_survives_eintr);
    tcase_add_test(fd, read_full_and_write_all_errors);
    suite_add_tcase(s, fd);

    TCase *rd = tcase_create("reading");
    tcase_set_timeout(rd, 30);
    tcase_add_checked_fixture(rd, setup, teardown);
    tcase_add_test(rd, read_file_proc_has_no_size);
    tcase_add_test(rd, read_file_big_and_exact);
    tcase_add_test(rd, read_file_fifo);
    tcase_add_test(rd, read_file_errors);
    tcase_add_test(rd, status_fields_of_a_text);
    tcase_add_test(rd, status_of_this_process);
    tcase_add_test(rd, meminfo_of_this_machine);
    suite_add_tcase(s, rd);

    TCase *wr = tcase_create("atomic");
    tcase_set_timeout(wr, 30);
    tcase_add_checked_fixture(wr, setup, teardown);
    tcase_add_test(wr, atomic_write_replaces_whole);
    tcase_add_test(wr, atomic_write_failure_keeps_old_file);
    tcase_add_test(wr, atomic_write_follows_symlink);
    tcase_add_test(wr, atomic_write_never_replaces_fifo_or_device);
    tcase_add_test(wr, write_at_replaces_planted_link);
    suite_add_tcase(s, wr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(io_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
