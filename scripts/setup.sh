#!/usr/bin/env bash
# Create .venv (if missing or stale) with the CPU build of torch first, then discrep and its tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
stamp=.venv/.discrep-installed
want=$(cat pyproject.toml setup.py scripts/setup.sh | sha256sum | cut -c1-16)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setting up .venv (about 90 s on a fresh machine)..." >&2
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
# torch first: the CPU wheel; otherwise sentence-transformers pulls a multi-GB CUDA build
.venv/bin/python -m pip install -q "torch==2.13.0" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q -e ".[dev,spark,onnx]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import discrep, torch, sentence_transformers, sklearn, mlflow, hydra, datasets" \
  || { echo "setup failed: see pip output above" >&2; exit 1; }
echo "$want" > "$stamp"
