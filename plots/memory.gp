# plots/memory.gp: peak resident memory against tasks, three plots a
# panel: the driver process, the largest worker, and the total (an upper
# bound: peaks of different processes added, shared pages counted in
# each); a panel per row when crowded (see common.gp), one legend below.
# datafile: one block per series, columns tasks, driver, worker_max, total
# (MiB, medians over repetitions).  Extra: xmax, ymax1..3, the layout.
load plotdir.'/common.gp'
unset key
set multiplot title chart_title("peak memory (RSS, median of repetitions) vs number of tasks")
set xrange [0:xmax * 1.06]
xl = 'tasks'
if (headings) { eval headings_on }
array what[3] = ['driver process', 'largest worker process', 'total, all processes (upper bound)']
array top[3] = [ymax1, ymax2, ymax3]
do for [p=0:npanels-1] {
    # the x axis is named under the lowest panel of each column
    if (p + pcols >= npanels) { set xlabel xl } else { unset xlabel }
    do for [m=1:3] {
        pr = prow(p); pc = pcol(p, m-1)
        eval place
        set title what[m]
        set yrange [0:top[m] * 1.08]
        if (m == 1) { set ylabel 'peak RSS (MiB)' } else { unset ylabel }
        plot for [b=pfirst_of(p):plast_of(p)] datafile index b using 1:(column(m+1)) \
             with linespoints lt colour(b) notitle
        if (headings) { eval headings_off }
    }
}
eval key_band
plot for [j=1:nkeys] datafile index (word(keyblock, j) + 0) \
         using (NaN):(NaN) with linespoints lt j title columnheader(1)
unset multiplot
