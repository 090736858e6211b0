# plots/memory.gp: peak resident memory against tasks, in three panels:
# the driver process, the largest worker, and the total (an upper bound:
# peaks of different processes added, shared pages counted in each).  One
# legend, right of the panels.
# datafile: one block per series, columns tasks, driver, worker_max, total
# (MiB, medians over repetitions).  Extra: nseries.
load plotdir.'/common.gp'
set multiplot title chart_title("peak memory (RSS) vs number of tasks")
set xrange [0:*]
set yrange [0:*]
set offsets graph 0.03, graph 0.03, graph 0.1, 0
set xlabel 'tasks'
set ylabel 'peak RSS (MiB), median of repetitions'
set tmargin at screen 0.84
set bmargin at screen 0.11
unset key
set lmargin at screen 0.07
set rmargin at screen 0.27
set title 'driver process'
plot for [i=0:nseries-1] datafile index i using 1:2 with linespoints lt (i+1) notitle
unset ylabel
set lmargin at screen 0.33
set rmargin at screen 0.53
set title 'largest worker process'
plot for [i=0:nseries-1] datafile index i using 1:3 with linespoints lt (i+1) notitle
set lmargin at screen 0.59
set rmargin at screen 0.79
set title 'total, all processes (upper bound)'
set key at screen 0.81, screen 0.86 left top vertical Left reverse samplen 2 spacing 1.2 box lc rgb '#cccccc'
plot for [i=0:nseries-1] datafile index i using 1:4 with linespoints lt (i+1) title columnheader(1)
unset multiplot
