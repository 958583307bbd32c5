#!/usr/bin/env bash
# A local PostgreSQL 17 with pgvector for Sift's tests, run from a chroot.
#
# Debian 12 packages no pgvector, so this builds (once) a minimal Debian
# stable root with postgresql-17 and postgresql-17-pgvector in it, and runs
# the server from there as the chroot's postgres user, on 127.0.0.1 only, on a
# port that never clashes with a system PostgreSQL. Needs root.
#
#   .ci/postgres.sh [start]   build the root if missing, start the server if it
#                             is not running (idempotent), print the URL
#   .ci/postgres.sh stop      stop the server (fast shutdown)
#   .ci/postgres.sh restart   stop, then start
#   .ci/postgres.sh url       print the URL without starting anything
#   .ci/postgres.sh status    exit 0 when the server accepts connections
#
# The URL (last line of start's output) is what SIFT_TEST_DATABASE_URL or
# --database-url take. Environment: SIFT_PG_ROOT (default
# /var/lib/sift-pg-root, outside the repository so clean clones reuse it),
# SIFT_PG_PORT (default 55432; each port is a cluster of its own, which
# is how the restart test gets a server it may stop without disturbing the
# other tests).
set -euo pipefail

ROOT="${SIFT_PG_ROOT:-/var/lib/sift-pg-root}"
PORT="${SIFT_PG_PORT:-55432}"
PGBIN=/usr/lib/postgresql/17/bin
HOME_DIR=/var/lib/sift-pg/$PORT # one cluster per port, so tests can run a second
PGDATA=$HOME_DIR/data
LOG=$HOME_DIR/server.log
URL="postgres://sift:sift@127.0.0.1:${PORT}/sift?sslmode=disable"

say() { echo "postgres.sh: $*" >&2; }

# mirror prints the first Debian mirror of the machine's own apt configuration.
mirror() {
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  if [ -z "$m" ]; then
    say "no Debian mirror found in /etc/apt; cannot build the root"; exit 1
  fi
  echo "$m"
}

build_root() {
  if [ -x "$ROOT$PGBIN/postgres" ] && [ -f "$ROOT/usr/share/postgresql/17/extension/vector.control" ]; then
    return
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  local tmp="$ROOT.partial"
  rm -rf "$tmp"
  say "building $ROOT with debootstrap (about a minute)"
  debootstrap --variant=minbase --include=postgresql-17,postgresql-17-pgvector \
    stable "$tmp" "$(mirror)" >"$tmp.log" 2>&1 || {
    say "debootstrap failed; last lines of $tmp.log:"; tail -n 20 "$tmp.log" >&2; exit 1
  }
  rm -f "$tmp.log"
  mv "$tmp" "$ROOT"
}

mounts() {
  mkdir -p "$ROOT/proc" "$ROOT/dev/shm"
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  mountpoint -q "$ROOT/dev/shm" || mount -t tmpfs -o size=512m,mode=1777 tmpfs "$ROOT/dev/shm"
  local n
  for n in null zero random urandom; do
    if [ ! -c "$ROOT/dev/$n" ]; then
      rm -f "$ROOT/dev/$n"
      touch "$ROOT/dev/$n"
      mount --bind "/dev/$n" "$ROOT/dev/$n"
    fi
  done
}

# as_postgres runs a shell command in the chroot as its postgres user.
as_postgres() {
  local uid gid
  uid=$(awk -F: '$1 == "postgres" {print $3}' "$ROOT/etc/passwd")
  gid=$(awk -F: '$1 == "postgres" {print $4}' "$ROOT/etc/passwd")
  chroot --userspec="$uid:$gid" "$ROOT" env -i HOME=/tmp PATH="$PGBIN:/usr/bin:/bin" \
    LANG=C.UTF-8 /bin/sh -c "$1"
}

running() {
  [ -d "$ROOT$PGDATA" ] || return 1
  as_postgres "pg_isready -q -h 127.0.0.1 -p $PORT" >/dev/null 2>&1
}

init_cluster() {
  if [ -f "$ROOT$PGDATA/PG_VERSION" ]; then
    return
  fi
  mkdir -p "$ROOT$HOME_DIR"
  chroot "$ROOT" chown postgres:postgres /var/lib/sift-pg "$HOME_DIR"
  say "initdb"
  as_postgres "echo postgres > $HOME_DIR/pw && initdb -D $PGDATA -U postgres --pwfile=$HOME_DIR/pw \
    -A scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >$HOME_DIR/initdb.log && rm $HOME_DIR/pw"
  cat >>"$ROOT$PGDATA/postgresql.conf" <<CONF
# Sift test server (.ci/postgres.sh)
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '/tmp'
max_connections = 300
shared_buffers = 256MB
maintenance_work_mem = 512MB
CONF
}

start() {
  build_root
  mounts
  init_cluster
  if running; then
    say "already running on 127.0.0.1:$PORT"
  else
    say "starting PostgreSQL 17 on 127.0.0.1:$PORT"
    # A server killed a moment ago may still be exiting and hold its lock
    # file: one more try after it is gone.
    as_postgres "pg_ctl -D $PGDATA -l $LOG -w -t 60 start >/dev/null" ||
      { sleep 3; as_postgres "pg_ctl -D $PGDATA -l $LOG -w -t 60 start >/dev/null"; } || {
      say "start failed; last lines of $ROOT$LOG:"; tail -n 20 "$ROOT$LOG" >&2; exit 1
    }
  fi
  as_postgres "psql -h /tmp -p $PORT -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt" <<'SQL' >/dev/null
SET client_min_messages = warning;
SELECT 'CREATE ROLE sift LOGIN PASSWORD ''sift'' CREATEDB' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sift') \gexec
SELECT 'CREATE DATABASE sift OWNER sift' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'sift') \gexec
\c sift
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
SQL
  echo "$URL"
}

stop() {
  if [ -f "$ROOT$PGDATA/postmaster.pid" ]; then
    as_postgres "pg_ctl -D $PGDATA -m fast -w stop >/dev/null" || true
  fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
restart) stop; start ;;
url) echo "$URL" ;;
status) running ;;
*) echo "usage: $0 [start|stop|restart|url|status]" >&2; exit 2 ;;
esac
