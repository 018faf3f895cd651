#!/usr/bin/env bash
# Set up zhen in ./.venv.
#   bash setup.sh              for users: zhen with torch (the CPU build)
#   bash setup.sh --dev        also tests and linters
#   bash setup.sh --no-torch   zhen without torch and transformers: runs converted CTranslate2
#                              models only (zhen models convert on a machine with torch, then
#                              zhen models import the converted folder here)
set -euo pipefail
cd "$(dirname "$0")"
DEV=0
TORCH=1
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --no-torch) TORCH=0 ;;
    *) echo "usage: bash setup.sh [--dev] [--no-torch]" >&2; exit 2 ;;
  esac
done
if [ "$DEV" = 1 ] && [ "$TORCH" = 0 ]; then
  echo "setup.sh: --dev needs torch (the tests build tiny models with it)" >&2
  exit 2
fi
# torch's own word on which build it is. -W: on the first set-up torch is imported before numpy
# is installed and warns "Failed to initialize NumPy", which says nothing about the build.
torch_build() {
  .venv/bin/python -W "ignore:Failed to initialize NumPy" -c 'import torch; cuda = torch.version.cuda
print(f"torch {torch.__version__}: " + ("the CPU build" if cuda is None else
      f"the CUDA {cuda} build (a CPU-only machine does not need it: see the README)"))'
}
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=(.venv/bin/python -m pip install -q)
"${PIP[@]}" --upgrade pip
EXTRAS=""
if [ "$TORCH" = 1 ]; then
  if ! .venv/bin/python -c 'import sys, torch; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
    # From the public index torch==2.13.0 is the CUDA build (several GB, 17 nvidia packages),
    # useless without a GPU. Ask the configured index what it would install (metadata only): a
    # CPU build (a local wheel, a mirror of CPU wheels) is taken as it is; anything else comes
    # from PyTorch's CPU index instead, falling back quietly to the configured one where that
    # index cannot be reached.
    choice=$(.venv/bin/python -m pip install -q --dry-run --no-deps --report - "torch==2.13.0" 2>/dev/null || true)
    if printf '%s' "$choice" | grep -Eq '(\+|%2B)cpu'; then
      "${PIP[@]}" "torch==2.13.0"
    else
      "${PIP[@]}" --timeout 10 --retries 0 "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu \
        >/dev/null 2>&1 || "${PIP[@]}" "torch==2.13.0"
    fi
  fi
  torch_build
  EXTRAS="torch"
fi
[ "$DEV" = 1 ] && EXTRAS="${EXTRAS:+$EXTRAS,}dev"
"${PIP[@]}" -e ".${EXTRAS:+[$EXTRAS]}"
echo "zhen is installed in .venv: run .venv/bin/zhen --help"
