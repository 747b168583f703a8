#!/usr/bin/env bash
# Builds the libFuzzer targets (the disk tier's parsers, the actor config file's loader, the compact
# upload codec's decoder, the MCU uplink's frame receiver) with clang
# (ASan + UBSan) and runs each for a bounded time on a temporary copy of its seed corpus
# (tests/fuzz/README.md).
#
# Usage: scripts/fuzz.sh [seconds per target, default 30] [target ...]
#   targets: fuzz_meta fuzz_unit_scanner fuzz_config fuzz_compact fuzz_uplink_frame (default: all five)
# Environment:
#   SS_FUZZ_BUILD_DIR  the clang build directory        (default: build/fuzz)
#   SS_FUZZ_OUT        where crash inputs and logs go    (default: <build dir>/out)
#
# Exits non-zero if any target found a crash or broke an invariant; the input that did it is left
# in $SS_FUZZ_OUT/<target>/ (crash-*, leak-*, timeout-*, oom-*) with the command to replay it.
# Needs clang, libclang-rt-14-dev and libcaf-dev (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)

seconds=${1:-30}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [seconds per target] [fuzz_meta|fuzz_unit_scanner|fuzz_config|fuzz_compact|fuzz_uplink_frame ...]" >&2
  exit 2
fi
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_meta fuzz_unit_scanner fuzz_config fuzz_compact fuzz_uplink_frame)

build_dir=${SS_FUZZ_BUILD_DIR:-build/fuzz}
out_dir=${SS_FUZZ_OUT:-$build_dir/out}
mkdir -p "$build_dir" "$out_dir"
build_dir=$(cd "$build_dir" && pwd)
out_dir=$(cd "$out_dir" && pwd)

for tool in clang clang++ cmake ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found; run scripts/install-deps.sh" >&2; exit 1; }
done

# A separate clang build: only the fuzz targets are built (they compile the code they fuzz
# themselves), so the benchmarks and tools are switched off; the tests directory must be on, as it
# holds them, and the actor runtime too, as fuzz_config links Debian's CAF (g++-built; see
# tests/fuzz/CMakeLists.txt for what that takes under clang 14).
echo "=== configure ${build_dir} (clang, SS_FUZZ=ON) ==="
cmake -S "$src" -B "$build_dir" -G Ninja \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSS_FUZZ=ON -DSS_BUILD_TESTS=ON -DSS_BUILD_BENCH=OFF -DSS_BUILD_TOOLS=OFF -DSS_BUILD_ACTORS=ON -DSS_SANITIZE= >/dev/null
echo "=== build ${targets[*]} ==="
cmake --build "$build_dir" --target "${targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/ss-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

failed=()
summary=()
for target in "${targets[@]}"; do
  case "$target" in
    fuzz_meta) name=meta; max_len=256 ;;
    fuzz_unit_scanner) name=scanner; max_len=20000 ;; # room for a few 4096-byte units
    fuzz_config) name=config; max_len=12000 ;;         # room for config/examples/gateway.ini
    fuzz_compact) name=compact; max_len=4096 ;;        # a few hundred records, names of any length
    fuzz_uplink_frame) name=uplink; max_len=4096 ;;    # several frames, one longer than the receiver's buffer
    *) echo "fuzz.sh: unknown target $target" >&2; exit 2 ;;
  esac
  bin="$build_dir/tests/fuzz/$target"
  [ -x "$bin" ] || { echo "fuzz.sh: $bin was not built (is clang the C++ compiler?)" >&2; exit 1; }

  # A copy of the seed corpus, which the fuzzer grows; the regressions are read-only extra seeds.
  corpus="$work/$name"
  mkdir -p "$corpus"
  cp "$src/tests/fuzz/corpus/$name/"* "$corpus/"
  # The example configurations are seeds too: they reach every section.
  [ "$name" != config ] || cp "$src/config/examples/"*.ini "$corpus/"
  artifacts="$out_dir/$target"
  mkdir -p "$artifacts"
  log="$artifacts/last-run.log"
  stamp="$work/$name.start"
  touch "$stamp"

  echo "=== ${target}: ${seconds} s ==="
  set +e
  "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "$src/tests/fuzz/regressions/$name" 2>&1 | tee "$log" | grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|==|SUMMARY|fuzz_|artifact_prefix|Test unit written)'
  rc=${PIPESTATUS[0]}
  set -e

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1)
  summary+=("${target}: ${execs:-?} execs, ${speed:-?} exec/s, ${cov:-no coverage line}, corpus grew to $(find "$corpus" -type f | wc -l) inputs")

  found=$(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer "$stamp" 2>/dev/null || true)
  if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
    failed+=("$target")
    echo "!!! ${target} failed (exit ${rc}); log: ${log}" >&2
    for f in $found; do
      echo "!!! input: $f" >&2
      echo "    replay:             $bin $f" >&2
      echo "    make it a regression: cp $f $src/tests/fuzz/regressions/$name/<what-it-shows>.bin" >&2
    done
  fi
done

echo "=== summary ==="
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs under ${out_dir})" >&2
  exit 1
fi
echo "fuzz.sh: no crash in ${targets[*]} (${seconds} s each)"
