#!/usr/bin/env bash
# Install the pinned Node packages the test fakes use (tests/fakes/package-lock.json: the
# smtp-server the e-mail tests receive mail with) into tests/fakes/node_modules (gitignored).
set -euo pipefail
cd "$(dirname "$0")/../tests/fakes"
npm ci --no-audit --no-fund --loglevel=error
