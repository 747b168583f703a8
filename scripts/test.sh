#!/usr/bin/env bash
# Builds and runs every test suite: the default optimised build, AddressSanitizer + UBSan and
# ThreadSanitizer, the Cortex-M4 build of the freestanding core with its size report and the
# STM32 firmware tests under qemu-system-arm (stm32/README.md), the
# library and its tests cross-built for 32- and 64-bit ARM Linux and run under qemu-user
# (armhf, aarch64: docs/arm-linux.md), and a bounded libFuzzer run of the disk tier's parsers.
# Stage uplink-e2e (not a cmake preset) is the MCU uplink's end-to-end test
# (scripts/e2e-uplink.sh: firmware under QEMU, faulty serial line, ss-gatewayd killed and
# restarted, HTTP receiver), counted as one test.
# Usage: scripts/test.sh [preset ...]
#   (default: default asan tsan cortex-m4 uplink-e2e armhf aarch64 fuzz)
#   SS_FUZZ_SECONDS: seconds per fuzz target (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(default asan tsan cortex-m4 uplink-e2e armhf aarch64 fuzz)

passed=0
failed=0
for preset in "${presets[@]}"; do
  echo "=== ${preset} ==="
  if [ "${preset}" = fuzz ]; then
    ./scripts/fuzz.sh "${SS_FUZZ_SECONDS:-20}"
    continue
  fi
  if [ "${preset}" = uplink-e2e ]; then
    status=0
    ./scripts/e2e-uplink.sh || status=$?
    if [ "${status}" -eq 0 ]; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "${passed} passed, ${failed} failed"
      exit "${status}"
    fi
    continue
  fi
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}"
  if [ "${preset}" = cortex-m4 ]; then
    # The core must never drift into needing an OS: it is built for the MCU on every run, and
    # its footprint is printed so that growth is seen when it happens.
    arm-none-eabi-size -t "build/${preset}/core/libss_core.a"
  fi
  # Every preset has tests; cortex-m4's are firmware images run under qemu-system-arm.
  log=$(mktemp)
  status=0
  ctest --preset "${preset}" 2>&1 | tee "${log}" || status=$?
  # "100% tests passed, 0 tests failed out of 17"
  if line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "${log}" | tail -n 1); then
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"${line}")
    t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"${line}")
    passed=$((passed + t - f))
    failed=$((failed + f))
  fi
  rm -f "${log}"
  if [ "${status}" -ne 0 ]; then
    echo "${passed} passed, ${failed} failed"
    exit "${status}"
  fi
done

# One closing line over every ctest stage run above.
echo "test.sh: ${presets[*]}"
echo "${passed} passed, ${failed} failed"
