# plots/speedup.gp: speedup T(baseline) / T(run) and parallel efficiency
# speedup / workers against workers, with the ideal lines (dashed): linear
# speedup, capped at the CPU count for CPU-bound work when the workers
# outnumber the CPUs; efficiency 1.  One legend, right of the panels.
# datafile: one block per series, columns workers, speedup, efficiency.
# Extra: nseries, maxworkers, cpus (0 when unknown), cpubound (0 for I/O
# work: no cap), logx, baseline (text).
load plotdir.'/common.gp'
set multiplot title chart_title('speedup and parallel efficiency vs workers')
capped = cpubound && cpus > 0 && cpus < maxworkers
ideal(w) = (capped && w > cpus) ? cpus : w
if (logx) {
    set logscale x 2
    set xrange [0.8:maxworkers*1.25]
    set xlabel 'workers (log scale)'
} else {
    set xrange [0:maxworkers*1.05]
    set xlabel 'workers'
}
set offsets 0, 0, graph 0.1, 0
set tmargin at screen 0.84
set bmargin at screen 0.16
set samples 400
if (cpus > 0 && cpus < maxworkers) {
    set arrow 1 from cpus, graph 0 to cpus, graph 1 nohead dt 3 lc rgb '#888888'
    set label 1 sprintf(' %g CPUs', cpus) at cpus, graph 0.97 left tc rgb '#666666'
}
set label 2 baseline at screen 0.07, screen 0.03 left tc rgb '#444444'
unset key
set lmargin at screen 0.07
set rmargin at screen 0.37
set title capped ? 'speedup (ideal: min(workers, CPUs))' : 'speedup (ideal: linear)'
set ylabel 'speedup = T(baseline) / T(run)'
set yrange [0:*]
plot ideal(x) with lines lt 8 dt 2 notitle, \
     for [i=0:nseries-1] datafile index i using 1:2 with linespoints lt (i+1) notitle
unset label 2
set lmargin at screen 0.45
set rmargin at screen 0.75
set title 'parallel efficiency (ideal: 1)'
set ylabel 'efficiency = speedup / workers'
set yrange [0:1.2]
set key at screen 0.77, screen 0.84 left top vertical Left reverse samplen 2 spacing 1.2 box lc rgb '#cccccc'
plot 1 with lines lt 8 dt 2 title 'ideal (dashed)', \
     for [i=0:nseries-1] datafile index i using 1:3 with linespoints lt (i+1) title columnheader(1)
unset multiplot
