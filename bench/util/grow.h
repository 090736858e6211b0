/* bench/util/grow.h: growing an array by doubling, the one copy of what
 * every list bench/ builds (matrix cells and keys, a report's fields, the
 * host differences compare lists) needs before appending. */
#ifndef PB_GROW_H
#define PB_GROW_H
#include <stddef.h>

/* Make room for element n of the array whose pointer is at arr (a T **,
 * *cap elements of elem bytes): when n >= *cap it is reallocated to twice
 * *cap (first when *cap is 0), and at least n + 1.  0, or -ENOMEM with the
 * array and *cap as they were. */
int pb_grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first);
#endif
