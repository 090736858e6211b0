/* runners/mpi_driver.h: the mpi runner's driver half, shared by
 * runners/mpi.c (starting and watching mpiexec) and runners/mpi_stream.c
 * (reading what the job prints).  Nothing here calls MPI. */
#ifndef PB_RUNNER_MPI_DRIVER_H
#define PB_RUNNER_MPI_DRIVER_H

#include <limits.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "runners/mpi.h"

/* A pipe's bytes, split into lines as they complete. */
struct linebuf {
    int fd;
    char *buf;
    size_t len, cap;
};

/* One mpi job (one repetition, or all of them with --pool persistent), as
 * the driver sees it.  The per-repetition fields are reset by each run. */
struct job {
    const struct task_data *d;
    struct run_measure *m;
    unsigned nranks;          /* workers + 1 (the head) */
    pid_t pid;                /* mpiexec, leader of its process group */
    int reaped, status;       /* mpiexec's wait status once reaped */
    struct rusage ru;
    struct linebuf out, err;  /* mpiexec's standard output and error */
    double t_exec, t_ready;   /* pb_now() at fork and at the R line */
    int ready, ended;         /* R line seen; E line of this repetition */
    int hold;                 /* an R or E line was just handled: later
                                 lines wait in the buffer for the next
                                 drive() (the next step of the pool) */
    unsigned reps, reps_done; /* repetitions the ranks run; finished */
    char handout[32];         /* the H line */
    int bad;                  /* the driver gave up; m->error says why */
    int stopping;             /* we are killing it: keep Hydra's noise quiet */
    size_t ntasks_seen;       /* distinct T lines */
    unsigned char *seen;      /* [ntasks] T line seen for task i */
    struct mpi_usage *use;    /* [nranks] from the U lines */
    unsigned nuse;
    double wall;              /* the D line */
    unsigned long long moved;
    double input_wait;        /* the D line: workers' wait for inputs */
    int have_d;
    /* [nranks] from the P lines: the MPI process, its watcher, its host */
    struct { int pid, watcher; char host[PB_HOST_MAX]; } *rank;
    /* A rank's watcher saw it die (PBMPI X): which, and its wait status;
     * died_rank is -1 until then. */
    int died_rank, died_pid, died_status;
    char died_host[PB_HOST_MAX];
    char fail_msg[256];       /* a PBMPI F line: the job could not start */
    /* A rank ended itself over --task-timeout (PBMPI O): which, what task;
     * late_rank is -1 until then. */
    int late_rank;
    unsigned long long late_task;
    char late_host[PB_HOST_MAX];
    double task_timeout_s;
    /* Hydra's banner about a process that died (pid 0: none). */
    int dead_pid;
    char dead_host[PB_HOST_MAX], dead_how[128];
    char last_err[200];       /* last other line on mpiexec's stderr */
    char marker[PATH_MAX];    /* the marker file in a disk workload's
                                 directory while the ranks start ("": none) */
};

/* Read what is there on b (mpiexec's standard output when results is 1,
 * its standard error otherwise) and handle every complete line; 0 at EOF
 * (b->fd is then closed and -1), 1 otherwise. */
int mpi_pump(struct job *j, struct linebuf *b, int results);
/* Handle the complete lines already in b, stopping after an R or E line
 * (j->hold): what follows belongs to the pool's next step (open stops at
 * R, each run at its E). */
void mpi_lines(struct job *j, struct linebuf *b, int results);
/* Put into j->m->error what went wrong, from what the job printed. */
void mpi_describe_failure(struct job *j);

#endif
