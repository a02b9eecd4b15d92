#!/usr/bin/env bash
# Install the Debian packages Fawkes needs to build and test (run as root or with sudo).
set -euo pipefail
pkgs=(build-essential cmake pkg-config
      libjansson-dev libyaml-dev libcurl4-openssl-dev libssl-dev liblua5.4-dev
      libsqlite3-dev zlib1g-dev libxml2-dev libmicrohttpd-dev libcmocka-dev
      python3 python3-jsonschema python3-yaml python3-cryptography ca-certificates clang-format
      prometheus prometheus-alertmanager
      clang libclang-rt-dev)  # libFuzzer for the fuzz targets (docs/fuzzing.md)
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm (the e-mail tests' SMTP server): any installed Node will do; Debian's
# packages only when there is none (they conflict with a Node installed from elsewhere).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/deps.sh: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
