#!/usr/bin/env bash
# End to end test of the MCU uplink (docs/uplink-protocol.md, "End to end: MCU -> gateway ->
# cloud"): the uplink firmware under qemu-system-arm, a relay injecting byte faults on the serial
# line, a pseudo-terminal, ss-gatewayd reading it as its [uplinks] serial source (SIGKILLed and
# restarted mid-run), its uploader, and tools/ss_receiver.py; every MCU record must reach the
# receiver exactly once with its value (tests/e2e/mcu_uplink_e2e.py).
#
# Two scenarios, two harness runs, both must pass:
#   1. the RAM image (uplink_firmware_test): the daemon SIGKILLed and restarted mid-run;
#   2. the flash image (uplink_flash_firmware_test, its store on a NOR chip in a file): the
#      daemon SIGKILLed at 16 batches acknowledged and the MCU reset (QEMU SIGKILLed and booted
#      again on the same file) at 40; the second boot must send what the chip still holds.
#
# Builds what it needs first: configures the default and cortex-m4 presets if they were never
# configured, then builds only ss-gatewayd, uplink_firmware_test and uplink_flash_firmware_test
# (a no-op when up to date). With SS_GATEWAYD set, that daemon is used and the default preset is
# neither configured nor built (a worktree borrowing another checkout's build).
#
# Usage: scripts/e2e-uplink.sh [harness options ...]
#   defaults: --seed 1 --fault-rate 0.0003; later options override them, e.g. --seed 7,
#   --fault-rate 0.001, --down-for 2, --keep, --verbose (tests/e2e/mcu_uplink_e2e.py --help).
#   Both runs get the same options (e.g. --seed 7 seeds both).
# Environment: SS_QEMU_SYSTEM_ARM  the qemu-system-arm to use (default: the one on PATH).
#              SS_GATEWAYD         an ss-gatewayd binary to use instead of building
#                                  build/default/tools/ss-gatewayd.
# Exit status: the harness's (0 passed, 1 failed), 2 if something it needs is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

qemu=${SS_QEMU_SYSTEM_ARM:-$(command -v qemu-system-arm || true)}
if [ -z "${qemu}" ] || [ ! -x "${qemu}" ]; then
  echo "e2e-uplink: qemu-system-arm not found (scripts/install-deps.sh installs it)" >&2
  exit 2
fi

daemon=${SS_GATEWAYD:-}
if [ -n "${daemon}" ]; then
  if [ ! -x "${daemon}" ]; then
    echo "e2e-uplink: SS_GATEWAYD=${daemon} is not an executable" >&2
    exit 2
  fi
else
  [ -f build/default/CMakeCache.txt ] || cmake --preset default >/dev/null
  cmake --build --preset default --target ss-gatewayd
  daemon=build/default/tools/ss-gatewayd
fi
[ -f build/cortex-m4/CMakeCache.txt ] || cmake --preset cortex-m4 >/dev/null
cmake --build --preset cortex-m4 --target uplink_firmware_test uplink_flash_firmware_test

images=build/cortex-m4/stm32/apps/uplink
status=0
echo "e2e-uplink: scenario 1 of 2: gateway daemon killed and restarted"
python3 tests/e2e/mcu_uplink_e2e.py \
  --qemu "${qemu}" \
  --image "${images}/uplink_firmware_test.elf" \
  --daemon "${daemon}" \
  --seed 1 --fault-rate 0.0003 "$@" || status=$?
echo "e2e-uplink: scenario 2 of 2: gateway daemon killed, then the MCU reset with its flash kept"
python3 tests/e2e/mcu_uplink_e2e.py \
  --qemu "${qemu}" \
  --image "${images}/uplink_flash_firmware_test.elf" \
  --daemon "${daemon}" \
  --seed 1 --fault-rate 0.0003 --kill-at-acked 16 --mcu-reset-at-acked 40 "$@" || status=$?
[ "${status}" -eq 0 ] && echo "e2e-uplink: both scenarios passed"
exit "${status}"
