#!/usr/bin/env bash
# check-format: every C source and header git tracks follows .clang-format (CI runs this).
# --fix rewrites the files in place instead. Needs clang-format (scripts/deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
    echo "check-format: clang-format not found: run scripts/deps.sh (Debian: apt-get install clang-format)" >&2
    exit 2
fi
# examples/plugins/hello is what scripts/new-plugin writes from templates/plugin, and stays so.
mapfile -t files < <(git ls-files '*.c' '*.h' ':!:examples/plugins/hello/*')
if [ "${1:-}" = "--fix" ]; then
    clang-format -i "${files[@]}"
    exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
    echo "check-format: the files above differ from .clang-format: run scripts/check-format.sh --fix" >&2
    exit 1
fi
echo "check-format: ${#files[@]} files follow .clang-format" >&2
