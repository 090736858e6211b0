/* kernels/prime.h: prime-sum primitives, exposed for the unit tests. */
#ifndef PB_PRIME_H
#define PB_PRIME_H
#include "kernels/workload.h"

int prime_is_prime(uint64_t n);
/* Sum of primes p with lo <= p < hi. */
int64_t prime_sum_range(uint64_t lo, uint64_t hi);
/* Task i's range [lo, hi) when [2, limit) is split into tasks parts. */
void prime_task_range(uint64_t limit, size_t tasks, size_t i, uint64_t *lo,
                      uint64_t *hi);
#endif
