#!/usr/bin/env bash
# The web server of `make run`, in one place: scripts/run.sh runs it, and so does the test that
# sends it a crowd (tests/test_make_run.py). It is the production server, granian (WSGI),
# not Django's development server (which drops connections when 64 people click at once).
#
# Static files are collected into STATIC_ROOT (default staticfiles/) and served by granian
# itself under /static/, with DEBUG on or off. The database is whatever the settings say
# (SQLite under var/ by default: WAL, a busy timeout, every transaction that writes starts with
# BEGIN IMMEDIATE; see nara/settings.py).
#
# Two worker processes (one per core) with 8 threads each: SQLite takes one writer at a time, so
# more threads only queue longer at its lock, while 16 keep pages going during a burst of
# writes. Requests beyond them wait in granian's queue (no connection is refused).
# SERVE_WORKERS and SERVE_THREADS change this.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
export STATIC_ROOT="${STATIC_ROOT:-$PWD/staticfiles}"

.venv/bin/python manage.py collectstatic --noinput -v0
exec .venv/bin/granian --interface wsgi --host "$HOST" --port "$PORT" \
  --workers "${SERVE_WORKERS:-2}" --blocking-threads "${SERVE_THREADS:-8}" --no-ws \
  --log-level warning --static-path-route /static --static-path-mount "$STATIC_ROOT" \
  nara.wsgi:application
