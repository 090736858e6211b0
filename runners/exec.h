/* runners/exec.h: the exec runner's parts (runners/exec*.c), which run a
 * peer -- a program in any language speaking parbench.peer/1
 * (peers/PROTOCOL.md) -- and measure it from outside.
 *
 *   exec.c          the runner: open (start, ready), run (one run line),
 *                   close (done, reap), the variant and --exec options
 *   exec_variant.c  "exec:NAME" checked at configuration time, and the
 *                   registry's lines for `parbench list`
 *   exec_manifest.c the registry: finding peers/NAME.peer, reading it,
 *                   its version command, `parbench list`'s lines
 *   exec_proto.c    the protocol's lines: the setup document and every
 *                   check of what the peer writes (pure, unit-tested)
 *   exec_work.c     the workloads' side: task fields and parbench's own
 *                   results to check the peer's against
 *   exec_proc.c     the process: spawn without a shell in its own
 *                   session and cgroups, pipes, the stderr ring, killing
 *                   the whole tree
 *   exec_tree.c     measuring the tree: its cgroup (v1 cpuacct+memory, or
 *                   v2), else the sum of its processes' figures
 */
#ifndef PB_EXEC_H
#define PB_EXEC_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runners/runner.h"

#define EXEC_PROTOCOL "parbench.peer/1"
#define EXEC_LINE_MAX 65536     /* a peer's line, at most (PROTOCOL.md) */
#define EXEC_ARGV_MAX 64
#define EXEC_VERSION_TIMEOUT_S 10.0

/* The exec runner's own options (struct runner.opts / variant). */
struct exec_params {
    const char *exec;   /* --exec: the command as a JSON array of strings,
                           NULL: a registry peer (variant) */
    char peer[64];      /* the variant: the manifest's name; "" with --exec */
    char workload[16];  /* the workload it was checked for */
};

/* ------------------------------------------------------------ manifests */
struct peer_manifest {
    char name[64], help[160], language[32];
    char path[1024];              /* the .peer file */
    char dir[1024];               /* its folder: the peer's working dir */
    char *command[EXEC_ARGV_MAX + 1]; /* NULL-terminated, malloc'ed */
    char *version[EXEC_ARGV_MAX + 1];
    char workloads[128];          /* "image prime url spin" */
    unsigned transfers;           /* mask of 1u << enum transfer */
    enum transfer default_transfer;
    int persistent;
};

/* The peers folder: $PARBENCH_PEERS, else peers/ beside the binary's
 * build/ folder (the source tree), else ../share/parbench/peers. */
int exec_peers_dir(char *buf, size_t n);
/* Parse manifest text (the file's contents) of path into m.  0 or -EINVAL
 * with err. */
int exec_manifest_parse(const char *text, const char *path,
                        struct peer_manifest *m, char *err, size_t errlen);
/* Find NAME.peer in the peers folder or one of its subfolders and load it.
 * 0, -ENOENT or -EINVAL with err. */
int exec_manifest_find(const char *name, struct peer_manifest *m, char *err,
                       size_t errlen);
void exec_manifest_free(struct peer_manifest *m);
/* Does the manifest run this workload? */
int exec_manifest_runs(const struct peer_manifest *m, const char *workload);
/* Run its version command (no shell, EXEC_VERSION_TIMEOUT_S): 0 with its
 * first line in line; -1 with why (its last stderr line, the exit status)
 * when the peer is unavailable.  Cached per manifest path per process. */
int exec_manifest_version(const struct peer_manifest *m, char *line,
                          size_t n, char *why, size_t whyn);
/* argv from a JSON array of strings (--exec); 0 or -EINVAL with err.
 * argv[] is malloc'ed and NULL-terminated. */
int exec_argv_parse(const char *json, char **argv, size_t max, char *err,
                    size_t errlen);
void exec_argv_free(char **argv);

/* The runner's variant and list_variants ops (runners/runner.h). */
int exec_variant(const char *v, const char *workload, enum transfer *t,
                 void *params, char *err, size_t errlen);
void exec_list_variants(void (*line)(void *ctx, const char *text),
                        void *ctx);

/* ------------------------------------------------------------ protocol */
enum peer_clock { CLOCK_MONO = 0, CLOCK_RELATIVE };

struct peer_ready {
    int pid;
    enum peer_clock clock;
    double t;                  /* monotonic: when it was written */
    unsigned nworkers;
    int32_t wpid[64]; /* first workers' pids (0 unknown) */
    char label[160];
    cJSON *peer;               /* the "peer" object (owned) */
    cJSON *params, *phases;    /* may be NULL (owned) */
    double spin_iters;         /* params.spin_iters, 0 when absent */
};

/* One task line, checked. */
struct peer_task {
    int rep;
    size_t id;
    int worker;
    double start, end;
    int status;
    char error[PB_ERR_MAX];
    uint64_t bytes;
    int has_value, has_digest, has_iters;
    int64_t value;        /* decimal string (64-bit) */
    uint64_t uvalue;      /* the same, unsigned (spin's x) */
    uint64_t digest, iters;
    int http_status;
    double latency_s, ttfb_s;
};

enum peer_line_type {
    PL_READY, PL_TASK, PL_END, PL_DONE, PL_ERROR,
};

struct peer_line {
    enum peer_line_type type;
    cJSON *doc;            /* the parsed line (owned) */
    struct peer_task task; /* PL_TASK */
    int rep;               /* PL_TASK, PL_END */
    double start, end;     /* PL_END */
    size_t tasks;          /* PL_END */
    double stop_s;         /* PL_DONE */
    char message[1001];    /* PL_ERROR */
};

/* Parse and check one line of the peer's output (without its '\n').
 * 0, or -EPROTO with err saying what is wrong ("not JSON", "field 'id'
 * missing or not an integer", ...). */
int exec_parse_line(const char *text, size_t len, struct peer_line *l,
                    char *err, size_t errlen);
void exec_line_free(struct peer_line *l);
/* A ready line's fields into r (takes l->doc's peer/params/phases). */
int exec_ready_take(struct peer_line *l, unsigned workers,
                    struct peer_ready *r, char *err, size_t errlen);
void exec_ready_free(struct peer_ready *r);

/* ---------------------------------------------------------- workloads */
/* A shared memory arena for the peer (image inputs/outputs). */
struct peer_arena {
    char name[96];  /* for shm_open, without the leading slash */
    uint8_t *p;
    size_t size;
};

/* runners/exec_arena.c: make a named shared-memory arena of size bytes,
 * copied from `from` or zeroed (0, or -1 with err); free unmaps and
 * unlinks it. */
int exec_arena_make(struct peer_arena *a, const char *tag, size_t size,
                    const uint8_t *from, char *err, size_t errlen);
void exec_arena_free(struct peer_arena *a);

/* The setup document (a line, malloc'ed, ending in '\n'), for workload w,
 * its task data d, options o, and arenas (NULL: none).  spin_duration_s:
 * what a spin task lasts in parbench's own loop; spin_iters > 0: the
 * count the peer must run (iters_fixed), else it calibrates its own. */
char *exec_setup_line(const struct workload *w, const struct task_data *d,
                      const struct run_options *o,
                      const struct peer_arena *in,
                      const struct peer_arena *out, double spin_duration_s,
                      double spin_iters);
/* Does workload w move bulk data through arenas? */
int exec_work_has_arenas(const struct workload *w);
/* What a spin task of w lasts in parbench's own loop, seconds. */
double exec_spin_duration(const struct workload *w);

/* parbench's own results for the run (computed once per process). */
struct exec_expect;
struct exec_expect *exec_expect_get(const struct workload *w,
                                    const struct task_data *d, char *err,
                                    size_t errlen);
/* Check one run's tasks (by id) and, for image, the output arena against
 * parbench's own.  0 ok (agreement: the least fraction of bytes within one
 * level, NAN when not image); -1 with err naming the first mismatch. */
int exec_check_results(const struct workload *w, const struct task_data *d,
                       struct exec_expect *e, const struct peer_task *t,
                       const uint8_t *out_arena, double *agreement,
                       char *err, size_t errlen);
/* The spin chain after iters steps from x (square-and-multiply). */
uint64_t exec_spin_expected(uint64_t x, uint64_t iters);

/* ------------------------------------------------------------ process */
#define EXEC_ERR_LINES 6
#define EXEC_ERR_RING 2048

struct peer_tree {
    int version;                /* 1, 2: cgroup; 0: none */
    char mem_dir[1024], cpu_dir[1024]; /* v1: two hierarchies; v2: both
                                          the same; "" when none */
    char source[32];            /* the report's rss_source */
    double cpu0_user, cpu0_sys; /* at the run's start */
    pid_t sid;                  /* the peer's session (fallback) */
};

struct peer_proc {
    pid_t pid;                  /* also its session and process group */
    int in_fd, out_fd, err_fd;  /* our ends; -1 when closed */
    int exited, status;         /* reaped: its wait status */
    double started;             /* pb_now() at fork */
    struct peer_tree tree;
    char *buf;                  /* output read but not yet a line */
    size_t len, cap;
    int out_eof;
    char ring[EXEC_ERR_RING];   /* the last bytes of its stderr */
    size_t ring_len;
};

/* Make the tree's cgroups (best effort: tree->version 0 without). */
void exec_tree_make(struct peer_tree *t);
/* Start a span: reset the peaks, note the CPU time. */
void exec_tree_begin(struct peer_tree *t);
/* The span's CPU time and memory of the whole tree: sum of peaks (or the
 * cgroup's peak) and the largest process's. */
void exec_tree_end(struct peer_tree *t, double *user_s, double *sys_s,
                   uint64_t *total, uint64_t *max);
/* Processes of the tree still alive (not zombies), up to n into pids. */
size_t exec_tree_members(const struct peer_tree *t, pid_t *pids, size_t n);
/* SIGKILL every process of the tree until none is left (at most ~2 s);
 * returns how many were still there at the end. */
size_t exec_tree_kill(struct peer_tree *t);
/* Remove its cgroups (killing what is left). */
void exec_tree_remove(struct peer_tree *t);

/* Start argv in dir, in its own session and the tree's cgroups. */
int exec_proc_start(struct peer_proc *p, char *const argv[], const char *dir,
                    char *err, size_t errlen);
/* Write all of buf to its stdin by the deadline (pb_now() seconds),
 * reading its stdout and stderr meanwhile.  0, or -1 with err. */
int exec_proc_send(struct peer_proc *p, const char *buf, size_t len,
                   double deadline, char *err, size_t errlen);
/* The next line of its stdout (NUL-terminated in *line, valid until the
 * next call), by the deadline.  1 a line; 0 end of output; -ETIMEDOUT;
 * -EPROTO a line longer than EXEC_LINE_MAX. */
int exec_proc_line(struct peer_proc *p, double deadline, char **line,
                   size_t *len);
/* Drop the line exec_proc_line gave (before asking for the next). */
void exec_proc_consume(struct peer_proc *p, size_t len);
void exec_proc_close_stdin(struct peer_proc *p);
/* Reap it by the deadline: 1 reaped (p->status), 0 still running. */
int exec_proc_wait(struct peer_proc *p, double deadline);
/* "exit status 1", "killed by signal 9 (Killed)", "still running". */
void exec_proc_exit_text(const struct peer_proc *p, char *buf, size_t n);
/* The last lines of its stderr, joined by " | " (buf "" when none). */
void exec_proc_stderr_tail(struct peer_proc *p, char *buf, size_t n);
/* Kill the whole tree, reap, close the pipes; returns the processes that
 * survived (0). */
size_t exec_proc_kill(struct peer_proc *p);
void exec_proc_free(struct peer_proc *p);
#endif
