# plots/workers.gp: execution time against workers for the prime and url
# workloads (the reference's 1..64 process pools on 8 cores): log2 x axis
# when the workers outnumber the CPUs (logx=1), a dotted line at the CPU
# count.  datafile: one block per series, columns workers, median, min, max
# (in `unit`).  Extra: nseries, unit, logx, cpus, maxworkers.
load plotdir.'/common.gp'
set title chart_title('execution time vs workers')
set xlabel logx ? 'workers (log scale)' : 'workers'
set ylabel sprintf('execution time (%s): median, bars min..max', unit)
if (logx) {
    set logscale x 2
    set xrange [0.8:maxworkers*1.25]
} else {
    set xrange [0:maxworkers*1.05]
}
set yrange [0:*]
set offsets 0, 0, graph 0.05, 0
if (cpus > 0 && cpus < maxworkers) {
    set arrow 1 from cpus, graph 0 to cpus, graph 1 nohead dt 3 lc rgb '#888888'
    set label 1 sprintf(' %g CPUs', cpus) at cpus, graph 0.97 left tc rgb '#666666'
}
plot for [i=0:nseries-1] datafile index i using 1:2:3:4 \
     with yerrorlines lt (i+1) title columnheader(1)
