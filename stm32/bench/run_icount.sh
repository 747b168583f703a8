#!/usr/bin/env bash
# Instruction counts on the Cortex-M4 under QEMU: runs a benchmark image (store_icount_bench.elf
# unless told) under qemu-system-arm -M netduinoplus2 with the icount plugin and prints the table
# (README.md in this directory).
#
#   stm32/bench/run_icount.sh [--image NAME] [--mhz F]    builds the cortex-m4 preset (image
#                                 NAME, default store_icount_bench, and the plugin), runs it
#   run_icount.sh --elf F --plugin P [--nm NM] [--qemu Q] [--mhz F]   runs what is given (ctest)
#
# --mhz F adds the median and max in microseconds at F MHz, taking one instruction per cycle:
# a lower bound on the time (flash wait states, loads, taken branches and exception entry cost
# more), printed as such.
#
# Exit status: 0 with a table; 1 if the plugin did not load, the run failed, or the counts are
# missing or absurd (a calibration row not exact, a count of zero or over a million), or a gated
# row is over its budget (the image says which rows are gated; the others only print OVER).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
elf="" plugin="" nm=arm-none-eabi-nm qemu=qemu-system-arm image=store_icount_bench mhz=0
while [ $# -gt 0 ]; do
  case "$1" in
    --elf) elf=$2; shift 2 ;;
    --plugin) plugin=$2; shift 2 ;;
    --nm) nm=$2; shift 2 ;;
    --qemu) qemu=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --mhz) mhz=$2; shift 2 ;;
    *) echo "usage: $0 [--image NAME | --elf IMAGE --plugin PLUGIN.so [--nm NM] [--qemu QEMU]] [--mhz F]" >&2; exit 2 ;;
  esac
done

if [ -z "$elf" ]; then
  root=$(cd "$here/../.." && pwd)
  (cd "$root" && cmake --preset cortex-m4 >/dev/null &&
     cmake --build --preset cortex-m4 --target "$image" icount_plugin >/dev/null)
  elf=$root/build/cortex-m4/stm32/bench/$image.elf
  plugin=$root/build/cortex-m4/stm32/bench/icount_plugin.so
fi
[ -f "$elf" ] || { echo "run_icount: no image $elf" >&2; exit 1; }
[ -f "$plugin" ] || { echo "run_icount: no plugin $plugin" >&2; exit 1; }

mark=$("$nm" "$elf" | awk '$3 == "ss_bench_mark" { print $1 }')
[ -n "$mark" ] || { echo "run_icount: no ss_bench_mark in $elf" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
timeout 50 "$qemu" -M netduinoplus2 -nographic -monitor none -serial null \
  -semihosting-config enable=on,target=native \
  -plugin "$plugin,mark=0x$mark,out=$tmp/counts" -kernel "$elf" >"$tmp/console" 2>&1 || status=$?
if [ "$status" -ne 0 ] || ! grep -q '^# icount_plugin:' "$tmp/counts" 2>/dev/null; then
  echo "run_icount: the run failed (status $status) or the plugin did not load" >&2
  cat "$tmp/console" >&2
  exit 1
fi

# The image writes "series <name> <samples> <divisor> <budget> <expected> gated|reported" lines and
# "bench samples <n>"; the plugin one count per marker. Sample j is the count at marker 2 j.
awk -v image="$(basename "$elf")" -v mhz="$mhz" '
  function sort(a, n,   i, j, t) { for (i = 2; i <= n; ++i) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; --j) a[j + 1] = a[j]; a[j + 1] = t } }
  function bad(why) { print "run_icount: " why > "/dev/stderr"; failed = 1 }
  FNR == NR {
    if ($1 == "series") { ++ns; name[ns] = $2; reps[ns] = $3; div[ns] = $4; budget[ns] = $5; expect[ns] = $6; gated[ns] = $7 == "gated" }
    else if ($1 == "bench" && $2 == "samples") declared = $3
    else if ($1 == "bench") bad("the image says: " $0)
    else if (NF > 0) note[++nn] = $0
    next
  }
  /^# icount_plugin:/ { header = $0; next }
  /^# markers/ { markers = $3; total = $5; next }
  /^#/ { next }
  { ++nd; if (nd % 2 == 0) sample[nd / 2] = $1 }
  END {
    nsamples = nd / 2
    if (ns == 0 || declared == "" || nd % 2 != 0 || nsamples != declared || markers != nd)
      bad("counts do not match the image (" nd " marker counts, " declared " samples declared)")
    if (failed) exit 1
    k = 0
    for (s = 1; s <= ns; ++s) {
      for (i = 1; i <= reps[s]; ++i) raw[s, i] = sample[++k]
    }
    if (k != nsamples) { bad("series do not add up to the samples"); exit 1 }
    # The marker pair (the first series): what every other row has subtracted.
    n = reps[1]; for (i = 1; i <= n; ++i) v[i] = raw[1, i]; sort(v, n)
    base = v[1]
    if (v[n] != base || base <= 0 || base > 10) bad("the marker pair is not constant and small (" v[1] ".." v[n] ")")
    printf "%s, icount plugin (%s)\n", image, substr(header, 18)
    for (i = 1; i <= nn; ++i) print "image: " note[i]
    printf "instructions between markers, less the marker pair (%d); per record where the row says so\n\n", base
    if (mhz > 0) printf "us: at %s MHz, one instruction per cycle: a LOWER BOUND on the time\n\n", mhz
    if (mhz > 0) printf "%-28s %9s %9s %9s %7s %9s %9s  %s\n", "operation", "median", "min", "max", "budget", "us med", "us max", "verdict (on max)"
    else printf "%-28s %9s %9s %9s %7s  %s\n", "operation", "median", "min", "max", "budget", "verdict (on max)"
    for (s = 1; s <= ns; ++s) {
      n = reps[s]
      for (i = 1; i <= n; ++i) v[i] = (s == 1 ? raw[s, i] : (raw[s, i] - base) / div[s])
      sort(v, n)
      med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      verdict = "-"
      if (expect[s] > 0) {
        verdict = (v[1] == expect[s] && v[n] == expect[s]) ? "exact (expected " expect[s] ")" : "WRONG (expected " expect[s] ")"
        if (verdict ~ /^WRONG/) bad("calibration " name[s] " is not exact: the counter is wrong")
      } else if (s > 1) {
        if (v[1] <= 0 || v[n] > 1000000) bad(name[s] ": absurd count " v[1] ".." v[n])
        if (budget[s] > 0) verdict = v[n] <= budget[s] ? "PASS" : (gated[s] ? "OVER (gated: fails the run)" : "OVER (reported)")
        if (budget[s] > 0 && v[n] > budget[s] && gated[s]) bad(name[s] ": " v[n] " instructions, over its budget of " budget[s])
      } else verdict = "subtracted from the rows below"
      num = div[s] > 1 ? "%9.1f" : "%9d"
      label = s == 1 ? name[s] " (raw)" : name[s]
      b = budget[s] > 0 ? budget[s] : "-"
      if (mhz > 0) {
        fmt = "%-28s " num " " num " " num " %7s %9.2f %9.2f  %s\n"
        printf fmt, label, med, v[1], v[n], b, med / mhz, v[n] / mhz, verdict
      } else {
        fmt = "%-28s " num " " num " " num " %7s  %s\n"
        printf fmt, label, med, v[1], v[n], b, verdict
      }
    }
    printf "\n%d samples, %d instructions in the whole run\n", nsamples, total
    exit failed
  }
' "$tmp/console" "$tmp/counts"
