/* bench/cli/cmd_info.c: `parbench info` (the report's host object) and
 * `parbench list` (runners and workloads, from their tables: what each
 * is, what it runs or needs, and its own options). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "bench/engine/config.h"
#include "bench/engine/plugin.h"
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

/* A runner's line about its variants, indented under it. */
static void variant_line(void *ctx, const char *text)
{
    (void)ctx;
    printf("            %s\n", text);
}

static void kinds_text(unsigned kinds, char *buf, size_t n)
{
    buf[0] = 0;
    for (size_t i = 0; wl_table[i]; i++)
        if (!(wl_table[i]->kind & ~kinds)) {
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
        /* "[unavailable]" on the name's line too, for scripts that grep
         * one line per runner. */
        printf("  %-9s %s%s\n            workloads: %s\n", r->name,
               why ? "[unavailable] " : "", r->help, kinds);
        char tr[64] = "";
        for (int t = TRANSFER_SHARED; t <= TRANSFER_LOCAL; t++)
            if (r->transfers & (1u << t))
                snprintf(tr + strlen(tr), sizeof tr - strlen(tr), "%s%s",
                         tr[0] ? "|" : "", transfer_name((enum transfer)t));
        printf("            transfer: %s (default %s)\n", tr,
               transfer_name(r->default_transfer));
        printf("            task dependencies: %s\n",
               r->kinds & WL_DEPS ? "yes (runs a task when its inputs "
                                    "have ended)" : "no");
        char names[512];
        plug_option_names(r->opts, r->nopts, names, sizeof names);
        if (names[0])
            printf("            options: %s\n", names);
        if (why)
            printf("            UNAVAILABLE: %s\n", why);
        if (r->list_variants && !why)
            r->list_variants(variant_line, NULL);
    }
    printf("workloads:\n");
    for (size_t i = 0; wl_table[i]; i++) {
        const struct workload_ops *wo = wl_table[i];
        printf("  %-9s %s (%s)\n", wo->name, wo->help,
               wl_kind_text(wo->kind));
        char names[512];
        plug_option_names(wo->opts, wo->nopts, names, sizeof names);
        if (wo->dump)
            snprintf(names + strlen(names), sizeof names - strlen(names),
                     "%s--dump", names[0] ? " " : "");
        if (names[0])
            printf("            options: %s\n", names);
    }
    return 0;
}
