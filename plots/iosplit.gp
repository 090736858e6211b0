# plots/iosplit.gp: where a disk workload's task time goes: one bar per
# run, reading (and decoding) its input files, computing, encoding and
# writing its outputs, in task seconds (sums over tasks, medians over
# repetitions), with the run's CPU utilisation and the bytes read from the
# device at its end.  datafile: rows: row, read_s, compute_s, write_s,
# cpu_percent, device_read_MiB, "label".  Extra: nruns, xmax.
load plotdir.'/common.gp'
set title chart_title("task time split: read / compute / write (sums over tasks, median of repetitions)")
set xlabel 'task seconds'
unset ylabel
set yrange [nruns-0.5:-0.5]
set xrange [0:xmax * 1.5]
set grid noytics
set ytics scale 0 font ',9'
set lmargin at screen 0.34
set key top right box lc rgb '#cccccc'
set style fill solid 0.85 border lc rgb '#333333'
plot datafile using ($2/2):1:($2/2):(0.35):yticlabel(7) with boxxyerror fc rgb '#4e79a7' title 'read', \
     '' using ($2+$3/2):1:($3/2):(0.35) with boxxyerror fc rgb '#59a14f' title 'compute', \
     '' using ($2+$3+$4/2):1:($4/2):(0.35) with boxxyerror fc rgb '#f28e2b' title 'write', \
     '' using ($2+$3+$4):1:(sprintf(' CPU %.0f%%, %.1f MiB from the device', $5, $6)) \
        with labels left font ',9' notitle
