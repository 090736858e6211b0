# plots/workers.gp: execution time against workers for the prime and url
# workloads (the reference's 1..64 process pools on 8 cores): log2 x axis
# when the workers outnumber the CPUs (logx=1), a dotted line at the CPU
# count; beside each line, dashed in its colour, the end-to-end time
# (start-up and stop included) where start-up is not negligible; panels
# when crowded (see common.gp).  datafile: one block per series, columns
# workers, median, min, max, end to end (in `unit`; NaN: not drawn).
# Extra: unit, timewhat, logx, cpus, maxworkers, ymax1, e2e, the layout.
load plotdir.'/common.gp'
unset key
set multiplot title chart_title(sprintf('execution time (%s) vs workers, median, bars min..max', timewhat))
xl = logx ? 'workers (log scale)' : 'workers'
if (logx) {
    set logscale x 2
    set xrange [0.8:maxworkers * 1.25]
} else {
    set xrange [0:maxworkers * 1.06]
    if (maxworkers <= 12) { set xtics 1 }
}
set yrange [0:ymax1 * 1.08]
if (cpus > 0 && cpus < maxworkers) {
    set arrow 1 from cpus, graph 0 to cpus, graph 1 nohead dt 3 lc rgb '#888888'
    set label 1 sprintf(' %g CPUs', cpus) at cpus, graph 0.97 left tc rgb '#666666'
}
do for [p=0:npanels-1] {
    # the x axis is named under the lowest panel of each column
    if (p + pcols >= npanels) { set xlabel xl } else { unset xlabel }
    pr = prow(p); pc = pcol(p, 0)
    eval place
    set title word(ptitle, p+1)
    if (pc == 0) { set ylabel sprintf('execution time (%s)', unit) } else { unset ylabel }
    plot for [b=pfirst_of(p):plast_of(p)] datafile index b using 1:2:3:4 \
             with yerrorlines lt colour(b) notitle, \
         for [b=pfirst_of(p):plast_of(p)] datafile index b using 1:5 \
             with lines lt colour(b) dt 2 notitle
}
eval key_band
plot for [j=1:nkeys] datafile index (word(keyblock, j) + 0) \
         using (NaN):(NaN):(NaN):(NaN) with yerrorlines lt j title columnheader(1), \
     for [d=1:e2e] NaN with lines lc rgb '#444444' lw 2 dt 2 title 'dashed: end to end, with start-up'
unset multiplot
