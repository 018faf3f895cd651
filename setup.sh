#!/usr/bin/env bash
# Set up zhen in ./.venv. `bash setup.sh` for users, `bash setup.sh --dev` for tests and linters.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch first, pinned: a bare "torch" requirement pulls a CUDA build of several GB.
.venv/bin/python -m pip install -q "torch==2.13.0" || .venv/bin/python -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install -q -e ".[dev]"
else
  .venv/bin/python -m pip install -q -e .
fi
echo "zhen is installed in .venv: run .venv/bin/zhen --help"
