#!/usr/bin/env bash
# What `make test` needs besides Python, installed and started if missing (scripts/test.sh runs
# this first): Chromium and Korean fonts for the browser tests, gettext for the translations,
# PostgreSQL (server and client) for the second pass, Redis on 127.0.0.1:6379 for the
# multi-node test. Idempotent: when everything is there it only checks (well under a second).
# Installing needs apt-get and root (or password-less sudo); without them it names what to
# install and stops, instead of letting the tests fail one by one.
set -euo pipefail

PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/nara}"

say() { echo "== setup: $*"; }
fail() {
  echo "make test: $*" >&2
  exit 1
}

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  as_root=(unavailable)
fi

# 1. Packages.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi nanum || need+=(fonts-nanum) # Korean glyphs in browser tests
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v pg_isready >/dev/null 2>&1 || need+=(postgresql-client)
pg_local=false
case "$PG_URL" in *@127.0.0.1[:/]* | *@localhost[:/]*) pg_local=true ;; esac
if $pg_local && ! ls /etc/postgresql/*/main >/dev/null 2>&1 &&
  ! { command -v pg_isready >/dev/null 2>&1 && pg_isready -d "$PG_URL" -q; }; then
  need+=(postgresql)
fi
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)

if [ ${#need[@]} -gt 0 ]; then
  if [ "${as_root[0]:-}" = unavailable ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "missing: ${need[*]}. Install these (Debian/Ubuntu package names:" \
      "sudo apt-get install ${need[*]}; or your system's equivalents), then run make test again."
  fi
  say "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. PostgreSQL answering at PG_URL (a local cluster is started if it is down).
if ! pg_isready -d "$PG_URL" -q; then
  if ! $pg_local; then
    fail "PostgreSQL at $PG_URL does not answer: start it, or set PG_URL to one that does."
  fi
  [ "${as_root[0]:-}" != unavailable ] ||
    fail "PostgreSQL at $PG_URL does not answer. Start it (e.g. sudo pg_ctlcluster <version> main start)."
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  say "starting PostgreSQL $version"
  "${as_root[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do
    pg_isready -d "$PG_URL" -q && break
    sleep 0.5
  done
  pg_isready -d "$PG_URL" -q || fail "PostgreSQL $version did not start: see /var/log/postgresql/."
fi
psql "$PG_URL" -Atqc "select 1" >/dev/null 2>&1 || psql "${PG_URL%/*}/postgres" -Atqc "select 1" \
  >/dev/null 2>&1 || fail "PostgreSQL answers, but $PG_URL cannot sign in: set PG_URL" \
  "(postgres://user:password@host:port/db, a user who may create databases), or allow" \
  "local connections for postgres (pg_hba.conf, 'trust' on 127.0.0.1 for a test machine)."

# 3. Redis on 127.0.0.1:6379 (the multi-node test shares rate limits and sessions through it).
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
if ! redis_up; then
  say "starting Redis on 127.0.0.1:6379"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do
    redis_up && break
    sleep 0.1
  done
  redis_up || fail "Redis did not start on 127.0.0.1:6379 (is the port taken by something else?)."
fi
