/* bench/plot/plot.h: what the chart kinds of `parbench plot` share: the
 * command's state, run selection, series and their split into panels
 * (small multiples), legend text, data files and drawing.  Private to
 * bench/plot*.c. */
#ifndef PB_PLOT_H
#define PB_PLOT_H
#include <stdio.h>

#include "bench/plot/plotrun.h"
#include "bench/report/reportload.h"

/* Which execution time the time charts show (--time). */
enum plot_time {
    PLOT_TIME_BOTH,   /* the timed region, and dashed the end-to-end time */
    PLOT_TIME_REGION, /* the timed region only */
    PLOT_TIME_E2E     /* the end-to-end time only (a one-shot job's cost) */
};

/* One `parbench plot`. */
struct plot {
    const char *out, *format, *run_arg, *time_arg; /* the options */
    enum plot_time time;
    struct rl_report r;
    struct plotrun g;          /* gnuplot and the templates */
    char host[256];            /* "host vm (AMD EPYC, 2 CPUs)" */
    char tmpdir[4200];         /* private staging directory inside --out */
    int written;               /* charts written so far */
};

#define PLOT_MAXSERIES 64
#define PLOT_MAXPOINTS 64
#define PLOT_MAXPANELS 12
/* A panel holding more series than this is split further when something
 * else varies: beyond about six lines a legend stops being readable. */
#define PLOT_PANEL_SERIES 6

/* One line of a chart: runs of one configuration along the x field. */
struct series {
    char label[256];   /* legend text: what tells it apart in its panel */
    char pkey[256];    /* values of the fields the panels are split by */
    int panel;         /* index into struct chart's panels */
    int colour;        /* 0-based; the same label has the same colour in
                          every panel */
    const cJSON *base; /* speedup: the run it is relative to */
    const cJSON *run[PLOT_MAXPOINTS];
    size_t n;
};

/* The series of one chart, ordered by panel then colour. */
struct chart {
    struct series s[PLOT_MAXSERIES];
    size_t ns;
    char split[256];   /* fields the panels are split by (comma list) */
    size_t npanels, ncolours;
    char ptitle[PLOT_MAXPANELS][200];
    size_t pfirst[PLOT_MAXPANELS], pcount[PLOT_MAXPANELS];
    double pcpus[PLOT_MAXPANELS]; /* the panel's CPU limit, 0 if none */
    size_t pcols;      /* panels side by side */
    size_t legend_rows;/* rows of the legend below the panels */
};

/* Median, min and max over the repetitions of a run's field. */
void plot_rep_stats(const cJSON *run, const char *path, double *med,
                    double *lo, double *hi);
/* Execution time of a run as --time asks: med/lo/hi of the line drawn
 * solid (the timed region, or end to end) and e2e, the end-to-end median
 * drawn dashed beside it (NaN when not drawn or unknown). */
void plot_time_stats(const struct plot *p, const cJSON *run, double *med,
                     double *lo, double *hi, double *e2e);
/* The run succeeded and has repetitions. */
int plot_run_ok(const cJSON *run);
/* Legend text: runner, then workers / tasks unless vary names them (tasks
 * only when tasks_vary), then the fields listed in extra. */
void plot_series_label(const cJSON *run, const char *vary, const char *extra,
                       int tasks_vary, char *buf, size_t n);
/* The workload's successful runs grouped into series along vary ("tasks"
 * or "workers").  With speedup, series of the single runner and series
 * without a baseline are dropped.  Then split into panels. */
void plot_group(const struct plot *p, const char *wl, const char *vary,
                int speedup, struct chart *c);
/* Split c's series into panels, label them, colour them and order them;
 * metrics is the number of plots each panel has side by side. */
void plot_split(struct chart *c, const char *vary, int force_cpus,
                size_t metrics);
/* The chart's panels as template parameters (which blocks each panel
 * draws, their colours and titles, the grid and the legend below it) and
 * the canvas size, w x h pixels; metrics: plots per panel side by side,
 * extra_keys: legend entries besides the series (ideal, dashed lines),
 * title_lines: lines of the chart's title. */
void plot_layout(const struct chart *c, size_t metrics, size_t extra_keys,
                 int title_lines, struct plotvars *v, double *w, double *h);
/* Create DIR/kind_wl.dat (its staging path returned in path) with a
 * comment line. */
FILE *plot_open_dat(const struct plot *p, const char *kind, const char *wl,
                    char *path, size_t n, char *err, size_t errlen);
/* Close a data file from plot_open_dat, reporting a failed write. */
int plot_close_dat(FILE *f, const char *path, char *err, size_t errlen);
/* Run plots/kind.gp on datafile into DIR/kind_wl.png|svg, w x h pixels,
 * with the common parameters added to v; moves the chart and its data
 * into DIR and prints the chart's path. */
int plot_draw(struct plot *p, const char *kind, const char *wl,
              const char *datafile, struct plotvars *v, double w, double h,
              char *err, size_t errlen);
/* bench/plot/plot_charts.c: time or memory against tasks, speedup or time
 * against workers. */
int plot_chart_tasks(struct plot *p, const char *wl, int memory, char *err,
                     size_t errlen);
int plot_chart_workers(struct plot *p, const char *wl, int speedup,
                       char *err, size_t errlen);
/* bench/plot/plot_iosplit.c: a disk workload's task time split into
 * read / compute / write, a bar per run (nothing for other workloads). */
int plot_iosplit(struct plot *p, const char *wl, char *err, size_t errlen);
/* bench/plot/plot_timeline.c: the run a workload's timeline shows, and the
 * timeline (Gantt) chart of one run. */
const cJSON *plot_timeline_run(const struct plot *p, const char *wl);
int plot_timeline(struct plot *p, const cJSON *run, char *err, size_t errlen);
/* bench/plot/plot_metg.c: the report's metg entries that can be drawn (failed
 * ones are listed on stderr the first time), and their chart. */
int plot_metg_count(const struct plot *p, int report);
int plot_metg(struct plot *p, char *err, size_t errlen);
#endif
