#!/usr/bin/env bash
# Sets up .venv with the test tools and runs the whole test suite (lint, then pytest).
# Needs the services listed in README.md (the test-suite notes under "Two commands": PostgreSQL, Mosquitto,
# chromium) on 127.0.0.1; with CI=true a missing one fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
echo "• ruff"
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
echo "• pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
