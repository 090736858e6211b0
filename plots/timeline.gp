# plots/timeline.gp: one repetition of one run as a Gantt chart: a row per
# worker, a bar per task from its start to its end, so idle time (gaps)
# and imbalance (rows ending early) show.  Bars are coloured by task id,
# i.e. the order tasks were handed out, or by level when tasks carry one.
# With task dependencies, thin red bars mark where a worker was free but
# the task it ran next was not ready (waiting for its inputs).  datafile:
# block 0 rows task, start, end, worker, colour (in `unit`); block 1
# worker, "label"; block 2 the end of the timed region; block 3 waiting
# for inputs: start, end, worker.  Extra: what, nworkers, ntasks, unit,
# waits (rows of block 3), maxcolour, colourby.
load plotdir.'/common.gp'
set title chart_title("task timeline: ".what)
set xlabel sprintf('time since the start of the timed region (%s)', unit)
unset ylabel
set yrange [nworkers-0.5:-0.5]
set xrange [0:*]
set offsets 0, graph 0.02, 0, 0
set grid noytics
set ytics scale 0
if (!exists("waits")) waits = 0
# a second row of legend when waits are drawn
set bmargin at screen (waits > 0 ? 0.19 : 0.15)
set key at screen 0.45, screen 0.01 center bottom horizontal box lc rgb '#cccccc'
set style fill solid 0.85 border lc rgb '#333333'
set palette defined (0 '#9ecae1', 0.5 '#c7e9c0', 1 '#fdae6b')
if (!exists("maxcolour")) maxcolour = ntasks - 1
if (!exists("colourby")) colourby = 'task id (order handed out)'
set cbrange [0:(maxcolour > 0 ? maxcolour : 1)]
set cblabel colourby
if (colourby eq 'level') { set cbtics 1 }
set colorbox user origin screen 0.9, screen 0.2 size screen 0.02, screen 0.6
set rmargin at screen 0.86
# Past ~150 workers the rows are too thin for a label each: ordinary tics
# on a "worker" axis instead (labels = 0).
if (!exists("labels")) labels = 1
if (labels) {
    plot datafile index 0 using (($2+$3)/2):4:(($3-$2)/2):(0.35):5 \
             with boxxyerror fc palette title 'task: a bar from its start to its end', \
         '' index 1 using (NaN):1:ytic(2) notitle, \
         '' index 3 using (($1+$2)/2):3:(($2-$1)/2):(0.08) \
             with boxxyerror fc rgb '#d62728' fs solid 1 noborder \
             title (waits > 0 ? 'free, next task waiting for its inputs' : ''), \
         '' index 2 using 1:2 with lines lt 7 dt 2 lw 2 title 'end of the timed region', \
         '' index 0 using (($2+$3)/2):4:(ntasks <= 60 ? sprintf('%d', int($1)) : '') \
             with labels tc rgb 'black' font ',9' notitle
} else {
    set ytics autofreq
    set ylabel 'worker'
    set style fill solid 0.85 noborder
    plot datafile index 0 using (($2+$3)/2):4:(($3-$2)/2):(0.35):5 \
             with boxxyerror fc palette title 'task: a bar from its start to its end', \
         '' index 2 using 1:2 with lines lt 7 dt 2 lw 2 title 'end of the timed region'
}
