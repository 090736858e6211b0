# plots/time_tasks.gp: execution time against the number of tasks, one line
# per runner / worker count / limit (the reference report's main chart).
# datafile: one block per series, header "label" median min max;
# columns tasks, median, min, max (in `unit`).  Extra: nseries, unit.
load plotdir.'/common.gp'
set title chart_title('execution time vs number of tasks')
set xlabel 'tasks (pieces the work is split into)'
set ylabel sprintf('execution time (%s): median, bars min..max', unit)
set xrange [0:*]
set yrange [0:*]
set offsets graph 0.03, graph 0.03, graph 0.05, 0
plot for [i=0:nseries-1] datafile index i using 1:2:3:4 \
     with yerrorlines lt (i+1) title columnheader(1)
