#!/usr/bin/env bash
# The store tool against reading the same files raw, in the same run (docs/benchmarks.md,
# "Store tool"): a store of MIB mebibytes over SENSORS sensors is written with the library
# (store_tool_make_store), then each operation runs RUNS times with the files in the page cache
# and the median is compared with the median of a raw read of every data file (cat > /dev/null).
# Ratios above 1 mean faster than the raw read. Nothing here fails on time.
#   bench/store_tool_bench.sh [--build DIR] [--mib 256] [--sensors 2048] [--runs 3] [--keep]
# SS_BENCH_DIR: where the store and the exports go (default: a temporary directory under /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/default
mib=256
sensors=2048
runs=3
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    --sensors) sensors=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "store_tool_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done

make_store="${build}/bench/store_tool_make_store"
tool="${build}/tools/cli/ss-store"
for f in "${make_store}" "${tool}"; do
  [ -x "${f}" ] || { echo "store_tool_bench: ${f} missing; build the targets store_tool_make_store and ss-store" >&2; exit 2; }
done

work=$(mktemp -d "${SS_BENCH_DIR:-/tmp}/ss-store-bench.XXXXXX")
[ "${keep}" = 1 ] || trap 'rm -rf "${work}"' EXIT
store="${work}/store"

echo "store_tool_bench: writing ${mib} MiB over ${sensors} sensors into ${store}"
"${make_store}" "${store}" "${mib}" "${sensors}"
data_bytes=$(find "${store}" -name '*.dat' -printf '%s\n' | awk '{s += $1} END {print s}')

# Median wall time in seconds of RUNS runs of the command.
median_seconds() {
  local times=()
  for _ in $(seq "${runs}"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null
    t1=$(date +%s.%N)
    times+=("$(awk -v a="${t0}" -v b="${t1}" 'BEGIN {print b - a}')")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

raw_read() { find "${store}" -name '*.dat' -print0 | xargs -0 cat > /dev/null; }

raw_read # into the page cache
raw=$(median_seconds raw_read)
verify_full=$(median_seconds "${tool}" verify "${store}" --level full)
verify_quick=$(median_seconds "${tool}" verify "${store}" --level quick)
# The tool refuses to overwrite an export: each run starts without one.
export_to() { rm -f "$2"; "${tool}" export "${store}" --format "$1" --out "$2"; }
export_csv=$(median_seconds export_to csv "${work}/export.csv")
export_hdf5=$(median_seconds export_to hdf5 "${work}/export.h5")
csv_bytes=$(stat -c %s "${work}/export.csv")
h5_bytes=$(stat -c %s "${work}/export.h5")

echo
echo "store: ${data_bytes} bytes of data files, ${sensors} sensors; median of ${runs} runs, files in the page cache"
printf '%-22s %10s %12s %14s %14s\n' operation seconds "MB/s" "ratio to raw" "output bytes"
row() {
  awk -v name="$1" -v t="$2" -v out="$3" -v bytes="${data_bytes}" -v raw="${raw}" \
    'BEGIN {printf "%-22s %10.3f %12.1f %14.2f %14s\n", name, t, bytes / t / 1e6, raw / t, out}'
}
row "raw read (cat)" "${raw}" -
row "verify --level full" "${verify_full}" -
row "verify --level quick" "${verify_quick}" -
row "export csv" "${export_csv}" "${csv_bytes}"
row "export hdf5" "${export_hdf5}" "${h5_bytes}"
