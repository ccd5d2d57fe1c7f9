#!/usr/bin/env bash
# `make run`: migrate, load the demo, start the mail catcher, the task worker, the scheduler and
# the development server on SQLite. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
export EMAIL_HOST=127.0.0.1 EMAIL_PORT="${MAIL_PORT:-1025}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
PY=.venv/bin/python
mkdir -p var/log

$PY manage.py migrate --noinput -v0
$PY manage.py createcachetable
$PY manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true  # .mo files are committed too
$PY manage.py demo_data

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$PY scripts/mailcatcher.py "$EMAIL_PORT" var/log/mail.log >var/log/mailcatcher.log 2>&1 &
pids+=($!)
$PY manage.py db_worker --queue-name default --no-reload >var/log/worker.log 2>&1 &
pids+=($!)
$PY manage.py scheduler >var/log/scheduler.log 2>&1 &
pids+=($!)

echo
echo "Nara is running at http://127.0.0.1:$PORT  (mail: var/log/mail.log, worker: var/log/worker.log)"
echo
$PY manage.py runserver "127.0.0.1:$PORT" --noreload &
pids+=($!)
wait "${pids[-1]}"
