#!/usr/bin/env bash
# The main job on the bundled data: set up, train (tracked in MLflow, local SQLite), score, report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DISCREP_HOME="${DISCREP_HOME:-$PWD/work}"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
mkdir -p "$DISCREP_HOME"
start=$(date +%s)
.venv/bin/discrep train "$@"
.venv/bin/discrep score data/examples --out "$DISCREP_HOME/demo"
end=$(date +%s)
cat <<MSG

done in $((end - start)) s
  tracking store : sqlite:///$DISCREP_HOME/mlflow.db   (model registered as discrep-pair, alias @champion)
  outputs        : $DISCREP_HOME/demo/  (claims, incidents, discrepancies, source_pairs, figures .jsonl, run.json)
  report         : $DISCREP_HOME/demo/report.html
  MLflow UI      : DISCREP_HOME=$DISCREP_HOME .venv/bin/discrep ui   then open http://127.0.0.1:5000
MSG
