#!/usr/bin/env bash
# Starts a private PostgreSQL server for the store's tests and benchmarks (idempotent) and prints the
# line to eval:   eval "$(bash scripts/postgres.sh)"
#   -> export PERSONA_TEST_POSTGRES_URL=postgres://persona:persona@127.0.0.1:5433/postgres
# The cluster lives in $PERSONA_PG_DIR (default /tmp/persona-pg), owned by the `postgres` system user that
# Debian's postgresql package creates; `bash scripts/postgres.sh stop` stops it.
set -euo pipefail
PGDIR=${PERSONA_PG_DIR:-/tmp/persona-pg}
PORT=${PERSONA_PG_PORT:-5433}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "postgres.sh: PostgreSQL is not installed (bash scripts/setup.sh installs Debian's postgresql)" >&2
  exit 1
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "${1:-start}" = stop ]; then
  [ -f "$PGDIR/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$PGDIR" -m fast stop >&2 || true
  exit 0
fi
if [ ! -f "$PGDIR/PG_VERSION" ]; then
  mkdir -p "$PGDIR"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDIR"; fi
  as_pg "$bin/initdb" -D "$PGDIR" -U postgres --auth=trust -E UTF8 >/dev/null
  # Durable commits (the default) and enough connections for parallel tests.
  cat >> "$PGDIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
max_connections = 300
unix_socket_directories = '$PGDIR'
CONF
fi
if ! as_pg "$bin/pg_ctl" -D "$PGDIR" status >/dev/null 2>&1; then
  as_pg "$bin/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w start >/dev/null
fi
as_pg "$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qtAc \
  "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'persona') THEN CREATE ROLE persona LOGIN SUPERUSER PASSWORD 'persona'; END IF; END \$\$;" >/dev/null
echo "export PERSONA_TEST_POSTGRES_URL=postgres://persona:persona@127.0.0.1:$PORT/postgres"
