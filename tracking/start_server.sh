#!/usr/bin/env bash
# Start an MLflow tracking server with a database backend and a proxied artifact store.
#
#   tracking/start_server.sh                          # sqlite:///tracking/mlflow.db + tracking/artifacts, 127.0.0.1:5000
#   PORT=5001 tracking/start_server.sh
#   BACKEND=postgresql+psycopg://acbench:SECRET@db.internal/mlflow ARTIFACTS=s3://my-bucket/acbench \
#     HOST=0.0.0.0 tracking/start_server.sh           # shared server (put auth/TLS in front of it)
#
# Then, in the shell that runs acbench:  export MLFLOW_TRACKING_URI=http://127.0.0.1:5000
# Environment: BACKEND, ARTIFACTS, HOST, PORT, WORKERS, MLFLOW_BIN (default: the repo's .venv/bin/mlflow).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
backend="${BACKEND:-sqlite:///$here/mlflow.db}"
artifacts="${ARTIFACTS:-$here/artifacts}"
host="${HOST:-127.0.0.1}"
port="${PORT:-5000}"
workers="${WORKERS:-2}"
if [[ -n "${MLFLOW_BIN:-}" ]]; then
  mlflow_bin="$MLFLOW_BIN"
elif [[ -x "$repo/.venv/bin/mlflow" ]]; then
  mlflow_bin="$repo/.venv/bin/mlflow"
else
  mlflow_bin="mlflow"
fi

case "$artifacts" in
  *://*) ;;                       # object store (s3://, gs://, wasbs://...): nothing to create
  *) mkdir -p "$artifacts" ;;
esac

echo "MLflow server: backend=${backend%%://*}://... artifacts=$artifacts on http://$host:$port" >&2
# --artifacts-destination makes the server proxy artifact uploads/downloads (clients need no bucket access).
exec "$mlflow_bin" server \
  --backend-store-uri "$backend" \
  --artifacts-destination "$artifacts" \
  --host "$host" --port "$port" --workers "$workers"
