/* bench/cli/cmd_info.c: `parbench info` (the report's host object) and
 * `parbench list` (runners and workloads, from their tables). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "bench/host/host.h"
#include "kernels/workload.h"
#include "runners/runner.h"

int cmd_info(int argc, char **argv)
{
    if (argc > 0)
        return pb_usage_error("info: unexpected argument '%s'", argv[0]);
    cJSON *h = host_json();
    char *s = h ? cJSON_Print(h) : NULL;
    cJSON_Delete(h);
    if (!s)
        return pb_usage_error("info: out of memory");
    puts(s);
    free(s);
    return 0;
}

static void kinds_text(unsigned kinds, char *buf, size_t n)
{
    buf[0] = 0;
    for (size_t i = 0; wl_table[i]; i++)
        if (kinds & wl_table[i]->kind) {
            if (buf[0])
                strncat(buf, ",", n - strlen(buf) - 1);
            strncat(buf, wl_table[i]->name, n - strlen(buf) - 1);
        }
}

int cmd_list(int argc, char **argv)
{
    if (argc > 0)
        return pb_usage_error("list: unexpected argument '%s'", argv[0]);
    printf("runners:\n");
    for (size_t i = 0; runner_table[i]; i++) {
        const struct runner *r = runner_table[i];
        const char *why = r->unavailable ? r->unavailable() : NULL;
        char kinds[128];
        kinds_text(r->kinds, kinds, sizeof kinds);
        printf("  %-9s %s\n            workloads: %s\n", r->name, r->help,
               kinds);
        if (why)
            printf("            UNAVAILABLE: %s\n", why);
    }
    printf("workloads:\n");
    for (size_t i = 0; wl_table[i]; i++)
        printf("  %-9s %s (%s)\n", wl_table[i]->name, wl_table[i]->help,
               wl_table[i]->kind == WL_CPU ? "CPU-bound" : "I/O-bound");
    return 0;
}
