/* bench/cli/commands.h: the subcommands of parbench.  Each takes the arguments
 * after its name and returns the process exit code (0 ok, 1 a run failed,
 * 2 bad usage or input). */
#ifndef PB_COMMANDS_H
#define PB_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_metg(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* Print "parbench: <msg>" on stderr; returns 2 for `return usage(...)`. */
int pb_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
