#!/usr/bin/env bash
# lua_scale.sh: the real command at scale: `fawkes playbook run bench/lua_iterate.lua`, a
# playbook iterating fawkes.inventory{} over N resources read by the snapshot provider,
# timed from process start to exit. Prints N, wall time, resources/s and peak RSS, and, as
# the playbook measured them (fawkes.now), the listing (snapshot -> the run's spill file) and
# the pass over the views (and the two filters with FILTERS=1).
#
# Usage: bench/lua_scale.sh [N]...          (default: 100000 1000000)
# Environment: FAWKES (binary, default build/fawkes), PLUGIN_DIR (default: plugins/ next to
# the binary), FILTERS=1 (also time a where-function and a where-table pass), KEEP_DATA=1
# (keep the generated files in $TMPDIR/fawkes-lua-scale-N.jsonl for the next run).
# The resources file is ~620 bytes per resource (620 MB for 1,000,000), in ${TMPDIR:-/tmp};
# the playbook's spill file (about as large) goes to SQLite's temporary directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
fawkes=${FAWKES:-$root/build/fawkes}
plugin_dir=${PLUGIN_DIR:-$(dirname "$fawkes")/plugins}
filters=${FILTERS:-0}
tmp=${TMPDIR:-/tmp}
if [ $# -eq 0 ]; then
    set -- 100000 1000000
fi

if [ ! -x "$fawkes" ]; then
    echo "lua_scale: $fawkes: no fawkes binary; build it (cmake --build build) or set" \
         "FAWKES=/path/to/fawkes" >&2
    exit 2
fi
if [ ! -f "$plugin_dir/snapshot.so" ]; then
    echo "lua_scale: $plugin_dir/snapshot.so not found; build the snapshot plugin or set" \
         "PLUGIN_DIR" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "lua_scale: /usr/bin/time not found; install it (apt-get install time)" >&2
    exit 2
fi

work=$(mktemp -d "$tmp/fawkes-lua-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

printf "lua_scale: fawkes playbook run bench/lua_iterate.lua (fawkes.inventory{}), %s cores\n" \
    "$(nproc 2>/dev/null || echo '?')"
printf "%10s %9s %13s %12s %10s %10s\n" "N" "wall s" "resources/s" "peak RSS" "listing s" "pass s"
for count in "$@"; do
    data="$tmp/fawkes-lua-scale-$count.jsonl"
    if [ ! -s "$data" ]; then
        python3 "$here/gen_resources.py" "$count" > "$data.part"
        mv "$data.part" "$data"
    fi
    cat > "$work/bench.yaml" <<YAML
version: 1
plugin_dirs: ["$plugin_dir"]
providers:
  - name: bench
    plugin: snapshot
    config: { paths: ["$data"] }
playbooks: { instructions: 100000000000, timeout: 24h }
state: "$work/state.db"
security: { audit_log: "$work/audit.jsonl" }
YAML
    start=$(date +%s%N)
    if ! /usr/bin/time -v -o "$work/time.txt" "$fawkes" -c "$work/bench.yaml" --log-level error \
        playbook run "$here/lua_iterate.lua" --var "filters=$filters" -o json \
        > "$work/out.json" 2> "$work/err"; then
        echo "lua_scale: the playbook failed at N=$count:" >&2
        cat "$work/err" "$work/out.json" >&2
        exit 1
    fi
    end=$(date +%s%N)
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    python3 - "$work/out.json" "$count" "$start" "$end" "$kib" <<'PY'
import json, sys
out, count = json.load(open(sys.argv[1])), int(sys.argv[2])
wall = (int(sys.argv[4]) - int(sys.argv[3])) / 1e9
report = out["report"][0]
seen = report["all"]["matched"]
if seen != count or out["matched"] != count:
    sys.exit("lua_scale: the playbook saw %d resources (matched %d), expected %d"
             % (seen, out["matched"], count))
if "callback" in report and report["callback"]["matched"] != report["table_filter"]["matched"]:
    sys.exit("lua_scale: the where function and the where table matched %d and %d resources"
             % (report["callback"]["matched"], report["table_filter"]["matched"]))
print("%10d %9.2f %13.0f %8.1f MiB %10.2f %10.2f" % (
    count, wall, count / wall, int(sys.argv[5]) / 1024, report["listing"]["seconds"],
    report["all"]["seconds"]))
for name in ("callback", "table_filter"):
    if name in report:
        r = report[name]
        print("%10s %s pass: %.2f s, %.1f us/resource, %d matched"
              % ("", "where = function" if name == "callback" else "where = {table}",
                 r["seconds"], r["seconds"] / count * 1e6, r["matched"]))
PY
    if [ "${KEEP_DATA:-0}" != 1 ]; then
        rm -f "$data"
    fi
done
