#!/usr/bin/env bash
# isolation_cost.sh: what `isolation: process` costs on the snapshot provider: times
# `fawkes inventory -o jsonl >/dev/null` over the same estate with `isolation: none` (the
# plugin in the fawkes process) and `isolation: process` (the plugin in child processes that
# stream every record back over a pipe), and prints wall time, peak RSS and the ratios.
# Checks both modes wrote the same records (same count, same order-independent digest).
#
# Usage: bench/isolation_cost.sh [N]          (N resources, default 1000000)
# Environment: FAWKES (binary, default build/fawkes), PLUGIN_DIR (default: plugins/ next to
# the binary), RUNS (default 3; the best run counts), CHUNK_SIZE (snapshot chunk_size,
# default 8MiB), CONCURRENCY (the instance's limits.concurrency: tasks, and so processes, in
# flight; default 4). Build without sanitizers for figures:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
count=${1:-1000000}
runs=${RUNS:-3}
chunk_size=${CHUNK_SIZE:-8MiB}
concurrency=${CONCURRENCY:-4}
fawkes=${FAWKES:-$root/build/fawkes}
plugin_dir=${PLUGIN_DIR:-$(dirname "$fawkes")/plugins}

if [ ! -x "$fawkes" ]; then
    echo "isolation_cost: $fawkes: no fawkes binary; build it (cmake --build build) or set" \
         "FAWKES=/path/to/fawkes" >&2
    exit 2
fi
if [ ! -f "$plugin_dir/snapshot.so" ]; then
    echo "isolation_cost: $plugin_dir/snapshot.so not found; build the snapshot plugin or set" \
         "PLUGIN_DIR" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "isolation_cost: /usr/bin/time not found (Debian: apt-get install time)" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fawkes-isobench.XXXXXX")
trap 'rm -rf "$work"' EXIT
data="$work/resources.jsonl"
python3 "$here/gen_resources.py" "$count" > "$data"
for mode in none process; do
    cat > "$work/$mode.yaml" <<YAML
version: 1
plugin_dirs: ["$plugin_dir"]
providers:
  - name: bench
    plugin: snapshot
    isolation: $mode
    config: { paths: ["$data"], chunk_size: "$chunk_size" }
    limits: { concurrency: $concurrency }
YAML
done

# measure MODE: run fawkes $runs times with stdout to /dev/null under /usr/bin/time -v,
# sampling the RSS of fawkes and all its descendants every 20 ms. Prints "wall peak_kib
# total_kib cpu_s" of the fastest run: peak is /usr/bin/time's maximum resident set (the
# largest single process), total the largest sum over fawkes and its children seen at once,
# cpu the user + system time of fawkes and its children (the children are reaped by fawkes,
# so their time is counted): on a machine shared with other work the wall time moves with
# the load, the CPU time much less.
measure() {
    python3 - "$runs" "$work/time.txt" "$fawkes" -c "$work/$1.yaml" --log-level error \
        inventory -o jsonl <<'PY'
import os, subprocess, sys, time

runs, time_file, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]

def tree_rss_kib(root):
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry) as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        parents[int(entry)] = int(fields.get("PPid", "0"))
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(p for p, parent in parents.items() if parent == pid)
    return total

best = None
for _ in range(runs):
    start = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", time_file] + cmd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    total = 0
    while proc.poll() is None:
        total = max(total, tree_rss_kib(proc.pid))
        time.sleep(0.02)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode()
    if proc.returncode != 0:
        sys.exit("isolation_cost: fawkes failed (exit %d): %s" % (proc.returncode, err))
    with open(time_file) as f:
        fields = dict(l.strip().split(": ", 1) for l in f if ": " in l)
    peak = int(fields["Maximum resident set size (kbytes)"])
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    if best is None or wall < best[0]:
        best = (wall, peak, total, cpu)
print("%.3f %d %d %.2f" % best)
PY
}

# digest MODE: "COUNT DIGEST" of what one more run writes (order-independent: tasks
# interleave), to check both modes wrote the same records.
digest() {
    "$fawkes" -c "$work/$1.yaml" --log-level error inventory -o jsonl | python3 -c '
import hashlib, sys
n = acc = 0
for line in sys.stdin.buffer:
    n += 1
    acc ^= int.from_bytes(hashlib.sha1(line).digest()[:8], "big")
print(n, "%016x" % acc)'
}

read -r none_secs none_peak none_total none_cpu < <(measure none)
read -r proc_secs proc_peak proc_total proc_cpu < <(measure process)
none_digest=$(digest none)
proc_digest=$(digest process)
if [ "$none_digest" != "$proc_digest" ] || [ "${none_digest%% *}" -ne "$count" ]; then
    echo "isolation_cost: the runs wrote different records: none $none_digest," \
         "process $proc_digest (expected $count)" >&2
    exit 1
fi

awk -v n="$count" -v bytes="$(wc -c < "$data")" -v runs="$runs" -v cs="$chunk_size" \
    -v conc="$concurrency" -v ns="$none_secs" -v np="$none_peak" -v nt="$none_total" \
    -v ps="$proc_secs" -v pp="$proc_peak" -v pt="$proc_total" -v nc="$none_cpu" \
    -v pc="$proc_cpu" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    -v cores="$(nproc 2>/dev/null || echo '?')" 'BEGIN {
    printf "isolation_cost: %d resources (%.1f MB of JSONL), chunk_size %s, concurrency %d, " \
           "best of %d, %s cores, load %s\n", n, bytes / 1e6, cs, conc, runs, cores, load
    printf "%-10s %9s %14s %9s %16s %16s\n", "isolation", "wall s", "resources/s", "CPU s",
           "peak RSS (max)", "RSS (all procs)"
    printf "%-10s %9.3f %14.0f %9.2f %12.1f MiB %12.1f MiB\n", "none", ns, n / ns, nc,
           np / 1024, nt / 1024
    printf "%-10s %9.3f %14.0f %9.2f %12.1f MiB %12.1f MiB\n", "process", ps, n / ps, pc,
           pp / 1024, pt / 1024
    printf "cost of isolation: %+.1f%% wall time (%.3fx), %+.1f%% CPU time, %.2fx the peak " \
           "RSS of the largest process, %.2fx summed over processes (same %d records)\n",
           (ps / ns - 1) * 100, ps / ns, (pc / nc - 1) * 100, pp / np, pt / nt, n
}'
