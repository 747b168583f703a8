#!/usr/bin/env bash
# Builds and runs every test suite: the default optimised build, AddressSanitizer + UBSan and
# ThreadSanitizer, the Cortex-M4 build of the freestanding core with its size report, and a
# bounded libFuzzer run of the disk tier's parsers.
# Usage: scripts/test.sh [preset ...]   (default: default asan tsan cortex-m4 fuzz)
#   SS_FUZZ_SECONDS: seconds per fuzz target (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(default asan tsan cortex-m4 fuzz)

for preset in "${presets[@]}"; do
  echo "=== ${preset} ==="
  if [ "${preset}" = fuzz ]; then
    ./scripts/fuzz.sh "${SS_FUZZ_SECONDS:-20}"
    continue
  fi
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}"
  if [ "${preset}" = cortex-m4 ]; then
    # The core must never drift into needing an OS: it is built for the MCU on every run, and
    # its footprint is printed so that growth is seen when it happens.
    arm-none-eabi-size -t "build/${preset}/core/libss_core.a"
  else
    ctest --preset "${preset}"
  fi
done
