/*
 * tests/unit/test_util.c: bench/util/: safeio.c, reading and writing the
 * files a user names, on real files, FIFOs, devices and /proc files in a
 * mkdtemp directory; grow.c, the arrays' doubling.
 *
 * Whole files are read to their end whatever stat says (/proc: 0, a FIFO:
 * nothing).  Atomic writes must never destroy what a path names: a failed
 * write (RLIMIT_FSIZE makes write(2) fail half-way through the temporary
 * file) leaves the old file whole and no temporary behind; symlinks are
 * followed and kept; FIFOs and devices are written through, never
 * replaced.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "bench/util/grow.h"
#include "bench/util/safeio.h"
#include "runners/sysio.h"
#include "tests/unit/io_testutil.h"

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

/* ---- growing arrays ---------------------------------------------------- */

START_TEST(grow_doubles_and_keeps)
{
    int *a = NULL;
    size_t cap = 0;
    ck_assert_int_eq(pb_grow(&a, &cap, 0, sizeof *a, 4), 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(cap, 4);
    for (size_t i = 0; i < 100; i++) {
        size_t was = cap;
        ck_assert_int_eq(pb_grow(&a, &cap, i, sizeof *a, 4), 0);
        ck_assert_uint_eq(cap, i < was ? was : 2 * was); /* only when full */
        a[i] = (int)i * 7;
    }
    ck_assert_uint_eq(cap, 128);
    for (size_t i = 0; i < 100; i++)
        ck_assert_int_eq(a[i], (int)i * 7); /* moved whole */
    /* Far past the end: at least n + 1. */
    ck_assert_int_eq(pb_grow(&a, &cap, 1000, sizeof *a, 4), 0);
    ck_assert_uint_eq(cap, 1001);
    ck_assert_int_eq(a[99], 693);
    /* Too large: refused, the array as it was. */
    int *keep = a;
    size_t kc = cap;
    ck_assert_int_eq(pb_grow(&a, &cap, cap, SIZE_MAX / 4, 4), -ENOMEM);
    ck_assert_ptr_eq(a, keep);
    ck_assert_uint_eq(cap, kc);
    free(a);
}
END_TEST

static Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *rd = tcase_create("reading");
    tcase_set_timeout(rd, 30);
    tcase_add_checked_fixture(rd, setup, teardown);
    tcase_add_test(rd, read_file_proc_has_no_size);
    tcase_add_test(rd, read_file_big_and_exact);
    tcase_add_test(rd, read_file_fifo);
    tcase_add_test(rd, read_file_errors);
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

    TCase *gr = tcase_create("grow");
    tcase_add_test(gr, grow_doubles_and_keeps);
    suite_add_tcase(s, gr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(util_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
