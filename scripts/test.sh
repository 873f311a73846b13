#!/usr/bin/env bash
# The test command (README, and CI's .ci/run): set up everything, lint, type-check,
# run the whole test suite (unit, goldens, real parsers, SSH, lab, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
.venv/bin/ruff check netorch tests benchmarks examples
.venv/bin/mypy
MYPYPATH=tests/plugin .venv/bin/mypy -p netorch_flatcli  # the test platform plugin
.venv/bin/python -m pytest "$@"
