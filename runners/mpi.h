/* runners/mpi.h: what the two halves of the mpi runner share.
 *
 * The driver half (runners/mpi.c) runs in the parbench process the user
 * started and never calls MPI: it execs `mpiexec ... parbench mpi-rank ...`
 * and reads the job's results from mpiexec's standard output.  The rank half
 * (runners/mpi_rank.c) is that hidden `mpi-rank` subcommand: rank 0 is the
 * head that hands out tasks, ranks 1..N are the workers.  What travels
 * between them is defined here and encoded in runners/mpi_wire.c:
 *
 *  - the job: the workload's name, its common parameters (seed, tasks),
 *    its own options as `--opt NAME=VALUE` in the wire form of its option
 *    rows (kernels/option.h: doubles as C99 hex floats, so they arrive
 *    bit for bit), schedule and transfer, as options of mpi-rank; this
 *    file knows no workload's fields;
 *  - the results: lines the head writes to its standard output, which
 *    Hydra forwards to mpiexec's, whichever host the head runs on.  Every
 *    line starts with MPI_LINE_TAG; anything else is passed through to the
 *    driver's standard error.  Fixed-size structs travel as hex, so a line
 *    is printable and a half-forwarded line cannot be mistaken for one.
 *
 *      PBMPI P <rank> <pid> <watcher pid> <host>   once per rank, before R
 *      PBMPI F <message>                the job failed at start-up
 *      PBMPI H <handout>                how tasks reach the workers
 *                                       (head-messages, static-blocks,
 *                                       node-counter: mpi_rank.h)
 *      PBMPI R                          all ranks ready: timed region starts
 *      PBMPI D <wall_s> <bytes_moved> <input_wait_s>
 *                                       timed region over (input_wait_s:
 *                                       with task dependencies, the free
 *                                       workers' wait for a ready task)
 *      PBMPI T <task> <hex task_record> one per task
 *      PBMPI U <rank> <hex mpi_usage>   one per rank, head included
 *      PBMPI E                          end of a repetition: everything
 *                                       above was sent (D, T, U and E come
 *                                       once per repetition)
 *
 *    and on standard error, from a rank's watcher (see mpi_rank.c):
 *
 *      PBMPI X <rank> <pid> <host> <wait status>   that rank died
 *      PBMPI O <rank> <task> <host>     that rank's task ran past
 *                                       --task-timeout; the rank ends
 */
#ifndef PB_RUNNER_MPI_H
#define PB_RUNNER_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "runners/runner.h"

#define MPI_RANK_CMD "mpi-rank"
#define MPI_LINE_TAG "PBMPI "

/* Everything a rank needs to rebuild the run. */
struct mpi_job {
    struct workload w;    /* ops, common parameters and the workload's own
                             options, as the driver's setup() left them
                             (spin iterations already calibrated); the
                             plan is not sent */
    enum schedule schedule;
    enum transfer transfer; /* TRANSFER_LOCAL or TRANSFER_COPY */
    double task_timeout_s;  /* a worker rank running one task longer ends
                               itself (PBMPI O, exit 124); 0: none */
    const char *workdir;    /* a disk workload's directory (its workdir
                               op), which every rank must see; NULL: none */
    const char *marker;     /* a file the driver made in workdir for this
                               job: a rank that does not find it is not
                               looking at the driver's directory */
    unsigned reps;          /* repetitions the ranks run (>= 1): 1 per job
                               with --pool per-repetition, the warm-up and
                               every measured one with persistent */
};

/* What each rank measured of itself, sent to the head at the end. */
struct mpi_usage {
    double user_s, sys_s;  /* getrusage(RUSAGE_SELF) over the timed region:
                              from "go" to the rank's last message */
    uint64_t maxrss_bytes; /* peak RSS over the repetition: VmHWM, reset
                              when the repetition starts */
};

/* Append the job as mpi-rank options to argv[*argc...]: at most cap
 * entries in all; numbers are written into buf.  0, or -1 if either is
 * too small. */
int mpi_job_to_args(const struct mpi_job *j, char **argv, int *argc, int cap,
                    char *buf, size_t buflen);
/* Parse mpi-rank options back (j->w.plan is NULL).  Strings point into
 * argv.  0, or -1 with a one-line reason in err. */
int mpi_job_from_args(struct mpi_job *j, int argc, char **argv, char *err,
                      size_t errlen);

/* Lower-case hex of n bytes into out (2n + 1 bytes with the NUL). */
void mpi_hex_encode(const void *data, size_t n, char *out);
/* Exactly 2n hex digits from s into data; 0, or -1 if s is not that. */
int mpi_hex_decode(const char *s, void *data, size_t n);

/* The hidden subcommand (runners/mpi_rank.c): the exit code. */
int mpi_rank_main(int argc, char **argv);

#endif
