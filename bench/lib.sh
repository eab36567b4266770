# bench/lib.sh: helpers shared by bench/run, bench/write and bench/ab (sourced).

# stats "t1 t2 ..." -> "median min max" (seconds, 3 decimals; "- - -" if empty)
stats() {
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{
    if (NR==0) {print "- - -"; exit}
    m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2
    printf "%.3f %.3f %.3f\n", m, a[1], a[NR]}'
}

# elapsed T0 T1 -> seconds between two $EPOCHREALTIME readings
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.4f", b-a}'; }

# The CPU model, as lscpu names it.
cpu_model() { lscpu 2>/dev/null | awk -F: '/Model name/{gsub(/^ +/,"",$2); print $2; exit}'; }
