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
# Two passes: most tests on two workers, each test file on one of them and the browser tests together on one
# (tests/conftest.py; much of the suite's time is spent waiting on servers, browsers and subprocesses); then, alone,
# the tests judged by what a solver or a federation reaches within a time limit (marker "serial"), which a second
# worker beside them would starve. Exit status 5 is "no test selected" (a path given with no serial test in it).
echo "• pytest (two workers)"
status=0
.venv/bin/python -m pytest -q -p no:cacheprovider -n 2 -m "not serial" "$@" || status=$?
[[ $status == 5 ]] && status=0
echo "• pytest (timed tests, alone)"
serial=0
.venv/bin/python -m pytest -q -p no:cacheprovider -m serial "$@" || serial=$?
[[ $serial == 5 ]] && serial=0
exit $(( status || serial ))
