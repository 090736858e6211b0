/* bench/engine/estimate.c: how long a configuration will take, roughly.
 *
 * Each workload has its small cost model (its estimate op), scaled by a
 * one-off measurement of this machine where it needs one (the image
 * pipeline's time per byte, the prime kernel's time for a fixed range);
 * each runner says what starting it costs.  The parallelism a run can get
 * is min(workers, usable CPUs, --cpus).  Good to a factor of about two,
 * which is what a progress estimate needs; the matrix progress line
 * corrects it with the times actually measured. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/estimate.h"
#include "bench/host/host.h"
#include "runners/sysio.h"

double estimate_run_s(const struct run_plan *p)
{
    const struct workload *w = &p->w;
    double par = p->ro.workers;
    unsigned cpus = host_effective_cpus();
    if (par > cpus)
        par = cpus;
    if (p->limits.cpus > 0 && par > p->limits.cpus)
        par = p->limits.cpus;
    if (par < 1e-3)
        par = 1;
    double reps = p->warmup + p->repeat, one = 0.01, setup = 0;
    if (w->ops->estimate)
        w->ops->estimate(w, par, p->ro.workers, &one, &setup);
    one += p->runner->start_s;
    return setup + reps * one;
}

/* ---- memory ------------------------------------------------------------- */

/* A lower bound: what the data and the records need, not the program,
 * libraries, stacks or the report.  The inputs and outputs live in the
 * driver's shared arenas for every runner; a transfer mode other than
 * "shared" (fork's copy, mpi's copy and local) also gives each worker
 * buffers for the task it holds (its largest input and output). */
void estimate_memory(const struct run_plan *p, struct mem_need *m)
{
    struct wl_memory wm;
    wl_memory(&p->w, &wm);
    uint64_t workers = p->ro.workers ? p->ro.workers : 1;
    memset(m, 0, sizeof *m);
    m->inputs = wm.inputs;
    m->outputs = wm.outputs;
    m->scratch = workers * wm.worker;
    if (p->ro.transfer == TRANSFER_COPY || p->ro.transfer == TRANSFER_LOCAL)
        m->copies = workers * (wm.max_input + wm.max_output);
    m->records = (uint64_t)p->w.p.tasks *
                 (sizeof(struct task_record) + sizeof(uint64_t));
    m->total = m->inputs + m->outputs + m->scratch + m->copies + m->records;
}

/* MemAvailable from /proc/meminfo, bytes; 0 when unknown. */
static uint64_t mem_available(void)
{
    char text[8192];
    uint64_t b = 0;
    if (pb_read_small("/proc/meminfo", text, sizeof text) > 0)
        pb_proc_kb(text, "MemAvailable", &b);
    return b;
}

/* "29.8 GiB": figures for people, not for parsing back. */
static void human(uint64_t b, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 4)
        v /= 1024, u++;
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

int estimate_check_memory(const struct run_plan *p, char *err, size_t errlen)
{
    if (p->force)
        return 0;
    struct mem_need m;
    estimate_memory(p, &m);
    uint64_t avail = mem_available();
    const char *from = "MemAvailable";
    struct host_limits l;
    host_detect_limits(&l, NULL, NULL);
    if (l.memory_bytes && (!avail || l.memory_bytes < avail)) {
        avail = l.memory_bytes;
        from = "the cgroup memory limit";
    }
    if (!avail || m.total <= avail)
        return 0;
    char t[32], a[32], in[32], out[32], sc[32], cp[32], rec[32];
    human(m.total, t, sizeof t);
    human(avail, a, sizeof a);
    human(m.inputs, in, sizeof in);
    human(m.outputs, out, sizeof out);
    human(m.scratch, sc, sizeof sc);
    human(m.copies, cp, sizeof cp);
    human(m.records, rec, sizeof rec);
    snprintf(err, errlen, "needs at least %s of memory (inputs %s, outputs "
             "%s, worker scratch %s, copies %s, task records %s) but %s is "
             "available (%s); --force runs it anyway", t, in, out, sc, cp,
             rec, a, from);
    return -ENOMEM;
}
