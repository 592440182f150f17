#!/usr/bin/env bash
# The README's first command: set everything up, build, and run the appliance with a local agent
# on loopback (data under ./var). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run demo
