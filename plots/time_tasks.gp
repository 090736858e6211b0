# plots/time_tasks.gp: execution time against the number of tasks, one line
# per runner / worker count / limit (the reference report's main chart),
# in panels when crowded (see common.gp), beside each line dashed in its
# colour the end-to-end time (start-up and stop included) where start-up
# is not negligible.  datafile: one block per series, header "label"
# median min max end_to_end; columns tasks, median, min, max, end to end
# (in `unit`; NaN: not drawn).  Extra: unit, timewhat, xmax, ymax1, e2e
# (1: some dashed line is drawn), and the panel layout.
load plotdir.'/common.gp'
unset key
set multiplot title chart_title(sprintf('execution time (%s) vs number of tasks, median, bars min..max', timewhat))
set xrange [0:xmax * 1.06]
# logy (set when the lines span more than 8x): a log axis from just under
# the smallest time, so a one-shot job's start-up does not flatten the rest.
if (exists("logy") && logy) {
    set logscale y
    set yrange [ymin1 / 1.25 : ymax1 * 1.25]
    set ytics autofreq
    set format y '%g'
    # decades alone are too few labels over a range of 10-50x: 1-2-5 steps
    do for [e=-4:5] { do for [m=1:3] {
        v = (m == 1 ? 1 : m == 2 ? 2 : 5) * 10.0**e
        set ytics add (sprintf('%g', v) v)
    } }
} else {
    set yrange [0:ymax1 * 1.08]
}
xl = 'tasks (pieces the work is split into)'
do for [p=0:npanels-1] {
    # the x axis is named under the lowest panel of each column
    if (p + pcols >= npanels) { set xlabel xl } else { unset xlabel }
    pr = prow(p); pc = pcol(p, 0)
    eval place
    set title word(ptitle, p+1)
    if (pc == 0) { set ylabel sprintf('execution time (%s)%s', unit, (exists("logy") && logy) ? ', log scale' : '') } else { unset ylabel }
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
