#!/usr/bin/env bash
# The main job: builds the gateway daemon and runs it on the example config
# (config/examples/gateway.ini: a 100 kHz vibration ADC through two filter chains, 300 polled
# sensors, 20 door contacts) with its data in build/demo (replaced at each run, kept after it so
# that the store can be looked at with ss-store), in three acts:
#   1. the cloud is unreachable (uploader off): records pile up in RAM and spill to disk;
#   2. SIGTERM: the daemon flushes everything to disk and exits 0; ss-store checks the store
#      offline and shows what each sensor holds;
#   3. a restart recovers the store and the uploader drains the backlog over HTTP to a local
#      receiver (tools/ss_receiver.py: it keeps every record exactly once in SQLite and
#      acknowledges once they are committed), then a last SIGTERM.
# The daemon prints a status line a second as it goes, the receiver a line of what it holds. Extra arguments go to every daemon run
# (e.g. --http.port=9465). DEMO_SECONDS sets the length of acts 1 and 3 (default 8).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target ss-gatewayd ss-store

seconds=${DEMO_SECONDS:-8}
data=build/demo
rm -rf "$data"
mkdir -p "$data"
daemon=./build/default/tools/ss-gatewayd
store_tool=./build/default/tools/cli/ss-store
# A small RAM pool of small sectors (every possible sensor's open sector and one spare for each
# configured one, as the daemon advises) and a low watermark, so the spill shows within seconds.
common=("--system.disk_root=$data/store"
        --system.ram_sector_bytes=512 --system.ram_pool_bytes=393216 --system.max_sensors=330
        --system.ram_high_watermark_pct=50 --system.ram_low_watermark_pct=40 --http.port=0 "$@")

run_for() { # seconds, config file, then SIGTERM; the daemon's exit status is returned
  local secs=$1 config=$2; shift 2
  "$daemon" "--config-file=$config" "${common[@]}" "$@" &
  local pid=$!
  sleep "$secs"
  kill -TERM "$pid"
  local status=0
  wait "$pid" || status=$?
  return "$status"
}

receiver=
trap 'if [ -n "$receiver" ]; then kill -TERM "$receiver" 2>/dev/null || true; wait "$receiver" 2>/dev/null || true; fi' EXIT

echo "== act 1: the cloud is unreachable for ${seconds} s — data stays in RAM and spills to disk"
run_for "$seconds" config/examples/gateway.ini --uploader.transport=none
echo "== act 2: stopped with SIGTERM (exit 0: everything flushed); the store checked offline by ss-store:"
du -sh "$data/store" | sed 's/^/   /'
"$store_tool" verify "$data/store" | sed 's/^/   /'
"$store_tool" stats "$data/store" | awk 'NR <= 4 || /^total:/' | sed 's/^/   /'

# The cloud: a receiver on a free loopback port; the example config with it as the destination.
python3 tools/ss_receiver.py --port 0 --db "$data/receiver.sqlite" --port-file "$data/receiver.port" &
receiver=$!
for _ in $(seq 100); do [ -s "$data/receiver.port" ] && break; sleep 0.1; done
port=$(cat "$data/receiver.port")
grep -v '^transport = ' config/examples/gateway.ini > "$data/gateway.ini"
printf '\n[destinations]\ncloud = { kind = %s, url = "http://127.0.0.1:%s/ingest", codec = %s }\n' \
  "'http'" "$port" "'compact'" >> "$data/gateway.ini"
echo "== act 3: restart — recovery, then the uploader drains the backlog to http://127.0.0.1:$port"
run_for "$seconds" "$data/gateway.ini"
kill -TERM "$receiver"
wait "$receiver" || true
receiver=
stored=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM records").fetchone()[0])' "$data/receiver.sqlite")
echo "== done: the receiver holds ${stored} records, each once; the first few:"
python3 -c 'import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute("SELECT gateway, source, sensor, channel, seq, value, time_us, ts_ms FROM records LIMIT 3"): print("  ", r)' "$data/receiver.sqlite"
echo "== the store is kept in $data/store: look inside with"
echo "   $store_tool stats $data/store      (also verify, dump, export: docs/store-tool.md)"
