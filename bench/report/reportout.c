/* bench/report/reportout.c: the output half of reportload.h, shared by compare,
 * export and plot: tables in text / markdown / CSV / TSV, command output
 * written atomically, and human number formatting. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/report/reportload.h"
#include "bench/util/safeio.h"

void rl_table_init(struct rl_table *t, size_t ncols, const char *right)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->right = right;
}

void rl_table_add(struct rl_table *t, const char *fmt, ...)
{
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **c = realloc(t->cell, cap * sizeof *c);
        if (!c)
            return;
        t->cell = c, t->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    t->cell[t->ncells++] = s;
}

void rl_table_free(struct rl_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cell[i]);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

int rl_format_parse(const char *s)
{
    static const char *const names[] = {"text", "markdown", "csv", "tsv", "json"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/* Display width of UTF-8 text: code points, not bytes. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void put_csv(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_clean(FILE *f, const char *s, enum rl_format fmt)
{
    for (; *s; s++) {
        if (*s == '\t' || *s == '\n' || *s == '\r')
            fputc(' ', f);
        else if (*s == '|' && fmt == RL_MARKDOWN)
            fputs("\\|", f);
        else
            fputc(*s, f);
    }
}

void rl_table_print(FILE *f, const struct rl_table *t, enum rl_format fmt)
{
    size_t nc = t->ncols, nr = nc ? t->ncells / nc : 0;
    size_t *w = calloc(nc ? nc : 1, sizeof *w);
    if (!w)
        return;
    for (size_t i = 0; i < nr * nc; i++)
        if (width(t->cell[i]) > w[i % nc])
            w[i % nc] = width(t->cell[i]);
    for (size_t r = 0; r < nr; r++) {
        for (size_t c = 0; c < nc; c++) {
            const char *s = t->cell[r * nc + c] ? t->cell[r * nc + c] : "";
            int right = t->right && t->right[c] == 'r';
            size_t pad = w[c] - width(s);
            switch (fmt) {
            case RL_CSV:
                if (c)
                    fputc(',', f);
                put_csv(f, s);
                break;
            case RL_TSV:
                if (c)
                    fputc('\t', f);
                put_clean(f, s, fmt);
                break;
            case RL_MARKDOWN:
                fputs(c ? " | " : "| ", f);
                put_clean(f, s, fmt);
                break;
            default:
                if (c)
                    fputs("  ", f);
                if (right)
                    fprintf(f, "%*s", (int)pad, "");
                fputs(s, f);
                if (!right && c + 1 < nc)
                    fprintf(f, "%*s", (int)pad, "");
            }
        }
        fputs(fmt == RL_CSV ? "\r\n" : fmt == RL_MARKDOWN ? " |\n" : "\n", f);
        if (r == 0 && fmt == RL_MARKDOWN) {
            for (size_t c = 0; c < nc; c++)
                fputs(t->right && t->right[c] == 'r' ? "|---:" : "|---", f);
            fputs("|\n", f);
        }
    }
    free(w);
}

int rl_out_open(struct rl_out *o)
{
    memset(o, 0, sizeof *o);
    o->f = open_memstream(&o->buf, &o->len);
    return o->f ? 0 : -ENOMEM;
}

void rl_out_discard(struct rl_out *o)
{
    if (o->f)
        fclose(o->f);
    free(o->buf);
    memset(o, 0, sizeof *o);
}

int rl_out_commit(struct rl_out *o, const char *path, char *err,
                  size_t errlen)
{
    int bad = ferror(o->f);
    /* The stream's final buf and len are set by fclose. */
    if (fclose(o->f) != 0 || bad) {
        o->f = NULL;
        rl_out_discard(o);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    o->f = NULL;
    int rc = pb_write_buf(path, o->buf, o->len, err, errlen);
    rl_out_discard(o);
    return rc;
}

void rl_fmt_time(double s, char *buf, size_t n)
{
    static const struct { double f; const char *u; } units[] = {
        {1, "s"}, {1e-3, "ms"}, {1e-6, "us"}};
    if (!isfinite(s)) {
        snprintf(buf, n, "-");
        return;
    }
    size_t i = 0;
    while (i < 2 && s < units[i].f * 0.99995)
        i++;
    /* Four significant digits, without switching to exponents. */
    double v = s / units[i].f;
    int dec = v >= 100 ? 1 : v >= 10 ? 2 : 3;
    snprintf(buf, n, "%.*f %s", dec, v, units[i].u);
}

void rl_fmt_bytes(double b, char *buf, size_t n)
{
    if (!isfinite(b))
        snprintf(buf, n, "-");
    else if (b >= 1073741824.0)
        snprintf(buf, n, "%.2f GiB", b / 1073741824.0);
    else if (b >= 1048576.0)
        snprintf(buf, n, "%.1f MiB", b / 1048576.0);
    else
        snprintf(buf, n, "%.0f KiB", b / 1024.0);
}
