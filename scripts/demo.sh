#!/usr/bin/env bash
# The main job: builds the gateway daemon and runs it on the example config
# (config/examples/gateway.ini: a 100 kHz vibration ADC through two filter chains, 300 polled
# sensors, 20 door contacts) with its data in a temporary directory, in three acts:
#   1. the cloud is unreachable (uploader off): records pile up in RAM and spill to disk;
#   2. SIGTERM: the daemon flushes everything to disk and exits 0;
#   3. a restart recovers the store and the uploader drains the backlog into the local archive
#      (acknowledged after fsync), then a last SIGTERM.
# The daemon prints a status line a second as it goes. Extra arguments go to every daemon run
# (e.g. --http.port=9465). DEMO_SECONDS sets the length of acts 1 and 3 (default 8).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target ss-gatewayd

seconds=${DEMO_SECONDS:-8}
data=$(mktemp -d /tmp/sensor-storage-demo.XXXXXX)
trap 'rm -rf "$data"' EXIT
daemon=./build/default/tools/ss-gatewayd
# A small RAM pool of small sectors (every possible sensor's open sector and one spare for each
# configured one, as the daemon advises) and a low watermark, so the spill shows within seconds.
common=(--config-file=config/examples/gateway.ini "--system.disk_root=$data/store"
        --system.ram_sector_bytes=512 --system.ram_pool_bytes=393216 --system.max_sensors=330
        --system.ram_high_watermark_pct=50 --system.ram_low_watermark_pct=40 --http.port=0 "$@")

run_for() { # seconds, then SIGTERM; the daemon's exit status is returned
  local secs=$1; shift
  "$daemon" "${common[@]}" "$@" &
  local pid=$!
  sleep "$secs"
  kill -TERM "$pid"
  local status=0
  wait "$pid" || status=$?
  return "$status"
}

echo "== act 1: the cloud is unreachable for ${seconds} s — data stays in RAM and spills to disk"
run_for "$seconds" --uploader.transport=none
echo "== act 2: stopped with SIGTERM (exit 0: everything flushed); on disk now:"
du -sh "$data/store" | sed 's/^/   /'
echo "== act 3: restart — recovery, then the uploader drains the backlog to $data/store/archive"
run_for "$seconds" --uploader.transport=archive
lines=$(cat "$data"/store/archive/*.jsonl 2>/dev/null | wc -l)
records=$(grep -ho '"count":[0-9]*' "$data"/store/archive/*.jsonl 2>/dev/null | awk -F: '{n += $2} END {print n + 0}')
echo "== done: the archive holds ${records:-0} records in ${lines} acknowledged batches; first line:"
head -c 200 "$(ls "$data"/store/archive/*.jsonl | head -1)"; echo " ..."
