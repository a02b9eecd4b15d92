#!/usr/bin/env bash
# Run every test (unit and integration) with CTest, building first if needed.
# Pass CTest options through, e.g. scripts/test.sh -L unit, or -R config.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x build/fawkes ]; then scripts/setup.sh; fi
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
