/* tests/fuzz/fuzz_urls.c: libFuzzer target for the URL-list reader.
 *
 * The input is a --urls file's bytes, read through url_list_read (what
 * url_list_load runs on the opened file) from a memory stream: comments,
 * blank lines, surrounding blanks, NUL bytes, and libcurl's URL parser
 * behind url_check.  Checked besides memory errors: every URL accepted is
 * non-empty, has no blanks at either end, is accepted by url_check again
 * on its own, and a rejection has a one-line reason. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernels/url.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    /* fmemopen of an empty buffer fails on some C libraries: read a
     * one-byte NUL-free stand-in instead ("\n": no URLs, an error). */
    FILE *f = text ? fmemopen(size ? text : "\n", size ? size : 1, "r") : NULL;
    if (!f) {
        free(text);
        return 0;
    }
    char **urls = NULL, err[512] = "";
    size_t n = 0;
    if (url_list_read(f, "fuzz.txt", &urls, &n, err, sizeof err) == 0) {
        if (n == 0)
            fuzz_fail("accepted a list without URLs");
        for (size_t i = 0; i < n; i++) {
            const char *u = urls[i];
            size_t l = strlen(u);
            if (!l || isspace((unsigned char)u[0]) ||
                isspace((unsigned char)u[l - 1]) || u[0] == '#')
                fuzz_fail("URL %zu kept as \"%s\"", i, u);
            char why[256];
            if (url_check(u, why, sizeof why))
                fuzz_fail("URL %zu \"%s\" accepted, then rejected: %s", i, u,
                          why);
            free(urls[i]);
        }
        free(urls);
    } else {
        fuzz_check_message(err);
    }
    fclose(f);
    free(text);
    return 0;
}
