/* kernels/spin.h: spin primitives, exposed for tests and calibration. */
#ifndef PB_SPIN_H
#define PB_SPIN_H
#include "kernels/workload.h"

/* iters steps of a dependent multiply-add chain starting at x. */
uint64_t spin_run(uint64_t iters, uint64_t x);
/* Iterations per second on this CPU, best of several rounds. */
double spin_calibrate(void);
#endif
