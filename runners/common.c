/* runners/common.c: the runner table and the few steps every runner shares. */
#include <stdatomic.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runners/list.h"
#include "runners/runner.h"
#include "runners/sysio.h"

#define DECLARE(n) extern const struct runner runner_##n;
PB_RUNNERS(DECLARE)
#undef DECLARE

#define ENTRY(n) &runner_##n,
const struct runner *const runner_table[] = {PB_RUNNERS(ENTRY) NULL};
#undef ENTRY

const struct runner *runner_find(const char *name)
{
    /* "NAME:VARIANT" is runner NAME (runner.h, variant). */
    const char *colon = strchr(name, ':');
    size_t n = colon ? (size_t)(colon - name) : strlen(name);
    for (size_t i = 0; runner_table[i]; i++)
        if (strlen(runner_table[i]->name) == n &&
            strncmp(runner_table[i]->name, name, n) == 0)
            return runner_table[i];
    return NULL;
}

void runner_progress(const struct task_data *d, unsigned k, size_t i)
{
    struct run_progress *pg = d->progress;
    if (!pg || k >= pg->nworkers)
        return;
    runner_mark_task(&pg->w[k].task1, &pg->w[k].start_ns, i);
}

void runner_mark_task(_Atomic uint64_t *task1, _Atomic int64_t *start_ns,
                      size_t i)
{
    if (i == SIZE_MAX) {
        atomic_store_explicit(task1, 0, memory_order_release);
        return;
    }
    /* The start first: a watcher that sees the task sees when it began. */
    atomic_store_explicit(start_ns, (int64_t)(pb_now() * 1e9),
                          memory_order_relaxed);
    atomic_store_explicit(task1, (uint64_t)i + 1, memory_order_release);
}

void runner_exec_task(const struct workload *w, void *ctx,
                      const struct task_data *d, size_t i, double t0,
                      int32_t worker, struct task_record *rec)
{
    const void *in = d->in ? d->in + d->in_off[i] : NULL;
    void *out = d->out + d->out_off[i];
    rec->worker = worker;
    runner_progress(d, (unsigned)worker, i);
    rec->start_s = pb_now() - t0;
    wl_exec(w, ctx, i, in, out, &rec->res);
    rec->end_s = pb_now() - t0;
    runner_progress(d, (unsigned)worker, SIZE_MAX);
}

void runner_exec_ready(const struct workload *w, void *ctx,
                       const struct task_data *d, size_t i, double t0,
                       int32_t worker, struct task_record *rec,
                       double ready_s, size_t failed_input)
{
    if (!failed_input) {
        runner_exec_task(w, ctx, d, i, t0, worker, rec);
    } else {
        memset(&rec->res, 0, sizeof rec->res);
        rec->worker = worker;
        rec->start_s = rec->end_s = pb_now() - t0;
        rec->res.status = -1;
        snprintf(rec->res.error, sizeof rec->res.error,
                 "not run: its input task %zu failed", failed_input - 1);
    }
    rec->ready_s = ready_s;
}

void runner_static_block(size_t ntasks, unsigned n, unsigned k, size_t *lo,
                         size_t *hi)
{
    *lo = ntasks * k / n;
    *hi = ntasks * (k + 1) / n;
}

int runner_bind_worker(const struct run_options *o, unsigned worker)
{
    return o->bind_worker ? o->bind_worker(o->bind_arg, worker) : 0;
}

static size_t arena_bytes(const size_t *off, const size_t *len, size_t n)
{
    return n ? off[n - 1] + len[n - 1] : 0;
}

/* Touch one byte per page.  A write touch is an atomic no-op update
 * (fetch-or 0): it dirties the page as a write would without changing a
 * byte, so it is safe even while another process reads or writes the same
 * page. */
static void touch(uint8_t *p, size_t n, int write)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t step = (size_t)(pg > 0 ? pg : 4096);
    uint8_t sink = 0;
    for (size_t o = 0; o < n; o += step) {
        if (write)
            __atomic_fetch_or(p + o, 0, __ATOMIC_RELAXED);
        else
            sink ^= __atomic_load_n(p + o, __ATOMIC_RELAXED);
    }
    if (n) /* the last page, when n is not a multiple of the page size */
        sink ^= write ? __atomic_fetch_or(p + n - 1, 0, __ATOMIC_RELAXED)
                      : __atomic_load_n(p + n - 1, __ATOMIC_RELAXED);
    __asm__ volatile("" : : "r"(sink));
}

/* Populating the page tables (MADV_POPULATE_*, Linux 5.14+) is not enough
 * everywhere: on a VM with nested paging the first access to each page
 * after a fork still costs microseconds (the hypervisor's own tables are
 * filled lazily), measured at about 0.15 s per 48 MB on one such host,
 * against nothing on another.  So after populating (which takes the page
 * faults in one system call), every page is also touched once from user
 * space: whatever the first access costs on this kernel and hypervisor is
 * paid here, at start-up, not inside the timed region. */
void runner_prefault(void *p, size_t n, int write)
{
    if (!p || !n)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)p, mask = (uintptr_t)(pg > 0 ? pg : 4096) - 1;
    uintptr_t lo = a & ~mask;
    (void)madvise((void *)lo, n + (a - lo),
                  write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
    touch(p, n, write);
}

void runner_attach_arenas(const struct task_data *d)
{
    runner_prefault(d->in, arena_bytes(d->in_off, d->in_len, d->ntasks), 0);
    runner_prefault(d->out, arena_bytes(d->out_off, d->out_len, d->ntasks), 1);
}

void runner_self_memory(uint64_t *hwm, uint64_t *shmem)
{
    char st[8192];
    *hwm = *shmem = 0;
    if (pb_self_status(st, sizeof st) > 0) {
        pb_proc_kb(st, "VmHWM", hwm);
        pb_proc_kb(st, "RssShmem", shmem);
    }
}

void runner_region_begin(double *u0, double *s0)
{
    runner_self_cpu(u0, s0);
}

void runner_region_end(struct run_measure *m, double u0, double s0)
{
    double u1, s1;
    runner_self_cpu(&u1, &s1);
    m->region_cpu = 1;
    m->region_user_s = u1 - u0 > 0 ? u1 - u0 : 0;
    m->region_sys_s = s1 - s0 > 0 ? s1 - s0 : 0;
}

void runner_self_cpu(double *user_s, double *sys_s)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
    *sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

int runner_reset_peak(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* no /proc: the peak is then the process's life */
    int ok = pb_write_all(fd, "5", 1) == 0; /* refused by an old kernel */
    close(fd);
    return ok;
}

int32_t runner_tid(void)
{
    return (int32_t)syscall(SYS_gettid);
}

void runner_settle(const struct run_options *o)
{
    if (o->settle_s > 0) {
        struct timespec ts = {(time_t)o->settle_s,
                              (long)((o->settle_s - (double)(time_t)o->settle_s) * 1e9)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

int runner_run_once(const struct runner *r, const struct workload *w,
                    const struct task_data *d, const struct run_options *o,
                    struct run_measure *m)
{
    void *pool = NULL;
    if (r->open(w, d, o, &pool, m) != 0)
        return -1;
    runner_settle(o);
    int rc = r->run(pool, m);
    int crc = rc != 0 ? runner_close_keeping_error(r->close, pool, m)
                      : r->close(pool, m);
    return rc != 0 || crc != 0 ? -1 : 0;
}

int runner_close_keeping_error(int (*close)(void *, struct run_measure *),
                               void *pool, struct run_measure *m)
{
    char first[sizeof m->error];
    memcpy(first, m->error, sizeof first);
    int first_signal = m->died_signal;
    int rc = close(pool, m);
    memcpy(m->error, first, sizeof first);
    m->died_signal = first_signal;
    return rc;
}
