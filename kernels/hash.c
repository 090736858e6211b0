/* kernels/hash.c: the 64-bit hash behind every checksum.
 *
 * Checksums must be identical on every runner and host, cheap next to the
 * kernels (outputs are hashed inside the timed region, as collection), and
 * computable on data that arrives in pieces (HTTP bodies).  Four independent
 * multiply-rotate lanes over 32-byte blocks keep the CPU's multipliers busy;
 * a final avalanche mixes lanes, length and the tail.  Not cryptographic.
 */
#include <string.h>

#include "kernels/workload.h"

#define P1 0x9e3779b185ebca87ull
#define P2 0xc2b2ae3d27d4eb4full
#define P3 0x165667b19e3779f9ull
#define P4 0x85ebca77c2b2ae63ull

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* Little-endian load, so the hash is the same on every architecture. */
static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t lane_round(uint64_t acc, uint64_t word)
{
    acc += word * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static void blocks(uint64_t lane[4], const unsigned char *p, size_t nblocks)
{
    uint64_t a = lane[0], b = lane[1], c = lane[2], d = lane[3];
    for (size_t k = 0; k < nblocks; k++, p += 32) {
        a = lane_round(a, load_le64(p));
        b = lane_round(b, load_le64(p + 8));
        c = lane_round(c, load_le64(p + 16));
        d = lane_round(d, load_le64(p + 24));
    }
    lane[0] = a, lane[1] = b, lane[2] = c, lane[3] = d;
}

void pb_hash_init(struct pb_hasher *h, uint64_t seed)
{
    memset(h, 0, sizeof *h);
    h->seed = seed;
    h->lane[0] = seed + P1 + P2;
    h->lane[1] = seed + P2;
    h->lane[2] = seed;
    h->lane[3] = seed - P1;
}

void pb_hash_update(struct pb_hasher *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    h->total += len;
    if (h->ntail) {
        size_t take = 32 - h->ntail;
        if (take > len)
            take = len;
        memcpy(h->tail + h->ntail, p, take);
        h->ntail += (unsigned)take;
        p += take, len -= take;
        if (h->ntail < 32)
            return;
        blocks(h->lane, h->tail, 1);
        h->ntail = 0;
    }
    size_t n = len / 32;
    blocks(h->lane, p, n);
    p += n * 32, len -= n * 32;
    memcpy(h->tail, p, len);
    h->ntail = (unsigned)len;
}

uint64_t pb_hash_final(const struct pb_hasher *h)
{
    uint64_t acc = rotl64(h->lane[0], 1) + rotl64(h->lane[1], 7) +
                   rotl64(h->lane[2], 12) + rotl64(h->lane[3], 18);
    acc ^= h->total * P4;
    const unsigned char *p = h->tail;
    unsigned n = h->ntail;
    for (; n >= 8; n -= 8, p += 8)
        acc = rotl64(acc ^ lane_round(0, load_le64(p)), 27) * P1 + P4;
    for (; n > 0; n--, p++)
        acc = rotl64(acc ^ (*p * P3), 11) * P1;
    acc ^= acc >> 33;
    acc *= P2;
    acc ^= acc >> 29;
    acc *= P3;
    acc ^= acc >> 32;
    return acc;
}

uint64_t pb_hash64(const void *data, size_t len, uint64_t seed)
{
    struct pb_hasher h;
    pb_hash_init(&h, seed);
    pb_hash_update(&h, data, len);
    return pb_hash_final(&h);
}
