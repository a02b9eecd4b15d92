#!/usr/bin/env bash
# civo_inventory.sh: wall time of a full Civo inventory against the fake Civo API with a fixed
# latency per request, one worker (--jobs 1) side by side with eight (--jobs 8), and the
# ratio. Checks both runs wrote the same resources, all of them, with the same requests.
#
# Usage: bench/civo_inventory.sh [PER_REGION]     (resources per region, default 2000)
# Environment: FAWKES (binary, default build/fawkes), PLUGIN_DIR (default: plugins/ next to
# the binary), LATENCY_MS (default 50), JOBS (the parallel side, default 8), RUNS (default 1;
# the best run counts), FIREWALL_TASKS (the civo option, default 4). Build without sanitizers for figures:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
per_region=${1:-2000}
latency_ms=${LATENCY_MS:-50}
jobs=${JOBS:-8}
runs=${RUNS:-1}
fawkes=${FAWKES:-$root/build/fawkes}
plugin_dir=${PLUGIN_DIR:-$(dirname "$fawkes")/plugins}

if [ ! -x "$fawkes" ] || [ ! -f "$plugin_dir/civo.so" ]; then
    echo "civo_inventory: need $fawkes and $plugin_dir/civo.so: build them (cmake --build" \
         "build) or set FAWKES / PLUGIN_DIR" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fawkes-bench.XXXXXX")
python3 "$root/tests/fakes/fake_civo.py" --port 0 --per-region "$per_region" \
    --latency-ms "$latency_ms" > "$work/port" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "civo_inventory: the fake Civo API did not start" >&2; exit 1; }
base="http://127.0.0.1:$(head -n1 "$work/port")"

# limits.concurrency is the provider's cap on tasks and requests in flight: it is set to the
# parallel side's --jobs, so --jobs alone decides how many run at once.
cat > "$work/bench.yaml" <<YAML
version: 1
plugin_dirs: ["$plugin_dir"]
providers:
  - name: bench
    plugin: civo
    config: { token: "\${env:BENCH_CIVO_TOKEN}", endpoint: "$base",
              firewall_tasks: ${FIREWALL_TASKS:-4} }
    limits: { concurrency: $jobs }
security:
  egress_allow: ["127.0.0.1"]
YAML
export BENCH_CIVO_TOKEN=fake-civo-token

# fake_call METHOD PATH: a control request to the fake (python3, no curl needed).
fake_call() {
    python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[2] + sys.argv[3], method=sys.argv[1], data=b"" if sys.argv[1] == "POST" else None)
print(urllib.request.urlopen(req).read().decode())' "$1" "$base" "$2"
}

# measure N: run the inventory with --jobs N $runs times; leaves the best seconds in $best,
# the request count of that run in $requests, and the sorted uids in $work/uids-N.
measure() {
    local n=$1 i start end secs
    best=""
    for ((i = 1; i <= runs; i++)); do
        fake_call POST /_fake/reset > /dev/null
        start=$(date +%s%N)
        "$fawkes" -c "$work/bench.yaml" inventory -o jsonl --jobs "$n" > "$work/out" \
            2> "$work/err" || { echo "civo_inventory: --jobs $n failed:" >&2; cat "$work/err" >&2; exit 1; }
        end=$(date +%s%N)
        secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        if [ -z "$best" ] || awk -v s="$secs" -v b="$best" 'BEGIN { exit !(s < b) }'; then
            best=$secs
            requests=$(fake_call GET /_fake/counts |
                python3 -c 'import json, sys; print(json.load(sys.stdin)["requests"])')
            python3 -c 'import json, sys
print("\n".join(sorted(json.loads(l)["uid"] for l in open(sys.argv[1]) if l.strip())))' \
                "$work/out" > "$work/uids-$n"
        fi
    done
}

measure 1
one_secs=$best one_requests=$requests
measure "$jobs"
par_secs=$best par_requests=$requests

expected=$((3 * per_region))
for n in 1 "$jobs"; do
    got=$(wc -l < "$work/uids-$n")
    [ "$got" -eq "$expected" ] || { echo "civo_inventory: --jobs $n wrote $got resources, expected $expected" >&2; exit 1; }
done
cmp -s "$work/uids-1" "$work/uids-$jobs" || { echo "civo_inventory: the two runs wrote different resources" >&2; exit 1; }

printf 'civo_inventory: 3 regions x %d resources, %d ms per request, best of %d, %d cores\n' \
    "$per_region" "$latency_ms" "$runs" "$(nproc)"
printf '%-28s %10s %10s %12s\n' "" seconds requests resources
printf '%-28s %10s %10s %12s\n' "fawkes inventory --jobs 1" "$one_secs" "$one_requests" "$expected"
printf '%-28s %10s %10s %12s\n' "fawkes inventory --jobs $jobs" "$par_secs" "$par_requests" "$expected"
awk -v a="$one_secs" -v b="$par_secs" -v j="$jobs" \
    'BEGIN { printf "ratio --jobs %d / --jobs 1: %.2fx faster (same resources, same requests)\n", j, a / b }'
