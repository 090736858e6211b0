/* tests/unit/image_testutil.h: helpers shared by the image unit tests. */
#ifndef PB_IMAGE_TESTUTIL_H
#define PB_IMAGE_TESTUTIL_H
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels/workload.h"

/* ck_assert_msg for inner loops: in CK_FORK mode every passing ck_assert
 * writes to a pipe, which would dominate per-pixel checks. */
#define EXPECT(cond, ...)                                                     \
    do {                                                                      \
        if (!(cond))                                                          \
            ck_abort_msg(__VA_ARGS__);                                        \
    } while (0)

static inline uint8_t *xmalloc(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    EXPECT(p != NULL, "out of memory (%zu bytes)", n);
    return p;
}

static inline void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(pb_splitmix64(&seed) >> 56);
}
#endif
