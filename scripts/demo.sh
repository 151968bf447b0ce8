#!/usr/bin/env bash
# Sets up .venv and runs `sandan demo`: a live virtual industrial complex and the web UI, on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/sandan demo "$@"
