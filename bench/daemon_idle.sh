#!/usr/bin/env bash
# The daemon's idle cost (issue 10's benchmark): ss-gatewayd with 300 slow sensors (polled once
# a second, RAM + disk tier, archive uploader) — CPU as % of one core and RSS over a measured
# window after a warm-up — and with config/examples/sensors-2048.ini — RSS, CPU and the storage
# manager's longest tick (from /metrics). Both run from temporary directories.
#
#   cmake --build --preset default --target ss-gatewayd && bench/daemon_idle.sh [seconds, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
daemon=./build/default/tools/ss-gatewayd
[ -x "$daemon" ] || { echo "build ss-gatewayd first (cmake --build --preset default --target ss-gatewayd)" >&2; exit 1; }
work=$(mktemp -d /tmp/ss-idle.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
tck=$(getconf CLK_TCK)

cat > "$work/idle-300.ini" <<'INI'
[system]
max_sensors = 320
ram_pool_bytes = 2097152
[daemon]
status_interval = 0s
[sources]
temp_bus = { kind = 'sim_poll', period = 1s, signal = 'noise', amplitude = 40.0, offset = 1400.0 }
hum_bus = { kind = 'sim_poll', period = 1s, signal = 'ramp' }
[sensors]
temp = { source = "temp_bus", id = 1, count = 200, valid = [0.0, 4095.0] }
hum = { source = "hum_bus", id = 1001, count = 100, valid = [0.0, 4095.0] }
[uploader]
period = 1s
[scheduler]
policy = 'sharing'
max-threads = 2
INI

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

measure() { # name config
  local name=$1 config=$2 port dir="$work/run$RANDOM"
  mkdir -p "$dir"
  "$daemon" --config-file="$config" "--system.disk_root=$dir" --http.port=0 \
    --daemon.status_interval=0s >"$dir.log" 2>&1 &
  local pid=$!
  sleep 5 # start-up and the first readings of every sensor
  port=$(sed -n 's|.*serving /health and /metrics on http://127.0.0.1:\([0-9]*\).*|\1|p' "$dir.log")
  local t0 c0 t1 c1
  t0=$(date +%s.%N); c0=$(cpu_ticks "$pid")
  sleep "$seconds"
  t1=$(date +%s.%N); c1=$(cpu_ticks "$pid")
  local rss tick sensors
  rss=$(rss_kib "$pid")
  tick=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^sensor_storage_manager_tick_max_seconds / {printf "%.2f", $2 * 1000}')
  sensors=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^sensor_storage_sensors_registered / {print $2}')
  kill -TERM "$pid"; wait "$pid"
  awk -v n="$name" -v s="$sensors" -v c="$((c1 - c0))" -v hz="$tck" -v a="$t0" -v b="$t1" -v r="$rss" -v t="$tick" \
    'BEGIN { printf "%-22s sensors=%-5s cpu=%.2f%% of a core  rss=%.1f MiB  longest tick=%s ms\n", n, s, 100 * c / hz / (b - a), r / 1024, t }'
}

echo "ss-gatewayd idle cost, ${seconds} s measured after 5 s of warm-up ($(nproc) CPUs)"
measure "300 slow sensors" "$work/idle-300.ini"
measure "2048 sensors (example)" config/examples/sensors-2048.ini
