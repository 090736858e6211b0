/* tests/fuzz/fuzz.h: helpers shared by the libFuzzer targets.
 *
 * Each target is one tests/fuzz/fuzz_<name>.c defining
 * LLVMFuzzerTestOneInput, built by `make fuzz-build` with clang
 * -fsanitize=fuzzer,address,undefined against the project's sources; its
 * seed corpus is tests/fuzz/corpus/<name>/.  Besides crashes, leaks and
 * undefined behaviour, a target checks properties of what the code under
 * test returns and calls fuzz_fail (an abort libFuzzer reports as a crash,
 * with the input saved) when one does not hold. */
#ifndef PB_FUZZ_H
#define PB_FUZZ_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static inline void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: property failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* The input as a malloc'ed string with a 0 after its size bytes (it may
 * hold other 0 bytes too, as a file can); NULL when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (t) {
        if (size)
            memcpy(t, data, size);
        t[size] = 0;
    }
    return t;
}

/* A value parser's rejection: a reason is there (it quotes the value as
 * given; the readers that pass file text to the parsers make their
 * messages one line, see fuzz_check_message). */
static inline void fuzz_check_reason(const char *err)
{
    if (!err[0])
        fuzz_fail("rejected without a reason");
}

/* A reader's rejection: a reason is there, and it is one line without control
 * characters (the command line prints it as "parbench: <what>: <why>";
 * a file's text echoed into it must neither break the line nor reach the
 * terminal as an escape sequence). */
static inline void fuzz_check_message(const char *err)
{
    fuzz_check_reason(err);
    for (const char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            fuzz_fail("control character 0x%02x in the reason \"%s\"",
                      (unsigned char)*p, err);
}
#endif
