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
