#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv, then `mlflow run` inside it (no conda needed).
#   bash scripts/run.sh -P method=gptq
#   bash scripts/run.sh -e sweep -P space=sweeps/quick.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"  # MLproject commands call `python`: the project's own
exec mlflow run . --env-manager local "$@"
