"""parbench's 64-bit checksum hash (kernels/hash.c pb_hash64) in Python.

parbench checks a peer's url results by the digest of each body, so a peer
must hash exactly as parbench does: four multiply-rotate lanes over 32-byte
blocks of little-endian words, then a final mix of the lanes, the length
and the tail.  Python integers are unbounded, so every step is masked back
to 64 bits.  Pure Python: about 10 MB/s, cheap next to a network round trip
for url bodies; image outputs are hashed by parbench itself from the
output arena (see PROTOCOL.md), never here.
"""
import struct

MASK = (1 << 64) - 1
P1 = 0x9E3779B185EBCA87
P2 = 0xC2B2AE3D27D4EB4F
P3 = 0x165667B19E3779F9
P4 = 0x85EBCA77C2B2AE63


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & MASK


def _round(acc, word):
    acc = (acc + word * P2) & MASK
    return (((acc << 31) | (acc >> 33)) & MASK) * P1 & MASK


def pb_hash64(data, seed=0):
    """pb_hash64 of a bytes-like object, as kernels/hash.c computes it."""
    data = memoryview(data).cast("B")
    n = len(data)
    nblocks = n // 32
    a = (seed + P1 + P2) & MASK
    b = (seed + P2) & MASK
    c = seed & MASK
    d = (seed - P1) & MASK
    words = struct.unpack_from(f"<{4 * nblocks}Q", data)
    for k in range(0, 4 * nblocks, 4):
        # _round inlined: this loop is the whole cost of the hash.
        a = (a + words[k] * P2) & MASK
        a = (((a << 31) | (a >> 33)) & MASK) * P1 & MASK
        b = (b + words[k + 1] * P2) & MASK
        b = (((b << 31) | (b >> 33)) & MASK) * P1 & MASK
        c = (c + words[k + 2] * P2) & MASK
        c = (((c << 31) | (c >> 33)) & MASK) * P1 & MASK
        d = (d + words[k + 3] * P2) & MASK
        d = (((d << 31) | (d >> 33)) & MASK) * P1 & MASK
    acc = (_rotl(a, 1) + _rotl(b, 7) + _rotl(c, 12) + _rotl(d, 18)) & MASK
    acc ^= (n * P4) & MASK
    tail = data[32 * nblocks:]
    pos = 0
    while len(tail) - pos >= 8:
        (word,) = struct.unpack_from("<Q", tail, pos)
        acc = (_rotl(acc ^ _round(0, word), 27) * P1 + P4) & MASK
        pos += 8
    for byte in tail[pos:]:
        acc = _rotl(acc ^ (byte * P3 & MASK), 11) * P1 & MASK
    acc ^= acc >> 33
    acc = acc * P2 & MASK
    acc ^= acc >> 29
    acc = acc * P3 & MASK
    acc ^= acc >> 32
    return acc


def fold_digests(digests):
    """The run checksum parbench reports: pb_hash64 over the task digests
    in task order, each as 8 little-endian bytes (wl_fold_digests)."""
    packed = b"".join(d.to_bytes(8, "little") for d in digests)
    return pb_hash64(packed, 0x70617262656E6368)  # "parbench"


def value_digest(value):
    """The digest of a task whose output is one 64-bit integer (prime's
    sum, spin's final state): its 8 little-endian bytes."""
    return pb_hash64((value & MASK).to_bytes(8, "little"))
