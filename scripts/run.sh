#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv, then `mlflow run` inside it (no conda needed).
#   bash scripts/run.sh -P method=gptq
#   bash scripts/run.sh -e sweep -P space=sweeps/quick.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"  # MLproject commands call `python`: the project's own
# Runs go to the `acbench` experiment (as `acbench run` does) unless the caller names one; plain `mlflow run`
# would file them under `Default`.
experiment=(--experiment-name acbench)
for arg in "$@"; do
  case "$arg" in --experiment-name|--experiment-name=*|--experiment-id|--experiment-id=*) experiment=() ;; esac
done
if [ -n "${MLFLOW_EXPERIMENT_NAME:-}${MLFLOW_EXPERIMENT_ID:-}" ]; then experiment=(); fi
exec mlflow run . --env-manager local "${experiment[@]}" "$@"
