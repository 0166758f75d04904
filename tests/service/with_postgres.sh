#!/usr/bin/env bash
# with_postgres.sh COMMAND [ARG...] — runs COMMAND against a throw-away
# PostgreSQL cluster: initdb in a temporary directory, a server listening
# only on a Unix socket in that directory (no TCP port to collide with a
# real server or a parallel test), a database pqcha_test, and
# PQCHA_TEST_STORE_URL naming it. The cluster is stopped and its directory
# removed whatever happens; the exit status is COMMAND's.
#
# initdb and postgres refuse to run as root, so as root the cluster belongs
# to (and runs as) nobody. Needs the Debian package postgresql (any major
# version; the newest installed is used): the store suite is never skipped.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: with_postgres.sh COMMAND [ARG...]" >&2
  exit 2
fi

bindir=""
while read -r candidate; do
  [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && bindir=$candidate
done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
if [ -z "$bindir" ]; then
  echo "with_postgres: no PostgreSQL server under /usr/lib/postgresql;" \
    "install the Debian package postgresql (scripts/install-deps.sh)" >&2
  exit 1
fi

# The user's own PG* settings (PGPORT, PGHOST, PGDATABASE...) would steer the
# server or the clients away from the private cluster.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^PG' || true)

as_root=0
[ "$(id -u)" -eq 0 ] && as_root=1

# as_owner CMD...: runs CMD as the cluster's owner, from inside its directory
# (postgres complains about a working directory it cannot enter).
as_owner() {
  if [ "$as_root" -eq 1 ]; then
    (cd "$dir" && setpriv --reuid=nobody --regid=nogroup --init-groups -- "$@")
  else
    (cd "$dir" && "$@")
  fi
}

# A directory the cluster's owner can use (as root: every parent must let the
# user nobody through, and TMPDIR is often a build directory under a private
# home) and whose path fits in a socket address and a libpq URL unescaped.
# Else one under /tmp.
usable() {
  [[ $1 =~ ^[A-Za-z0-9/._-]+$ ]] && [ "${#1}" -le 80 ] || return 1
  [ "$as_root" -eq 0 ] && return 0
  chown nobody:nogroup "$1" && setpriv --reuid=nobody --regid=nogroup --init-groups -- test -w "$1"
}
dir=$(mktemp -d "${TMPDIR:-/tmp}/pqcha-pg.XXXXXX" 2>/dev/null || true)
if [ -z "$dir" ] || ! usable "$dir" 2>/dev/null; then
  [ -n "$dir" ] && rmdir "$dir"
  dir=$(mktemp -d /tmp/pqcha-pg.XXXXXX)
  usable "$dir" || {
    echo "with_postgres: cannot prepare $dir for the cluster" >&2
    rm -rf "$dir"
    exit 1
  }
fi

started=0
# shellcheck disable=SC2317 # run by the trap
cleanup() {
  if [ "$started" -eq 1 ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# die MESSAGE LOG: the failure and the end of the log that explains it.
die() {
  echo "with_postgres: $1" >&2
  [ -f "$2" ] && tail -n 20 "$2" >&2
  exit 1
}

as_owner "$bindir/initdb" -D "$dir/data" -A trust -U pqcha --no-sync -E UTF8 --locale=C \
  >"$dir/initdb.log" 2>&1 || die "initdb failed" "$dir/initdb.log"

# Settings go in the configuration file rather than through pg_ctl -o, which
# hands its string to a shell. Durability is not wanted from a throw-away
# cluster; speed is.
cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
EOF
# Tests trade durability for speed; the benchmark (PQCHA_PG_DURABLE=1)
# measures a server that flushes each commit, as a production one does.
if [ "${PQCHA_PG_DURABLE:-0}" != 1 ]; then
  printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' \
    >>"$dir/data/postgresql.conf"
fi

as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null 2>&1 ||
  die "the server did not start" "$dir/log"
started=1
"$bindir/createdb" -h "$dir" -U pqcha pqcha_test >"$dir/createdb.log" 2>&1 ||
  die "createdb failed" "$dir/createdb.log"

export PQCHA_TEST_STORE_URL="postgresql:///pqcha_test?host=$dir&user=pqcha"
# The cluster's data directory: its postmaster.pid names the server process,
# whose CPU time (and its children's) the server benchmark reports.
export PQCHA_TEST_PG_DATA="$dir/data"
# For tests of a database that goes away and comes back: "$PQCHA_TEST_PG_CTL
# stop" stops the cluster at once (as a crash would), "... start" starts it.
{
  printf '#!/usr/bin/env bash\nset -euo pipefail\n'
  printf 'case "$1" in\n'
  printf '  stop) args=(-m immediate stop) ;;\n'
  printf '  start) args=(-l %q -w -t 60 start) ;;\n' "$dir/log"
  printf '  *) echo "usage: pgctl stop|start" >&2; exit 2 ;;\nesac\n'
  printf 'cd %q\n' "$dir"
  if [ "$as_root" -eq 1 ]; then
    printf 'exec setpriv --reuid=nobody --regid=nogroup --init-groups -- '
  else
    printf 'exec '
  fi
  printf '%q -D %q "${args[@]}" >/dev/null\n' "$bindir/pg_ctl" "$dir/data"
} >"$dir/pgctl"
chmod 755 "$dir/pgctl"
export PQCHA_TEST_PG_CTL="$dir/pgctl"
echo "with_postgres: $("$bindir/postgres" --version | sed 's/^postgres (PostgreSQL) /PostgreSQL /')" \
  "on $dir"

status=0
"$@" || status=$?
exit "$status"
