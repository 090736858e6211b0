# plots/speedup.gp: speedup T(baseline) / T(run) and parallel efficiency
# speedup / workers against workers, side by side, with the ideal lines
# (dashed): linear speedup, capped at the CPU count for CPU-bound work
# when the workers outnumber the CPUs (the panel's CPU limit, else the
# host's); efficiency 1.  A panel per row when crowded (see common.gp),
# one legend below.  datafile: one block per series, columns workers,
# speedup, efficiency.  Extra: maxworkers, cpus (0 when unknown), cpubound
# (0 for I/O work: no cap), logx, baseline (text), ymax1 (speedup, ideal
# included), ymax2 (efficiency), the layout.
load plotdir.'/common.gp'
unset key
set multiplot title chart_title('speedup and parallel efficiency vs workers')."\n".baseline
if (logx) {
    set logscale x 2
    set xrange [0.8:maxworkers * 1.25]
    xl = 'workers (log scale)'
} else {
    set xrange [0:maxworkers * 1.06]
    if (maxworkers <= 12) { set xtics 1 }
    xl = 'workers'
}
set samples 400
if (headings) { eval headings_on }
do for [p=0:npanels-1] {
    # the x axis is named under the lowest panel of each column
    if (p + pcols >= npanels) { set xlabel xl } else { unset xlabel }
    pcpu = word(pcpus, p+1) + 0
    pcpu = pcpu > 0 ? pcpu : cpus
    capped = cpubound && pcpu > 0 && pcpu < maxworkers
    if (pcpu > 0 && pcpu < maxworkers) {
        set arrow 1 from pcpu, graph 0 to pcpu, graph 1 nohead dt 3 lc rgb '#888888'
        set label 1 sprintf(' %g CPU%s', pcpu, pcpu == 1 ? '' : 's') at pcpu, graph 0.95 left tc rgb '#666666'
    } else {
        unset arrow 1
        unset label 1
    }
    pr = prow(p); pc = pcol(p, 0)
    eval place
    set title capped ? sprintf('speedup (ideal: min(workers, %g))', pcpu) : 'speedup (ideal: linear)'
    set ylabel 'speedup = T(baseline) / T(run)'
    set yrange [0:ymax1 * 1.08]
    plot (capped && x > pcpu ? pcpu : x) with lines lt 8 dt 2 notitle, \
         for [b=pfirst_of(p):plast_of(p)] datafile index b using 1:2 \
             with linespoints lt colour(b) notitle
    if (headings) { eval headings_off }
    pc = pcol(p, 1)
    eval place
    set title 'parallel efficiency (ideal: 1)'
    set ylabel 'efficiency = speedup / workers'
    set yrange [0:ymax2 * 1.1]
    plot 1 with lines lt 8 dt 2 notitle, \
         for [b=pfirst_of(p):plast_of(p)] datafile index b using 1:3 \
             with linespoints lt colour(b) notitle
}
eval key_band
plot for [j=1:nkeys] datafile index (word(keyblock, j) + 0) \
         using (NaN):(NaN) with linespoints lt j title columnheader(1), \
     NaN with lines lt 8 dt 2 title 'ideal (dashed)'
unset multiplot
