#!/usr/bin/env bash
# run_scale.sh: what a user runs, at the scale users have. For each N (default 100000 and
# 1000000) it generates N normalized resources (bench/gen_resources.py) and measures, process
# start to exit, with /usr/bin/time -v:
#   1. `fawkes run -o table` over the chain snapshot -> misconfig -> the starter pack, with a
#      fresh state file (first run: every finding new), then again (every finding open);
#   2. `fawkes policy eval --policy policies --input FILE -o jsonl > /dev/null`, beside the
#      Python baseline (bench/policy_baseline.py --decisions, writing the same JSONL);
#   3. `fawkes playbook run bench/lua_iterate.lua`: a playbook iterating fawkes.inventory{}
#      over the same resources (bench/lua_scale.sh times its phases apart).
# It prints N, wall, resources/s, peak RSS, the state file's growth and the CPU time (user +
# system: on a machine shared with other work, the wall time rises and the CPU time does not)
# for each.
#
# usage: bench/run_scale.sh [N]...         e.g. bench/run_scale.sh 20000 100000
#   FAWKES   the binary                      (default build/fawkes)
#   PLUGINS  the plugin directory            (default build/plugins)
#   TIMEOUT  seconds each command may take   (default 1800; a run past it is reported so)
#   SKIP_BASELINE=1  skip the Python baseline
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
FAWKES=${FAWKES:-$root/build/fawkes}
PLUGINS=${PLUGINS:-$root/build/plugins}
TIMEOUT=${TIMEOUT:-1800}
[ $# -gt 0 ] || set -- 100000 1000000
[ -x "$FAWKES" ] || { echo "run_scale.sh: $FAWKES not found; build first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run_scale.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
export FAWKES_NOW=${FAWKES_NOW:-2026-11-23T12:00:00Z}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure NAME N CMD...: run CMD under /usr/bin/time -v (stdout to /dev/null), print a row.
measure() {
  local name=$1 n=$2 before=0 after=0 rc=0
  shift 2
  [ -e "$tmp/state.db" ] && before=$(du -cb "$tmp"/state.db* | tail -1 | cut -f1)
  timeout "$TIMEOUT" /usr/bin/time -v -o "$tmp/time.txt" "$@" > /dev/null 2> "$tmp/err.txt" || rc=$?
  [ -e "$tmp/state.db" ] && after=$(du -cb "$tmp"/state.db* | tail -1 | cut -f1)
  if [ "$rc" -eq 124 ]; then
    printf '%-28s %9d %10s %12s %10s %12s %9s  (timed out after %ss)\n' "$name" "$n" - - - - - "$TIMEOUT"
    return
  fi
  python3 - "$name" "$n" "$rc" "$before" "$after" "$tmp/time.txt" <<'PY'
import re, sys
name, n, rc, before, after, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
text = open(path).read()
wall = re.search(r"Elapsed \(wall clock\) time.*: (.*)", text).group(1)
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss_mib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
growth = (after - before) / 2**20
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1)) + \
    float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
print("%-28s %9d %9.1fs %12.0f %9.1fMiB %+11.1fMiB %8.1fs  exit %d"
      % (name, n, seconds, n / seconds if seconds else 0, rss_mib, growth, cpu, rc))
PY
}

cat > "$tmp/chain.yaml" <<YAML
version: 1
plugin_dirs: [$PLUGINS]
providers:
  - {name: estate, plugin: snapshot, config: {paths: [$tmp/resources.jsonl]}}
scanners:
  - {name: baseline, plugin: misconfig}
policies:
  - {name: starter, plugin: policy, config: {paths: [$root/policies]}}
chains:
  - {name: estate, providers: [estate], scanners: [baseline], policies: [starter]}
state: $tmp/state.db
YAML
# the playbook's own config: its state file apart, so the run's growth is the run's alone
cat > "$tmp/playbook.yaml" <<YAML
version: 1
plugin_dirs: [$PLUGINS]
providers:
  - {name: bench, plugin: snapshot, config: {paths: [$tmp/resources.jsonl]}}
playbooks: {instructions: 100000000000, timeout: 1800s}
state: $tmp/playbook-state.db
security: {audit_log: $tmp/audit.jsonl}
YAML

printf '%-28s %9s %10s %12s %10s %12s %9s\n' "command" "N" "wall" "resources/s" "peak RSS" \
  "state growth" "CPU"
for n in "$@"; do
  python3 "$here/gen_resources.py" "$n" > "$tmp/resources.jsonl"
  rm -f "$tmp"/state.db*
  measure "run -o table (first)" "$n" "$FAWKES" -c "$tmp/chain.yaml" run -o table --fail-on none
  measure "run -o table (again)" "$n" "$FAWKES" -c "$tmp/chain.yaml" run -o table --fail-on none
  measure "policy eval -o jsonl" "$n" "$FAWKES" --plugin-dir "$PLUGINS" policy eval \
    --policy "$root/policies" --input "$tmp/resources.jsonl" -o jsonl --fail-on none
  if [ "${SKIP_BASELINE:-0}" != 1 ]; then
    measure "python baseline (decisions)" "$n" python3 "$here/policy_baseline.py" --decisions \
      "$root/policies" "$tmp/resources.jsonl"
  fi
  measure "playbook inventory{} loop" "$n" "$FAWKES" -c "$tmp/playbook.yaml" playbook run \
    "$here/lua_iterate.lua"
done
