#!/usr/bin/env bash
# Creates .venv with Python 3.11+ and installs sandan (and, with "test", the test tools and Debian's chromium).
# Usage: bash scripts/setup.sh [test]
set -euo pipefail
cd "$(dirname "$0")/.."

py=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    py=$candidate; break
  fi
done
if [[ -z $py ]]; then
  echo "sandan needs Python 3.11 or newer; install it (e.g. apt-get install python3.11) and run this again." >&2
  echo "sandan에는 Python 3.11 이상이 필요합니다." >&2
  exit 1
fi

extras=""
[[ ${1:-} == test ]] && extras="[test]"
if [[ ! -x .venv/bin/python ]]; then
  echo "• creating .venv with $($py --version)"
  "$py" -m venv .venv
fi
stamp=".venv/.sandan-installed$extras"
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "• installing sandan$extras into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extras"
  echo "$want" > "$stamp"
fi
# The job-shop search is compiled by numba once and cached; doing it here keeps it out of the first schedule's time.
.venv/bin/python -c 'from sandan.twin.tabu import compile_ahead; t = compile_ahead(); t > 2 and print(f"• compiled the job-shop search ({t:.0f} s, once)")'

if [[ ${1:-} == test ]]; then
  # Browser tests drive Debian's chromium through Playwright; a browser download by Playwright is not used.
  if [[ ! -x /usr/bin/chromium ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
      echo "• installing Debian's chromium for the browser tests"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "Browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium' once." >&2
      exit 1
    fi
  fi
fi
