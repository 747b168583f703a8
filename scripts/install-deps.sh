#!/usr/bin/env bash
# Installs the Debian packages the build, the tests, the Cortex-M4 core build and the ARM Linux
# cross builds (armhf, aarch64; their tests run under qemu-user) and the STM32 firmware tests
# (qemu-system-arm) need. The tests run real servers
# on loopback (tests/support/local_server.hpp): Prometheus, the mosquitto MQTT broker and its
# clients, InfluxDB 1.x, and the HTTP(S) test receiver (python3, certificates made with openssl;
# python3-zstandard decodes zstd bodies). zlib and libzstd compress upload bodies. The store tool
# (tools/cli) parses its arguments with CLI11 and writes HDF5 (libhdf5); its tests read exports back
# with h5dump (hdf5-tools) and h5py.
# Idempotent and non-interactive; safe to run on every build.
set -euo pipefail

packages=(
  build-essential cmake ninja-build g++-12 pkgconf
  doctest-dev libbenchmark-dev libsqlite3-dev libboost-dev
  clang libclang-rt-14-dev
  libcaf-dev libmicrohttpd-dev libsystemd-dev libabsl-dev
  prometheus systemd curl
  mosquitto mosquitto-clients influxdb python3 openssl libcurl4-openssl-dev libmosquitto-dev
  zlib1g-dev libzstd-dev python3-zstandard
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
  g++-12-arm-linux-gnueabihf g++-12-aarch64-linux-gnu qemu-user
  qemu-system-arm
  libcli11-dev libhdf5-dev hdf5-tools python3-h5py
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
