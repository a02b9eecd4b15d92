#!/usr/bin/env bash
# The Civo demo in one command: start a local fake of Civo's API v2 (tests/fakes/fake_civo.py,
# 3 regions, ~2,000 resources), then run examples/civo.yaml against it: an inventory, a scan,
# a cost report and a provisioning dry run. No account, no network beyond 127.0.0.1.
# Usage: scripts/demo-civo.sh   (builds first when ./build/fawkes is missing; FAWKES_BIN picks
# another binary, whose plugins/ directory is then used too)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FAWKES_BIN:-./build/fawkes}
[ -x "$bin" ] || scripts/setup.sh

work=$(mktemp -d)
python3 tests/fakes/fake_civo.py --port 0 > "$work/port" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  [ -s "$work/port" ] && break
  sleep 0.05
done
[ -s "$work/port" ] || { echo "demo-civo: the fake Civo API did not start" >&2; exit 4; }
export CIVO_DEMO_ENDPOINT="http://127.0.0.1:$(head -n1 "$work/port")"
export CIVO_TOKEN=fake-civo-token     # the fake's key; a real key never goes in a script
fawkes() { "$bin" -c examples/civo.yaml --plugin-dir "$(dirname "$bin")/plugins" "$@"; }

echo "== inventory: Kubernetes clusters and databases in 3 regions (fake API at $CIVO_DEMO_ENDPOINT)"
fawkes inventory --kind kubernetes.cluster --kind database.instance
echo
echo "== scan: misconfigurations across every kind (the first 10; findings do not fail the demo)"
fawkes run civo --fail-on none > "$work/findings.txt"
head -n 11 "$work/findings.txt"
echo "   ... $(($(wc -l < "$work/findings.txt") - 1)) lines in all (fawkes -c examples/civo.yaml run civo)"
tail -n 1 "$work/findings.txt"
echo
echo "== cost: this month's billed usage, priced with examples/civo.yaml's prices"
fawkes cost
echo
echo "== provision: a cluster, as a dry run (nothing is sent without --apply)"
fawkes provision cluster create --provider civo-demo --spec examples/civo/cluster.yaml
