/* bench/report/jsonmem.h: noticing cJSON's failed allocations.
 *
 * cJSON reports a failed allocation only through a NULL return, which
 * cJSON_Add*ToObject callers usually ignore: the key is then silently
 * missing and a report looks complete without being so.  parbench routes
 * cJSON's allocations through a counting allocator, so whoever builds a
 * document can ask afterwards whether any allocation failed meanwhile and
 * treat the document as incomplete. */
#ifndef PB_JSONMEM_H
#define PB_JSONMEM_H

/* Install the counting allocator (main() calls it first). */
void pb_json_init(void);
/* Failed cJSON allocations so far: take it before building, then ask
 * pb_json_failed_since(mark). */
unsigned long pb_json_mark(void);
int pb_json_failed_since(unsigned long mark);
#endif
