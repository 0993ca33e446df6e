#!/usr/bin/env bash
# The whole test suite (default + slow tests); `scripts/test.sh -m "not slow"` for the quick part.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m pytest "$@"
