#!/usr/bin/env bash
# Mutation testing of acbench's core (mutmut 3), one target at a time: see scripts/MUTATION.md.
#   bash scripts/mutation.sh --list | retention | stats | spec | methods | validate | config | resume | sweep | all
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/mutation.py "$@"
