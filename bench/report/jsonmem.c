/* bench/report/jsonmem.c: cJSON's allocations, counted when they fail (see
 * jsonmem.h).  cJSON uses realloc only with the default hooks, so with
 * these it grows print buffers by malloc and copy: the same doubling,
 * slightly more copying, for reports that are written once. */
#include <stdatomic.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "bench/report/jsonmem.h"

static atomic_ulong failures;

static void *counting_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        atomic_fetch_add(&failures, 1);
    return p;
}

void pb_json_init(void)
{
    cJSON_Hooks h = {.malloc_fn = counting_malloc, .free_fn = free};
    cJSON_InitHooks(&h);
}

unsigned long pb_json_mark(void)
{
    return atomic_load(&failures);
}

int pb_json_failed_since(unsigned long mark)
{
    return atomic_load(&failures) != mark;
}
