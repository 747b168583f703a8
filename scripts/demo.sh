#!/usr/bin/env bash
# Builds the library and runs the main job: a simulated gateway writing a few hundred sensors
# into the store while an uploader drains it through a cloud outage.
# Extra arguments go to the demo (see tools/gateway_demo.cpp, e.g. --seconds 20).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target ss_gateway_demo
exec ./build/default/tools/ss_gateway_demo "$@"
