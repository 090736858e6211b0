/* bench/util/grow.c: see grow.h.  The array's pointer is passed by address
 * as void * and moved with memcpy, so one function serves every element
 * type without casting a T ** to void **. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/util/grow.h"

int pb_grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? 2 * *cap : first;
    if (nc <= n)
        nc = n + 1;
    if (elem && nc > SIZE_MAX / elem)
        return -ENOMEM;
    void *old, *p;
    memcpy(&old, arr, sizeof old);
    if (!(p = realloc(old, nc * elem)))
        return -ENOMEM;
    memcpy(arr, &p, sizeof p);
    *cap = nc;
    return 0;
}
