#!/usr/bin/env bash
# Installs every Debian package Runnel's build, tests and benchmarks need.
# Idempotent: packages already present are skipped; apt is only touched when
# something is missing. Uses sudo when not run as root.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # libraries
  libboost-dev libboost-system-dev libssl-dev libnghttp2-dev zlib1g-dev
  libsimdjson-dev libfmt-dev libspdlog-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # integration-test clients
  python3 python3-boto3 python3-cbor2 awscli
  # misc used by tests and the demo
  curl procps
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js + npm (for the JS SDK tests and the npm peers in bench/): the machine
# image may already carry a newer nodejs whose npm conflicts with Debian's npm
# package, so only install them when the commands are absent.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
