#!/usr/bin/env bash
# snapshot_rate.sh: resources/s and peak RSS of `fawkes inventory -o jsonl` through the
# snapshot provider, read as one task and split in chunks, side by side with a python3 json
# read-and-reserialise baseline. Checks both fawkes runs wrote the same set of records.
#
# Usage: bench/snapshot_rate.sh [N]          (N resources, default 100000)
# Environment: FAWKES (binary, default build/fawkes), PLUGIN_DIR (default: plugins/ next to
# the binary), RUNS (default 3; the best run counts), CHUNK_SIZE (the snapshot chunk_size of
# the split run, default 8MiB). Build without sanitizers for figures:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
count=${1:-100000}
runs=${RUNS:-3}
chunk_size=${CHUNK_SIZE:-8MiB}
fawkes=${FAWKES:-$root/build/fawkes}
plugin_dir=${PLUGIN_DIR:-$(dirname "$fawkes")/plugins}

if [ ! -x "$fawkes" ]; then
    echo "snapshot_rate: $fawkes: no fawkes binary; build it (cmake --build build) or set" \
         "FAWKES=/path/to/fawkes" >&2
    exit 2
fi
if [ ! -f "$plugin_dir/snapshot.so" ]; then
    echo "snapshot_rate: $plugin_dir/snapshot.so not found; build the snapshot plugin or set" \
         "PLUGIN_DIR" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fawkes-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
data="$work/resources.jsonl"
python3 "$here/gen_resources.py" "$count" > "$data"
# bench-one.yaml reads the file as one task (the largest chunk_size); bench.yaml splits it.
for config in "one:1GiB" "split:$chunk_size"; do
    cat > "$work/bench-${config%%:*}.yaml" <<YAML
version: 1
plugin_dirs: ["$plugin_dir"]
providers:
  - name: bench
    plugin: snapshot
    config: { paths: ["$data"], chunk_size: "${config#*:}" }
YAML
done

# measure NAME CMD...: run CMD (stdout to $work/out) $runs times; leaves the best wall time
# in seconds in $best and the peak RSS of that run in KiB in $rss.
measure() {
    local name=$1 i start end secs kib
    shift
    best="" rss=""
    for ((i = 1; i <= runs; i++)); do
        start=$(date +%s%N)
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/out" 2> "$work/err" ||
                { echo "snapshot_rate: $name failed:" >&2; cat "$work/err" >&2; exit 1; }
            kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
        else
            kib=$(python3 -c 'import resource, subprocess, sys
with open(sys.argv[1], "w") as out, open(sys.argv[2], "w") as err:
    code = subprocess.run(sys.argv[3:], stdout=out, stderr=err).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)' "$work/out" "$work/err" "$@") ||
                { echo "snapshot_rate: $name failed:" >&2; cat "$work/err" >&2; exit 1; }
        fi
        end=$(date +%s%N)
        secs=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
        if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN {exit !(a < b)}'; then
            best=$secs
            rss=$kib
        fi
    done
    lines=$(wc -l < "$work/out")
    if [ "$lines" -ne "$count" ]; then
        echo "snapshot_rate: $name wrote $lines records, expected $count" >&2
        exit 1
    fi
}

measure "fawkes (one task)" "$fawkes" -c "$work/bench-one.yaml" --log-level error \
    inventory -o jsonl
one_secs=$best one_rss=$rss
LC_ALL=C sort "$work/out" > "$work/one.sorted"
measure "fawkes (chunk_size $chunk_size)" "$fawkes" -c "$work/bench-split.yaml" \
    --log-level error inventory -o jsonl
fawkes_secs=$best fawkes_rss=$rss
LC_ALL=C sort "$work/out" > "$work/split.sorted"
if ! cmp -s "$work/one.sorted" "$work/split.sorted"; then
    echo "snapshot_rate: the split run wrote other records than the one-task run" >&2
    exit 1
fi
measure python3 python3 -c 'import json, sys
write = sys.stdout.write
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            write(json.dumps(json.loads(line), separators=(",", ":")) + "\n")' "$data"
python_secs=$best python_rss=$rss

awk -v n="$count" -v bytes="$(wc -c < "$data")" -v runs="$runs" -v cs="$chunk_size" \
    -v os="$one_secs" -v onr="$one_rss" -v fs="$fawkes_secs" -v fr="$fawkes_rss" \
    -v ps="$python_secs" -v pr="$python_rss" -v cores="$(nproc 2>/dev/null || echo '?')" 'BEGIN {
    printf "snapshot_rate: %d resources (%.1f MB of JSONL), best of %d, %s cores\n", n,
           bytes / 1e6, runs, cores
    printf "%-40s %9s %14s %12s\n", "", "seconds", "resources/s", "peak RSS"
    printf "%-40s %9.3f %14.0f %8.1f MiB\n", "fawkes inventory -o jsonl, one task", os, n / os,
           onr / 1024
    printf "%-40s %9.3f %14.0f %8.1f MiB\n", "fawkes inventory -o jsonl, " cs " chunks", fs,
           n / fs, fr / 1024
    printf "%-40s %9.3f %14.0f %8.1f MiB\n", "python3 json baseline", ps, n / ps, pr / 1024
    printf "chunks/one task: %.2fx the rate (same records)\n", os / fs
    printf "ratio fawkes (chunks)/python: %.2fx the rate, %.2fx the peak memory\n",
           (n / fs) / (n / ps), fr / pr
}'
