#!/usr/bin/env bash
# One command for a newcomer: install the dependencies and build Fawkes into ./build.
# Then run the demo: ./build/fawkes -c examples/demo.yaml run
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/npm-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo ${FAWKES_CMAKE_ARGS:-}
cmake --build build -j "$(nproc)"
echo "scripts/setup.sh: built ./build/fawkes and the plugins in ./build/plugins" >&2
