#!/usr/bin/env bash
# End to end test of the MCU uplink (docs/uplink-protocol.md, "End to end: MCU -> gateway ->
# cloud"): the uplink firmware under qemu-system-arm, a relay injecting byte faults on the serial
# line, a pseudo-terminal, ss-gatewayd reading it as its [uplinks] serial source (SIGKILLed and
# restarted mid-run), its uploader, and tools/ss_receiver.py; every MCU record must reach the
# receiver exactly once with its value (tests/e2e/mcu_uplink_e2e.py).
#
# Builds what it needs first: configures the default and cortex-m4 presets if they were never
# configured, then builds only ss-gatewayd and uplink_firmware_test (a no-op when up to date).
#
# Usage: scripts/e2e-uplink.sh [harness options ...]
#   defaults: --seed 1 --fault-rate 0.0003; later options override them, e.g. --seed 7,
#   --fault-rate 0.001, --down-for 2, --keep, --verbose (tests/e2e/mcu_uplink_e2e.py --help).
# Environment: SS_QEMU_SYSTEM_ARM  the qemu-system-arm to use (default: the one on PATH).
# Exit status: the harness's (0 passed, 1 failed), 2 if something it needs is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

qemu=${SS_QEMU_SYSTEM_ARM:-$(command -v qemu-system-arm || true)}
if [ -z "${qemu}" ] || [ ! -x "${qemu}" ]; then
  echo "e2e-uplink: qemu-system-arm not found (scripts/install-deps.sh installs it)" >&2
  exit 2
fi

for preset in default cortex-m4; do
  [ -f "build/${preset}/CMakeCache.txt" ] || cmake --preset "${preset}" >/dev/null
done
cmake --build --preset default --target ss-gatewayd
cmake --build --preset cortex-m4 --target uplink_firmware_test

status=0
python3 tests/e2e/mcu_uplink_e2e.py \
  --qemu "${qemu}" \
  --image build/cortex-m4/stm32/apps/uplink/uplink_firmware_test.elf \
  --daemon build/default/tools/ss-gatewayd \
  --seed 1 --fault-rate 0.0003 "$@" || status=$?
exit "${status}"
