#!/usr/bin/env bash
# The README's second command: set everything up, then build and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npm test
