/* bench/plot/plotrun.h: finding gnuplot and the chart templates, and running a
 * template with parameters.  Used by bench/plot/plot.c only. */
#ifndef PB_PLOTRUN_H
#define PB_PLOTRUN_H
#include <stddef.h>

struct plotrun {
    char gnuplot[4096]; /* the executable: $GNUPLOT, or gnuplot on PATH */
    char dir[4096];     /* the templates: $PARBENCH_PLOTS, or plots/ beside
                           the executable's directory (build/../plots) */
};

/* Find gnuplot.  -ENOENT with a message when it is not there. */
int plotrun_find_gnuplot(struct plotrun *g, char *err, size_t errlen);
/* Find the templates directory (it must hold common.gp). */
int plotrun_find_templates(struct plotrun *g, char *err, size_t errlen);

/* mkdir -p path, for --out.  err names the part that failed. */
int plotrun_mkdirs(const char *path, char *err, size_t errlen);

/* Parameters for one template: name = value pairs, strings quoted for
 * gnuplot (single quotes, '' for a quote; newlines become spaces). */
struct plotvars {
    char text[8192];
    size_t len;
};
void plotvars_init(struct plotvars *v);
void plotvars_str(struct plotvars *v, const char *name, const char *value);
void plotvars_num(struct plotvars *v, const char *name, double value);

/* Run `gnuplot -e VARS DIR/template`.  On failure err holds gnuplot's
 * first complaint. */
int plotrun_template(const struct plotrun *g, const char *tmpl,
                     const struct plotvars *v, char *err, size_t errlen);
#endif
