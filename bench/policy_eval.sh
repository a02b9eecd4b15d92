#!/usr/bin/env bash
# policy_eval.sh: evaluate the starter pack (policies/) over N generated resources with the
# real policy plugin on one thread (bench/policy_bench.c), and over the same file with the
# Python 3 baseline (bench/policy_baseline.py); check that both reached the same decisions
# and print decisions/s, rule x resource evaluations/s, peak RSS and the ratios.
#
# usage: bench/policy_eval.sh [N]          (default 1000000)
#   BENCH     the policy_bench binary      (default build/bench/policy_bench)
#   PLUGIN    policy.so                    (default build/plugins/policy.so)
#   POLICIES  the pack                     (default policies)
#   BASELINE_N  documents the Python baseline judges, the first of the same file
#               (default 200000; 0 = all N)
#   CHECK_N   documents both engines judge with per-rule counts compared (default 100000)
#
# Then, end to end (process start to exit, what a user waits for): the whole
# `fawkes policy eval -o jsonl` command beside `policy_baseline.py --decisions`, which writes
# the same JSONL decisions (same keys, same order; checked on the first CHECK_N resources
# by comparing the sorted lines byte for byte), both to /dev/null, over the first E2E_N
# resources of the same file, timed with /usr/bin/time -v (wall, peak RSS).
#   E2E_N     resource counts for the end-to-end runs, space-separated (default "100000";
#             "" skips them; each at most N)
#   FAWKES    the fawkes binary             (default: fawkes next to the plugin dir's parent)
#   JOBS      fawkes --jobs                 (default 8: as many threads as CPUs)
#   RUNS      end-to-end runs of fawkes; the fastest counts (default 3; python runs once)
set -euo pipefail
N=${1:-1000000}
BENCH=${BENCH:-build/bench/policy_bench}
PLUGIN=${PLUGIN:-build/plugins/policy.so}
POLICIES=${POLICIES:-policies}
BASELINE_N=${BASELINE_N:-200000}
CHECK_N=${CHECK_N:-100000}
E2E_N=${E2E_N-100000}
FAWKES=${FAWKES:-$(dirname "$(dirname "$PLUGIN")")/fawkes}
JOBS=${JOBS:-8}
RUNS=${RUNS:-3}
export FAWKES_NOW=${FAWKES_NOW:-2026-11-23T12:00:00Z}
here=$(cd "$(dirname "$0")" && pwd)
for f in "$BENCH" "$PLUGIN"; do
  [ -e "$f" ] || { echo "policy_eval.sh: $f not found; build first (cmake --build build)" >&2; exit 2; }
done
python3 -c 'import yaml' 2>/dev/null ||
  { echo "policy_eval.sh: the baseline needs PyYAML (apt-get install python3-yaml)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=$tmp/resources.jsonl
echo "policy_eval: generating $N resources (bench/gen_resources.py)..." >&2
python3 "$here/gen_resources.py" "$N" > "$data"
[ "$CHECK_N" -gt "$N" ] && CHECK_N=$N
head -n "$CHECK_N" "$data" > "$tmp/check.jsonl"
echo "policy_eval: checking both engines decide the same on $CHECK_N resources..." >&2
"$BENCH" "$PLUGIN" "$POLICIES" "$tmp/check.jsonl" --per-rule > "$tmp/c_check.json"
python3 "$here/policy_baseline.py" "$POLICIES" "$tmp/check.jsonl" > "$tmp/py_check.json"
echo "policy_eval: fawkes over $N resources..." >&2
"$BENCH" "$PLUGIN" "$POLICIES" "$data" > "$tmp/c.json"
if [ "$BASELINE_N" -eq 0 ] || [ "$BASELINE_N" -gt "$N" ]; then BASELINE_N=$N; fi
echo "policy_eval: python baseline over the first $BASELINE_N..." >&2
python3 "$here/policy_baseline.py" --limit "$BASELINE_N" "$POLICIES" "$data" > "$tmp/py.json"
python3 - "$tmp" "$N" <<'PY'
import json, os, sys
tmp, n = sys.argv[1], int(sys.argv[2])
load = lambda name: json.load(open(os.path.join(tmp, name)))
cc, pc, c, p = load("c_check.json"), load("py_check.json"), load("c.json"), load("py.json")
if cc["rules"] != pc["rules"] or cc["effects"] != pc["effects"]:
    diff = sorted(r for r in set(cc["rules"]) | set(pc["rules"])
                  if cc["rules"].get(r) != pc["rules"].get(r))
    sys.exit("policy_eval: the engines disagree on %s" % ", ".join(diff[:10]))
if c["effects"]["error"]:
    sys.exit("policy_eval: %d error decisions" % c["effects"]["error"])
rules = p["rule_count"]
print("policy_eval: %d policies, %d rules (%s), FAWKES_NOW=%s, one thread"
      % (p["policies"], rules, "policies/", os.environ["FAWKES_NOW"]))
print("same decisions on the first %d resources: %d, per rule and effect (deny %d, warn %d, "
      "allow %d, error %d)" % (cc["documents"], cc["decisions"], *(cc["effects"][k] for k in
                                ("deny", "warn", "allow", "error"))))
print("%-22s %10s %9s %9s %12s %14s %14s %10s" % ("", "resources", "eval cpu", "eval wall",
      "resources/s", "decisions/s", "rule x res/s", "peak RSS"))
rows = []
for name, r in (("fawkes (policy.so)", c), ("python3 baseline", p)):
    cpu = r["eval_cpu_seconds"]
    rate = (r["documents"] / cpu, r["decisions"] / cpu, r["documents"] * rules / cpu)
    rows.append(rate)
    print("%-22s %10d %8.2fs %8.2fs %12.0f %14.0f %14.0f %7.1f MiB" % (
        name, r["documents"], cpu, r["eval_seconds"], *rate, r["peak_rss_kib"] / 1024))
print("decisions/s: the rules actually evaluated (rules of policies whose match holds), "
      "one decision each")
print("rule x res/s: resources x %d rules judged (by the policy's match, then its rules)" % rules)
print("fawkes parse (jansson): %.2fs for %d lines; python json: %.2fs for %d" % (
    c["parse_seconds"], c["documents"], p["parse_seconds"], p["documents"]))
print("ratio fawkes/python (eval CPU time per resource): %.1fx" % (rows[0][0] / rows[1][0]))
PY

[ -n "$E2E_N" ] || exit 0
[ -x "$FAWKES" ] || { echo "policy_eval.sh: $FAWKES not found; set FAWKES" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "policy_eval.sh: end to end needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
plugin_dir=$(dirname "$PLUGIN")
fawkes_eval=("$FAWKES" --plugin-dir "$plugin_dir" policy eval --policy "$POLICIES" -o jsonl
             --fail-on none --jobs "$JOBS" --input)
echo "policy_eval: end to end: checking both commands write the same decisions on $CHECK_N resources..." >&2
"${fawkes_eval[@]}" "$tmp/check.jsonl" | LC_ALL=C sort > "$tmp/e2e_f.jsonl"
python3 "$here/policy_baseline.py" --decisions "$POLICIES" "$tmp/check.jsonl" 2>/dev/null |
  LC_ALL=C sort > "$tmp/e2e_p.jsonl"
cmp -s "$tmp/e2e_f.jsonl" "$tmp/e2e_p.jsonl" ||
  { echo "policy_eval.sh: fawkes policy eval and policy_baseline.py --decisions wrote different decisions" >&2; exit 1; }
echo "same JSONL decisions, byte for byte, on the first $CHECK_N resources: $(wc -l < "$tmp/e2e_f.jsonl") lines"
# /usr/bin/time -v's wall clock (h:mm:ss or m:ss.ss) and peak RSS, as "seconds kib"
timed() {
  /usr/bin/time -v -o "$tmp/time.txt" "$@" > /dev/null 2>> "$tmp/stderr.txt" ||
    { echo "policy_eval.sh: $* failed (see below)" >&2; cat "$tmp/stderr.txt" >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = t[n] + 60 * t[n - 1];
      if (n == 3) s += 3600 * t[1]; w = s } /Maximum resident/ { m = $2 }
      END { print w, m }' "$tmp/time.txt"
}
printf '%-50s %9s %9s %12s %10s\n' "end to end, output to /dev/null" resources wall resources/s "peak RSS"
for n in $E2E_N; do
  [ "$n" -gt "$N" ] && n=$N
  input=$data
  if [ "$n" -lt "$N" ]; then input=$tmp/e2e_$n.jsonl; head -n "$n" "$data" > "$input"; fi
  best=
  for _ in $(seq "$RUNS"); do
    read -r w m < <(timed "${fawkes_eval[@]}" "$input")
    if [ -z "$best" ] || awk "BEGIN { exit !($w < ${best%% *}) }"; then best="$w $m"; fi
  done
  read -r fw fm <<< "$best"
  read -r pw pm < <(timed python3 "$here/policy_baseline.py" --decisions "$POLICIES" "$input")
  awk -v n="$n" -v fw="$fw" -v fm="$fm" -v pw="$pw" -v pm="$pm" -v jobs="$JOBS" -v runs="$RUNS" 'BEGIN {
    printf "%-50s %9d %8.2fs %12.0f %6.1f MiB\n", "fawkes policy eval -o jsonl (--jobs " jobs ", best of " runs ")", n, fw, n / fw, fm / 1024
    printf "%-50s %9d %8.2fs %12.0f %6.1f MiB\n", "policy_baseline.py --decisions", n, pw, n / pw, pm / 1024
    printf "ratio end to end at %d: %.1fx the python wall time, %.2fx its peak memory\n", n, pw / fw, fm / pm }'
done
