/* kernels/pyramid_file.c: the pyramid's image files in memory
 * (pyramid.h): their names, growable buffers, and encoding and decoding
 * -- TIFF through libtiff's client procs over a buffer (uncompressed, one
 * sample per pixel, native byte order, 64-row strips; libtiff's errors
 * captured per call through its per-open handlers, so threads never share
 * a message), raw as the pixels themselves. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "kernels/pyramid.h"

int pyr_buf_reserve(struct pyr_buf *b, size_t n)
{
    if (n <= b->cap)
        return 0;
    uint8_t *p = realloc(b->p, n);
    if (!p)
        return -ENOMEM;
    b->p = p, b->cap = n;
    return 0;
}

void pyr_buf_free(struct pyr_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void pyr_file_name(enum pyr_format f, unsigned l, size_t j, char *buf,
                   size_t n)
{
    const char *ext = f == PYR_TIFF ? "tif" : "raw";
    if (l == 0)
        snprintf(buf, n, "in_%06zu.%s", j, ext);
    else
        snprintf(buf, n, "L%02u_%06zu.%s", l, j, ext);
}

/* ---- TIFF in memory ------------------------------------------------- */

struct mem {
    struct pyr_buf *b;      /* writing: grows */
    const uint8_t *rd;      /* reading */
    size_t len, pos;
    char *err;              /* libtiff's message, for the caller */
    size_t errlen;
};

static tmsize_t m_read(thandle_t h, void *buf, tmsize_t n)
{
    struct mem *m = h;
    size_t left = m->pos < m->len ? m->len - m->pos : 0;
    size_t k = (size_t)n < left ? (size_t)n : left;
    memcpy(buf, m->rd ? m->rd + m->pos : m->b->p + m->pos, k);
    m->pos += k;
    return (tmsize_t)k;
}

static tmsize_t m_write(thandle_t h, void *buf, tmsize_t n)
{
    struct mem *m = h;
    if (!m->b || pyr_buf_reserve(m->b, m->pos + (size_t)n) != 0)
        return -1;
    memcpy(m->b->p + m->pos, buf, (size_t)n);
    m->pos += (size_t)n;
    if (m->pos > m->len)
        m->len = m->pos;
    return n;
}

static toff_t m_seek(thandle_t h, toff_t off, int whence)
{
    struct mem *m = h;
    size_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->len;
    m->pos = base + (size_t)off;
    return (toff_t)m->pos;
}

static int m_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t m_size(thandle_t h)
{
    return (toff_t)((struct mem *)h)->len;
}

static int m_map(thandle_t h, void **base, toff_t *size)
{
    struct mem *m = h;
    if (!m->rd)
        return 0;
    *base = (void *)m->rd;
    *size = (toff_t)m->len;
    return 1;
}

static void m_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h, (void)base, (void)size;
}

static int m_error(TIFF *t, void *user, const char *module, const char *fmt,
                   va_list ap)
{
    (void)t;
    struct mem *m = user;
    if (m && m->err && !m->err[0]) {
        int k = snprintf(m->err, m->errlen, "libtiff: %s: ", module ? module : "");
        if (k >= 0 && (size_t)k < m->errlen)
            vsnprintf(m->err + k, m->errlen - (size_t)k, fmt, ap);
    }
    return 1;
}

static int m_warning(TIFF *t, void *user, const char *module, const char *fmt,
                     va_list ap)
{
    (void)t, (void)user, (void)module, (void)fmt, (void)ap;
    return 1; /* quiet: warnings do not change the pixels */
}

static TIFF *tiff_open(struct mem *m, const char *mode)
{
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    if (!o)
        return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(o, m_error, m);
    TIFFOpenOptionsSetWarningHandlerExtR(o, m_warning, m);
    TIFF *t = TIFFClientOpenExt("image", mode, (thandle_t)m, m_read, m_write,
                                m_seek, m_close, m_size, m_map, m_unmap, o);
    TIFFOpenOptionsFree(o);
    return t;
}

#define TIFF_ROWS 64 /* rows per strip */

int pyr_encode(enum pyr_format f, unsigned depth, uint32_t side,
               const void *px, struct pyr_buf *out, char *err, size_t errlen)
{
    size_t row = (size_t)side * (depth / 8), bytes = row * side;
    out->len = 0;
    if (f == PYR_RAW) {
        if (pyr_buf_reserve(out, bytes) != 0)
            goto nomem;
        memcpy(out->p, px, bytes);
        out->len = bytes;
        return 0;
    }
    if (pyr_buf_reserve(out, bytes + 4096) != 0)
        goto nomem;
    err[0] = 0;
    struct mem m = {.b = out, .err = err, .errlen = errlen};
    TIFF *t = tiff_open(&m, "w");
    if (!t)
        goto fail;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, side);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, side);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, depth);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, TIFF_ROWS);
    for (uint32_t y = 0, s = 0; y < side; y += TIFF_ROWS, s++) {
        uint32_t rows = side - y < TIFF_ROWS ? side - y : TIFF_ROWS;
        if (TIFFWriteEncodedStrip(t, s, (uint8_t *)px + y * row,
                                  (tmsize_t)(rows * row)) < 0) {
            TIFFClose(t);
            goto fail;
        }
    }
    if (!TIFFWriteDirectory(t)) {
        TIFFClose(t);
        goto fail;
    }
    TIFFClose(t);
    out->len = m.len;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory encoding a %ux%u image", side, side);
    return -ENOMEM;
fail:
    if (!err[0])
        snprintf(err, errlen, "libtiff could not encode a %ux%u image",
                 side, side);
    return -EIO;
}

int pyr_decode(enum pyr_format f, unsigned depth, uint32_t side,
               const uint8_t *data, size_t len, struct pyr_buf *scratch,
               const void **px, char *err, size_t errlen)
{
    size_t row = (size_t)side * (depth / 8), bytes = row * side;
    if (f == PYR_RAW) {
        if (len != bytes) {
            snprintf(err, errlen, "a raw image of %zu bytes, not %ux%u at "
                     "%u bits (%zu)", len, side, side, depth, bytes);
            return -EINVAL;
        }
        *px = data;
        return 0;
    }
    err[0] = 0;
    struct mem m = {.rd = data, .len = len, .err = err, .errlen = errlen};
    TIFF *t = tiff_open(&m, "r");
    if (!t)
        goto fail;
    uint32_t w = 0, h = 0;
    uint16_t bps = 0, spp = 1;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetField(t, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
    if (w != side || h != side || bps != depth || spp != 1) {
        snprintf(err, errlen, "a %ux%u TIFF of %u bits x %u samples, not "
                 "%ux%u at %u bits", w, h, bps, spp, side, side, depth);
        TIFFClose(t);
        return -EINVAL;
    }
    if (pyr_buf_reserve(scratch, bytes) != 0) {
        TIFFClose(t);
        snprintf(err, errlen, "out of memory decoding a %ux%u image", side,
                 side);
        return -ENOMEM;
    }
    size_t off = 0;
    for (uint32_t s = 0; s < TIFFNumberOfStrips(t) && off < bytes; s++) {
        tmsize_t k = TIFFReadEncodedStrip(t, s, scratch->p + off,
                                          (tmsize_t)(bytes - off));
        if (k < 0) {
            TIFFClose(t);
            goto fail;
        }
        off += (size_t)k;
    }
    TIFFClose(t);
    if (off != bytes) {
        snprintf(err, errlen, "a TIFF with %zu of %zu pixel bytes", off,
                 bytes);
        return -EINVAL;
    }
    *px = scratch->p;
    return 0;
fail:
    if (!err[0])
        snprintf(err, errlen, "libtiff could not read the image");
    return -EIO;
}
