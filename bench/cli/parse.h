/* bench/cli/parse.h: strict parsers for command-line values.  Each returns 0, or
 * -EINVAL / -ERANGE with a one-line reason in err (no prefix, no newline). */
#ifndef PB_PARSE_H
#define PB_PARSE_H
#include <stddef.h>
#include <stdint.h>

/* "100MB", "64KiB", "1.5GB", "4096": bytes; decimal (KB = 1000) and binary
 * (KiB = 1024) units, case-insensitive; must come to a whole number. */
int pb_parse_size(const char *s, uint64_t *out, char *err, size_t errlen);
/* "50ms", "1.5s", "200us", "10ns"; a bare number is seconds.  >= 0. */
int pb_parse_duration(const char *s, double *out, char *err, size_t errlen);
/* Decimal unsigned integer in [min, max]. */
int pb_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
                  char *err, size_t errlen);
/* Decimal signed integer in [min, max]. */
int pb_parse_int(const char *s, int64_t min, int64_t max, int64_t *out,
                 char *err, size_t errlen);
/* Plain decimal number (digits[.digits]) in [min, max]: --cpus 1.5. */
int pb_parse_number(const char *s, double min, double max, double *out,
                    char *err, size_t errlen);
/* Format bytes as "100MB" / "64KiB" when exact, else plain bytes. */
void pb_format_size(uint64_t bytes, char *buf, size_t n);
/* Control characters (newlines, tabs, ESC...) in a message to '?', in
 * place: a reason that echoes a file's text stays one line and cannot
 * drive the terminal. */
void pb_text_oneline(char *s);
#endif
