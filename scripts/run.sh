#!/usr/bin/env bash
# `make run`: start the mail catcher, migrate, load the demo, start the task worker, the
# scheduler and the web server (scripts/serve.sh: granian, as in production) on SQLite. Ctrl-C
# stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
PY=.venv/bin/python
LOG_DIR="${NARA_VAR_DIR:-var}/log"
mkdir -p "$LOG_DIR"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# The web server's port first: when it is taken, say so and how to move it, before starting
# anything (granian's own message would come after the demo is loaded, and less clearly).
if ! $PY -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1])))" "$PORT" 2>/dev/null; then
  echo "make run: port $PORT is taken (is another server running?). Choose another with PORT, e.g. make run PORT=8001" >&2
  exit 1
fi

# The mail catcher first: when its port (MAIL_PORT, default 1025) is taken it takes a free one
# and says so; if it cannot start at all, make run stops here, saying why.
$PY scripts/mailcatcher.py "${MAIL_PORT:-1025}" "$LOG_DIR/mail.log" >"$LOG_DIR/mailcatcher.log" 2>&1 &
pids+=($!)
mail_line=""
for _ in $(seq 1 100); do
  mail_line="$(grep -m1 '^mail catcher on ' "$LOG_DIR/mailcatcher.log" || true)"
  [ -n "$mail_line" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$mail_line" ]; then
  echo "make run: the mail catcher did not start ($LOG_DIR/mailcatcher.log):" >&2
  cat "$LOG_DIR/mailcatcher.log" >&2
  exit 1
fi
grep -v '^mail catcher on ' "$LOG_DIR/mailcatcher.log" || true  # e.g. "port 1025 is taken"
export EMAIL_HOST=127.0.0.1
EMAIL_PORT="$(sed -n 's/^mail catcher on 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$mail_line")"
export EMAIL_PORT

$PY manage.py migrate --noinput -v0
$PY manage.py createcachetable
$PY manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true  # .mo files are committed too
$PY manage.py demo_data

$PY manage.py db_worker --queue-name default --no-reload >"$LOG_DIR/worker.log" 2>&1 &
pids+=($!)
$PY manage.py scheduler >"$LOG_DIR/scheduler.log" 2>&1 &
pids+=($!)

echo
echo "Nara is running at http://127.0.0.1:$PORT  (granian; mail on port $EMAIL_PORT:" \
  "$LOG_DIR/mail.log, worker: $LOG_DIR/worker.log)"
echo
PORT="$PORT" bash scripts/serve.sh &
pids+=($!)
wait "${pids[-1]}"
