#!/usr/bin/env bash
# The GCP demo in one command: start local fakes of Google's APIs (tests/fakes/fake_gcp.py: the
# token endpoint, Compute, Storage, GKE, Cloud SQL, Resource Manager; 2 projects, ~400
# resources), write a service-account key for them and a billing export, then run
# examples/gcp.yaml: an inventory, a scan, a cost report and a provisioning dry run. No
# account, no network beyond 127.0.0.1.
# Usage: scripts/demo-gcp.sh   (builds first when ./build/fawkes is missing; FAWKES_BIN picks
# another binary, whose plugins/ directory is then used too)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FAWKES_BIN:-./build/fawkes}
[ -x "$bin" ] || scripts/setup.sh

work=$(mktemp -d)
python3 tests/fakes/fake_gcp.py --port 0 --per-zone 40 --key-file "$work/key.json" \
  --billing-export "$work/billing.jsonl" > "$work/port" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 200); do
  [ -s "$work/port" ] && [ -s "$work/key.json" ] && [ -s "$work/billing.jsonl" ] && break
  sleep 0.05
done
[ -s "$work/billing.jsonl" ] || { echo "demo-gcp: the fake Google APIs did not start" >&2; exit 4; }
export GCP_DEMO_ENDPOINT="http://127.0.0.1:$(head -n1 "$work/port")"
export GCP_DEMO_BILLING_EXPORT="$work/billing.jsonl"
# the fake's own key (made at start); a real key never goes in a script
export GOOGLE_APPLICATION_CREDENTIALS="$work/key.json"
export CLOUDSDK_CONFIG="$work/gcloud"
fawkes() { "$bin" -c examples/gcp.yaml --plugin-dir "$(dirname "$bin")/plugins" "$@"; }

echo "== inventory: GKE clusters and Cloud SQL instances in 2 projects (fakes at $GCP_DEMO_ENDPOINT)"
fawkes inventory --kind kubernetes.cluster --kind database.instance
echo
echo "== scan: misconfigurations across every kind (the first 10; findings do not fail the demo)"
fawkes run gcp --fail-on none > "$work/findings.txt"
head -n 11 "$work/findings.txt"
echo "   ... $(($(wc -l < "$work/findings.txt") - 1)) lines in all (fawkes -c examples/gcp.yaml run gcp)"
tail -n 1 "$work/findings.txt"
echo
echo "== cost: the last 30 days from the billing export"
fawkes cost --from "$(date -u -d '30 days ago' +%Y-%m-%d)" --to "$(date -u +%Y-%m-%d)" | tail -n 8
echo
echo "== provision: a bucket, as a dry run (nothing is sent without --apply)"
fawkes provision bucket create --provider gcp-demo --spec examples/gcp-bucket.yaml
