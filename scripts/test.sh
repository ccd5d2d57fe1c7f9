#!/usr/bin/env bash
# `make test`: set up what the tests need (scripts/setup-test-env.sh: Chromium, Korean fonts,
# gettext, PostgreSQL, Redis; installed or started if missing), lint, then the whole suite on
# SQLite, then again on PostgreSQL. PG_URL (default postgres://postgres@127.0.0.1:5432/nara)
# names the server; pytest-django creates and drops its own test database there. Nothing is
# skipped silently: what cannot be set up stops the run with a message saying what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/nara}"
WORKERS="${TEST_WORKERS:-2}"

PG_URL="$PG_URL" bash scripts/setup-test-env.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --check .; exit 1; }

echo "== migrations are complete"
DEBUG=1 $PY manage.py makemigrations --check --dry-run >/dev/null

echo "== tests on SQLite"
$PY -m pytest -q -n "$WORKERS" "$@"

echo "== tests on PostgreSQL ($PG_URL)"
DATABASE_URL="$PG_URL" $PY -m pytest -q -n "$WORKERS" "$@"
