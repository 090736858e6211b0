/* peers/test/pb_hash_cli.c: pb_hash64 of standard input, for the test that
 * checks the Python peers' copy of the hash (peers/python/parbench_peer/
 * pbhash.py) against kernels/hash.c byte for byte.
 *
 *   pb_hash_cli [SEED] < FILE      prints the digest as 16 hex digits
 *   pb_hash_cli --prefixes < FILE  one digest (seed 0) per prefix length
 *                                  0..size, one a line, so every tail
 *                                  length and block boundary is covered
 *
 * Built by tests/e2e/t_peers_proto.sh with kernels/hash.c; not part of
 * parbench. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/workload.h"

int main(int argc, char **argv)
{
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (!buf) {
        fprintf(stderr, "pb_hash_cli: out of memory\n");
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "--prefixes") == 0) {
        for (size_t k = 0; k <= n; k++)
            printf("%016" PRIx64 "\n", pb_hash64(buf, k, 0));
    } else {
        uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0;
        printf("%016" PRIx64 "\n", pb_hash64(buf, n, seed));
    }
    free(buf);
    return 0;
}
