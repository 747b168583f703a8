#!/usr/bin/env bash
# Runs the USART loopback image with USART2 on a UDP socket that sends to itself: every byte the
# firmware sends comes back to its receiver through the host's loopback. The port is a free one
# the kernel picks for this run, so runs never share it or collide with anything else.
# Usage: usart_loopback.sh QEMU IMAGE
set -euo pipefail
qemu=$1
image=$2
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
exec "$qemu" -M netduinoplus2 -nographic -monitor none -serial null \
    -serial "udp:127.0.0.1:${port}@127.0.0.1:${port}" \
    -semihosting-config enable=on,target=native -kernel "$image"
