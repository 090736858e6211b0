# plots/metg.gp: METG, the minimum effective task granularity (`parbench
# metg`): parallel efficiency against task duration (log axis, labelled
# in ns, µs, ms, s), one line per runner configuration, the 50% line
# dashed, and each configuration's METG(50%), the shortest task keeping
# efficiency at 50% or more, as a point on it with a dotted drop to the
# axis; its value is in the legend, below the plot.
# datafile: a block per configuration, header "label: METG ...", columns
# task_s, efficiency (%); a last block of METG points task_s, 50, colour.
# Extra: nseries, xmin, xmax (seconds), ymax (%).
load plotdir.'/common.gp'
set title chart_title('parallel efficiency vs task duration (METG: shortest task at 50% efficiency)')
set logscale x 10
set xrange [xmin:xmax]
set yrange [0:ymax]
set xlabel 'task duration (log scale)'
set ylabel 'efficiency (%): ideal time / measured time'
# Tics: every decade, with 2 and 5 between when the range is short.
dur(v) = v >= 0.9995 ? sprintf('%g s', v) : v >= 0.9995e-3 ? sprintf('%g ms', v * 1e3) \
       : v >= 0.9995e-6 ? sprintf('%g µs', v * 1e6) : sprintf('%g ns', v * 1e9)
set xtics ()
short = xmax / xmin < 1000
do for [e=-10:3] {
    do for [m in '1 2 5'] {
        v = (m + 0) * 10.0**e
        if (v >= xmin && v <= xmax && (m eq '1' || short)) { set xtics add (dur(v) v) }
    }
}
set mxtics 10
set ytics 10
set key outside below center horizontal Left reverse samplen 3 spacing 1.1 nobox
set xlabel offset 0, -0.3
plot 50 with lines lc rgb '#444444' lw 1.5 dt 2 title '50% efficiency', \
     for [i=0:nseries-1] datafile index i using 1:2 with linespoints lt (i+1) title columnheader(1), \
     datafile index nseries using 1:2:3 with impulses lc variable dt 3 lw 1 notitle, \
     datafile index nseries using 1:2:3 with points lc variable pt 7 ps 2.2 notitle, \
     datafile index nseries using 1:2 with points lc rgb 'white' pt 7 ps 0.9 notitle
