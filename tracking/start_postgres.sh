#!/usr/bin/env bash
# A local PostgreSQL cluster in DIR (created on first use) and an MLflow tracking server on it: the shared
# backend of sweeps whose workers run on several machines. Ctrl-C or SIGTERM stops both.
#
#   tracking/start_postgres.sh /srv/acbench-db          # PostgreSQL on 127.0.0.1:5432, MLflow on 127.0.0.1:5000
#   set -a; . /srv/acbench-db/acbench.env; set +a      # then, in the shell that runs acbench:
#   acbench sweep sweeps/quantization.yaml --study q --workers 2 --trials 3
#   tracking/start_postgres.sh /srv/acbench-db stop     # stop a cluster whose script was killed
#
# DIR gets: pgdata/ (the cluster), run/ (its socket), artifacts/ (MLflow's proxied artifact store),
# postgres.log, pgpass (the password of role `acbench`, mode 600) and acbench.env (MLFLOW_TRACKING_URI,
# ACBENCH_OPTUNA_STORAGE, PGPASSFILE; no secret in a URL). Databases: `mlflow` and `optuna`, owned by `acbench`.
# Environment:
#   PGPORT (5432), PG_LISTEN (127.0.0.1; '*' for other machines), PG_ALLOW (a CIDR allowed to connect
#   with the password, e.g. 10.0.0.0/8; none by default), PG_OS_USER (the user PostgreSQL runs as when
#   this script runs as root, which PostgreSQL refuses: nobody), PG_BIN (directory of initdb/pg_ctl),
#   ACBENCH_PG_PASSWORD (default: random, made once), and those of start_server.sh: HOST (127.0.0.1),
#   PORT (5000), WORKERS (2), ARTIFACTS (DIR/artifacts), MLFLOW_BIN. MLFLOW=0 starts PostgreSQL alone;
#   PG_FAST=1 turns fsync off (tests and CI only: a machine crash may then lose the database).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:?usage: start_postgres.sh DIR [stop]}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
pgport="${PGPORT:-5432}"
listen="${PG_LISTEN:-127.0.0.1}"

find_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$found" && -x "$found/initdb" ]]; then echo "$found"; return; fi
  if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
  echo "start_postgres.sh: no initdb found; install PostgreSQL (Debian: apt-get install postgresql) or set PG_BIN" >&2
  exit 2
}
bin="$(find_bin)"

# PostgreSQL refuses to run as root: as root, run its programs as an unprivileged user owning the cluster.
as_pg=()
if [[ "$(id -u)" == 0 ]]; then
  pg_user="${PG_OS_USER:-nobody}"
  as_pg=(runuser -u "$pg_user" --)
  mkdir -p "$dir/pgdata" "$dir/run"
  chown "$pg_user" "$dir/pgdata" "$dir/run"
  chmod 700 "$dir/pgdata" "$dir/run"
  "${as_pg[@]}" test -x "$dir" || chmod a+x "$dir"  # traverse only: DIR's files keep their own modes
  if ! "${as_pg[@]}" test -w "$dir/pgdata"; then
    echo "start_postgres.sh: PostgreSQL runs as '$pg_user', who cannot reach $dir (a parent directory is" \
         "closed to it); choose a directory under /tmp or /srv, or set PG_OS_USER" >&2
    exit 2
  fi
else
  mkdir -p "$dir/pgdata" "$dir/run"
  chmod 700 "$dir/pgdata"
fi
pg_ctl=("${as_pg[@]}" "$bin/pg_ctl" -D "$dir/pgdata")

if [[ "${2:-}" == "stop" ]]; then
  "${pg_ctl[@]}" status >/dev/null 2>&1 && "${pg_ctl[@]}" stop -m fast -w -t 60
  exit 0
fi

if [[ ! -s "$dir/pgdata/PG_VERSION" ]]; then
  password="${ACBENCH_PG_PASSWORD:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
  (umask 077; printf '*:*:*:acbench:%s\n' "$password" > "$dir/pgpass")
  # trust on the socket (its directory is private to the cluster's owner), passwords over TCP
  "${as_pg[@]}" "$bin/initdb" -D "$dir/pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  if [[ -n "${PG_ALLOW:-}" ]]; then
    echo "host all acbench ${PG_ALLOW} scram-sha-256" | "${as_pg[@]}" tee -a "$dir/pgdata/pg_hba.conf" >/dev/null
  fi
  fresh=1
fi
password="$(cut -d: -f5- "$dir/pgpass")"

touch "$dir/postgres.log" && { [[ ${#as_pg[@]} -eq 0 ]] || chown "$pg_user" "$dir/postgres.log"; }
# PG_FAST=1 (tests, CI): no fsync; a crash of the machine may then lose the database
fast="$([[ "${PG_FAST:-0}" == 1 ]] && echo "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" || true)"
"${pg_ctl[@]}" -l "$dir/postgres.log" -w -t 60 \
  -o "-p $pgport -k $dir/run -c listen_addresses='$listen' $fast" start >/dev/null \
  || { tail -n 20 "$dir/postgres.log" >&2; exit 1; }

stop_all() {
  trap - INT TERM EXIT
  if [[ -n "${server_pid:-}" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  "${pg_ctl[@]}" stop -m fast -w -t 60 >/dev/null 2>&1 || true
}
trap stop_all INT TERM EXIT

psql_admin=("$bin/psql" -h "$dir/run" -p "$pgport" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
if [[ -n "${fresh:-}" ]]; then
  "${psql_admin[@]}" -c "CREATE ROLE acbench LOGIN PASSWORD '$password'"
fi
for db in mlflow optuna; do
  if [[ -z "$("${psql_admin[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
    "${psql_admin[@]}" -c "CREATE DATABASE $db OWNER acbench"
  fi
done

client_host="$([[ "$listen" == 127.0.0.1 || "$listen" == localhost ]] && echo 127.0.0.1 || hostname)"
mlflow_host="${HOST:-127.0.0.1}"
url_host="$([[ "$mlflow_host" == 127.0.0.1 ]] && echo 127.0.0.1 || hostname)"
(umask 077; cat > "$dir/acbench.env" <<EOF
MLFLOW_TRACKING_URI=http://$url_host:${PORT:-5000}
ACBENCH_OPTUNA_STORAGE=postgresql+psycopg://acbench@$client_host:$pgport/optuna
PGPASSFILE=$dir/pgpass
EOF
)
echo "PostgreSQL ${bin%/bin} on $listen:$pgport (data $dir/pgdata); client settings in $dir/acbench.env" >&2

if [[ "${MLFLOW:-1}" == 0 ]]; then
  echo "PostgreSQL alone (MLFLOW=0): stop with Ctrl-C or 'start_postgres.sh $dir stop'" >&2
  while true; do sleep 3600 & wait $!; done
fi
# The server reads the password from PGPASSFILE (libpq), so it is not on any command line.
PGPASSFILE="$dir/pgpass" BACKEND="postgresql+psycopg://acbench@127.0.0.1:$pgport/mlflow" \
  ARTIFACTS="${ARTIFACTS:-$dir/artifacts}" bash "$here/start_server.sh" &
server_pid=$!
wait "$server_pid"
