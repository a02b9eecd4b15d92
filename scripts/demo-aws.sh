#!/usr/bin/env bash
# The AWS demo in one command: start moto (a local AWS emulator) seeded with boto3 by
# tests/fakes/fake_aws_moto.py (3 regions: instances, volumes, security groups, VPCs, RDS,
# S3 buckets, IAM policies), then run examples/aws.yaml against it: an inventory, a scan with
# the starter policies, and a provisioning dry run. No account, no network beyond 127.0.0.1.
# Usage: scripts/demo-aws.sh   (needs moto and boto3; builds first when ./build/fawkes is
# missing; FAWKES_BIN picks another binary, whose plugins/ directory is then used too)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FAWKES_BIN:-./build/fawkes}
[ -x "$bin" ] || scripts/setup.sh
python3 -c "import moto.server, boto3" 2>/dev/null || {
  echo "demo-aws: needs moto and boto3 (Debian: apt-get install python3-boto3; pip install 'moto[server]')" >&2
  exit 4
}

work=$(mktemp -d)
python3 tests/fakes/fake_aws_moto.py --demo > "$work/env" &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null; wait "$moto_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do
  grep -q AWS_DEMO_ENDPOINT "$work/env" 2>/dev/null && break
  kill -0 "$moto_pid" 2>/dev/null || { echo "demo-aws: moto did not start" >&2; exit 4; }
  sleep 0.1
done
# shellcheck disable=SC1091
. "$work/env"   # AWS_DEMO_ENDPOINT, and the demo user's keys (moto's, not real ones)
export AWS_DEMO_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION=us-east-1
fawkes() { "$bin" -c examples/aws.yaml --plugin-dir "$(dirname "$bin")/plugins" "$@"; }

echo "== inventory: databases and buckets in 3 regions (moto at $AWS_DEMO_ENDPOINT)"
fawkes inventory --kind database.instance --kind storage.bucket
echo
echo "== scan: misconfigurations and the starter IAM and storage policies (the first 10)"
fawkes run aws --fail-on none > "$work/findings.txt"
head -n 11 "$work/findings.txt"
echo "   ... $(($(wc -l < "$work/findings.txt") - 1)) lines in all (fawkes -c examples/aws.yaml run aws)"
tail -n 2 "$work/findings.txt"
echo
echo "== provision: a private bucket, as a dry run (nothing is sent without --apply)"
fawkes provision bucket create --provider aws-demo --spec examples/aws/bucket.yaml
