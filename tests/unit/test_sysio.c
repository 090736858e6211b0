/*
 * tests/unit/test_sysio.c: runners/sysio.c, the descriptor loops and /proc
 * readers runners and bench share, on real pipes and /proc files.
 *
 * Short writes and EAGAIN come from a non-blocking pipe shrunk to one
 * page; EINTR from signals (installed without SA_RESTART) sent to a thread
 * blocked on a full or empty pipe.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "runners/runner.h"
#include "runners/sysio.h"
#include "tests/unit/io_testutil.h"

/* ---- pb_write_all, pb_read_full ---------------------------------------- */


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

/* ---- small files, /proc/self/status and /proc/meminfo ------------------- */

START_TEST(read_small_whole_or_truncated)
{
    char path[512], big[8192];
    /* /proc: no size in stat, read to the end. */
    ssize_t n = pb_read_small("/proc/self/status", big, sizeof big);
    ck_assert_int_gt(n, 100);
    ck_assert_uint_eq(strlen(big), (size_t)n);
    ck_assert_int_eq(big[n - 1], '\n');
    char small[64];
    n = pb_read_small("/proc/self/status", small, sizeof small);
    ck_assert_int_eq(n, 63); /* truncated to the buffer, NUL-terminated */
    ck_assert_uint_eq(strlen(small), 63);
    ck_assert(strncmp(small, "Name:", 5) == 0);
    path_in(path, sizeof path, "missing");
    char buf[16];
    ck_assert_int_eq(pb_read_small(path, buf, sizeof buf), -ENOENT);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(pb_read_small(path, buf, 0), -EINVAL);
}
END_TEST


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

static Suite *sysio_suite(void)
{
    Suite *s = suite_create("sysio");
    TCase *fd = tcase_create("descriptors");
    tcase_set_timeout(fd, 30);
    tcase_add_test(fd, write_all_nonblocking_short_writes);
    tcase_add_test(fd, write_iov_in_order);
    tcase_add_test(fd, write_all_survives_eintr);
    tcase_add_test(fd, read_full_survives_eintr);
    tcase_add_test(fd, read_full_and_write_all_errors);
    suite_add_tcase(s, fd);

    TCase *pr = tcase_create("proc");
    tcase_add_checked_fixture(pr, setup, teardown);
    tcase_add_test(pr, read_small_whole_or_truncated);
    tcase_add_test(pr, status_fields_of_a_text);
    tcase_add_test(pr, status_of_this_process);
    tcase_add_test(pr, meminfo_of_this_machine);
    suite_add_tcase(s, pr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sysio_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
