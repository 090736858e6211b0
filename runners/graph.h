/* runners/graph.h: task dependencies -- the graph a workload declares and
 * the scheduler every runner that supports dependencies shares.
 *
 * A workload whose tasks read other tasks' outputs (kind WL_DEPS) lists,
 * for each task, the tasks it reads (workload_ops.deps, at most
 * WL_DEPS_MAX) and optionally a stage (workload_ops.stage): a task of
 * stage s starts only after every task of stages below s has ended, a
 * barrier expressed without s x s edges (one internal barrier node per
 * stage, which the scheduler completes itself and never hands out).
 *
 * bench/ builds the graph once per run (pb_graph_build) and hands it to
 * the runner in task_data.graph.  The graph is read-only after that, so a
 * forked worker may read its copy.  The run-time state (indegrees still
 * pending, the ready queue, when each task became ready) is a struct
 * pb_sched in memory the runner provides: private for a single process or
 * a dispatching driver, MAP_SHARED for workers that schedule themselves.
 * pb_sched is not locked; struct pb_sched_shared adds a mutex and a
 * condition variable (process-shared when asked) and blocking take/done.
 *
 * Times are seconds since the start of the timed region, as in the task
 * records.  A task whose input failed is handed out all the same, with
 * the failed input named (pb_sched_failed_input), so the runner records
 * it as not run and completes it as failed in turn.
 */
#ifndef PB_RUNNER_GRAPH_H
#define PB_RUNNER_GRAPH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/workload.h"

struct pb_graph {
    size_t ntasks;   /* tasks 0..ntasks-1 */
    size_t nnodes;   /* tasks, then the barrier nodes */
    uint32_t *indeg; /* [nnodes] inputs of each node */
    size_t *succ_off; /* [nnodes + 1] node v's successors are */
    size_t *succ;     /* succ[succ_off[v] .. succ_off[v + 1]) */
    size_t *topo;     /* [nnodes] a topological order of every node */
    size_t nedges;
    unsigned nstages; /* distinct barrier stages (0 or 1: none) */
};

/* The graph of w's ntasks tasks from its deps and stage ops.  0, or
 * -EINVAL (a dependency out of range, on itself, or a cycle) / -ENOMEM
 * with a one-line message in err.  *g is NULL when w declares none. */
int pb_graph_build(const struct workload *w, size_t ntasks,
                   struct pb_graph **g, char *err, size_t errlen);
void pb_graph_free(struct pb_graph *g);
/* The critical path: the longest chain of tasks through the graph, each
 * weighted by its run time run_s[task] (barrier nodes weigh nothing), s.
 * The shortest the run could take with unlimited workers and free
 * scheduling, given these task times. */
double pb_graph_critical_path(const struct pb_graph *g, const double *run_s);
/* ---- run-time state -------------------------------------------------- */

struct pb_sched; /* opaque; lives in memory the caller provides */

/* Bytes of memory a scheduler of g needs (aligned for max_align_t). */
size_t pb_sched_bytes(const struct pb_graph *g);
/* Lay a scheduler out in mem (pb_sched_bytes) and reset it. */
struct pb_sched *pb_sched_init(void *mem, const struct pb_graph *g);
/* Back to the start of a repetition: every task pending, the tasks
 * without inputs ready (at time 0), in index order. */
void pb_sched_reset(struct pb_sched *s);
/* The next ready task, first ready first out: 1 with *task set; 0 when
 * none is ready now but some are still to be handed out; -1 when every
 * task has been handed out. */
int pb_sched_take(struct pb_sched *s, size_t *task);
/* Task `task` ended at time t (failed: it failed or was not run).  Its
 * successors whose last input this was become ready, at the latest end
 * of their inputs (which a dispatching driver may learn out of order).  Returns how
 * many tasks became ready. */
size_t pb_sched_done(struct pb_sched *s, size_t task, int failed, double t);
/* When task became ready (its last input ended); 0 without inputs. */
double pb_sched_ready_s(const struct pb_sched *s, size_t task);
/* 1 + the index of an input of task that failed, or 0. */
size_t pb_sched_failed_input(const struct pb_sched *s, size_t task);
/* 1 when every task is done. */
int pb_sched_finished(const struct pb_sched *s);

/* The same behind a lock, for workers that schedule themselves: threads
 * of one process, or processes sharing the memory (pshared = 1; the
 * memory must then be MAP_SHARED and mapped before the fork). */
struct pb_sched_shared {
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* a task became ready, or every task is out */
    struct pb_sched *s;  /* in the same memory, after this struct */
};
size_t pb_sched_shared_bytes(const struct pb_graph *g);
/* 0, or -errno when the mutex or condition variable cannot be made. */
int pb_sched_shared_init(void *mem, const struct pb_graph *g, int pshared);
void pb_sched_shared_destroy(struct pb_sched_shared *ss);
/* Take the next ready task, waiting while none is: 0 with *task, its
 * ready time and failed input (as pb_sched_*), -1 when every task has
 * been handed out.  *waited_s gets the time spent waiting for a task to
 * become ready (the worker's wait for inputs). */
int pb_sched_shared_take(struct pb_sched_shared *ss, size_t *task,
                         double *ready_s, size_t *failed_input,
                         double *waited_s);
/* pb_sched_done under the lock; wakes waiters when tasks became ready or
 * nothing is left to hand out. */
void pb_sched_shared_done(struct pb_sched_shared *ss, size_t task, int failed,
                          double t);

#endif
