# plots/common.gp: what every parbench chart shares, loaded first by each
# template.  parbench passes (gnuplot -e): termtype ('png' or 'svg'),
# width, height, outfile, datafile, host, workload, plotdir.
# pngcairo when this gnuplot has it (antialiased), else the libgd png.
if (termtype eq 'svg') {
    set terminal svg size width,height fixed noenhanced font 'Sans,13' background rgb 'white'
} else {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size width,height noenhanced font 'Sans,11' background rgb 'white'
    } else {
        set terminal png size width,height noenhanced background rgb 'white'
    }
}
set encoding utf8
set output outfile
# Okabe-Ito colours: distinguishable with the common colour blindnesses.
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 1.2
set linetype 2 lc rgb '#D55E00' lw 2 pt 5 ps 1.2
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 1.4
set linetype 4 lc rgb '#CC79A7' lw 2 pt 11 ps 1.4
set linetype 5 lc rgb '#E69F00' lw 2 pt 13 ps 1.4
set linetype 6 lc rgb '#56B4E9' lw 2 pt 15 ps 1.4
set linetype 7 lc rgb '#000000' lw 2 pt 3 ps 1.2
set linetype 8 lc rgb '#999999' lw 2 pt 1 ps 1.2
set linetype cycle 8
set grid lc rgb '#dddddd' lw 1
set border 3 lc rgb '#444444'
set tics nomirror
set key outside right top vertical Left reverse samplen 2 spacing 1.2 box lc rgb '#cccccc'
set datafile missing NaN
# title: the chart, then (smaller) the workload's host
chart_title(what) = sprintf("%s: %s\n%s", workload, what, host)

# Small multiples.  A chart of several panels gets (gnuplot -e): npanels,
# pcols (panels side by side), prows, metrics (plots per panel side by
# side: speedup and efficiency, three memory figures), headings (1: a
# heading over each panel's plots), word lists pfirst and pcount (each
# panel's data blocks), ptitle (panel titles), pcpus (each panel's CPU
# limit, 0 for none), bcolour (each block's linetype: one colour per
# series in every panel), keyblock (the first block of each colour, whose
# header is its legend text), nkeys, top_px and legend_px (the title band
# above the grid and the legend band below it, in pixels).
colour(b) = word(bcolour, b+1) + 0
pfirst_of(p) = word(pfirst, p+1) + 0
plast_of(p) = word(pfirst, p+1) + word(pcount, p+1) - 1
prow(p) = int(p / pcols)
pcol(p, m) = (p % pcols) * metrics + m
# A grid cell's plot area, leaving room for tics, axis labels and titles.
if (exists('pcols')) {
    cellw = 1.0 / (pcols * metrics)
    gridtop = 1.0 - 1.0 * top_px / height
    gridbot = 1.0 * legend_px / height
    cellh = (gridtop - gridbot) / prows
}
cell_l(c) = c * cellw + 80.0 / width
cell_r(c) = (c + 1) * cellw - 22.0 / width
cell_t(r) = gridtop - r * cellh - ((npanels > 1 ? 30.0 : 12.0) + (headings ? 22 : 0)) / height
cell_b(r) = gridtop - (r + 1) * cellh + 52.0 / height
# eval place: put the next plot in row pr, column pc.
place = 'set lmargin at screen cell_l(pc); set rmargin at screen cell_r(pc); set tmargin at screen cell_t(pr); set bmargin at screen cell_b(pr)'
# eval headings_on: each panel's title over its plots (labels 100+p); they
# are drawn with the next plot, then removed with eval headings_off.
headings_on = 'do for [q=0:npanels-1] { set label 100+q word(ptitle, q+1) at screen cell_l(pcol(q, 0)) - 70.0/width, screen gridtop - prow(q)*cellh - 4.0/height left front font ",12" tc rgb "#222222" }'
headings_off = 'do for [q=0:npanels-1] { unset label 100+q }'
# eval key_band: the legend's own invisible plot across the bottom band,
# where gnuplot fits as many columns as the width allows (never cut).
key_band = 'unset datafile; unset title; unset arrow; unset label; unset logscale; unset grid; unset border; unset tics; unset xlabel; unset ylabel; set xrange [0:1]; set yrange [0:1]; set lmargin at screen 0.01; set rmargin at screen 0.99; set tmargin at screen 1.0*legend_px/height; set bmargin at screen 0; set key inside center center horizontal Left reverse samplen 3 spacing 1.1 width 1 box lc rgb "#cccccc"'
