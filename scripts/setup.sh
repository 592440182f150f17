#!/usr/bin/env bash
# Installs what rackwatch needs on a Debian machine with Node 20+: Debian packages where missing
# (rrdtool + rrdcached for storage, socat for the modem simulator's pseudo-terminals, a C++
# toolchain in case better-sqlite3 has to be built from source), then the npm dependencies.
#   scripts/setup.sh          what the appliance needs
#   scripts/setup.sh --test   also what the tests need (Debian's chromium and a Korean font for the UI tests)
#   scripts/setup.sh --bench  also the benchmarks' baselines (mosquitto, prometheus-node-exporter)
set -euo pipefail
cd "$(dirname "$0")/.."

want=(rrdtool:rrdtool rrdcached:rrdcached socat:socat make:make g++:g++ python3:python3)
for arg in "$@"; do
  case "$arg" in
    --test) want+=(chromium:chromium fc-list:fonts-nanum) ;;
    --bench) want+=(mosquitto:mosquitto prometheus-node-exporter:prometheus-node-exporter) ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for pair in "${want[@]}"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  if [ "$pkg" = fonts-nanum ]; then
    # Korean glyphs for the UI screenshots; chromium renders empty boxes without a CJK font
    dpkg -s fonts-nanum >/dev/null 2>&1 || missing+=("$pkg")
  elif ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ] && [ ! -x "/usr/bin/$cmd" ]; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # the rrdcached package starts a system-wide daemon; rackwatch runs its own instance, so the
  # system one is harmless (and absent where there is no init system)
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or later is needed (found $(node --version))" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
