"""The floor of bench/signatures: the least a signature can cost on this server and database.

A minimal WSGI application, served by granian with the same settings as Nara: each request
`POST /floor/signatures` with `Authorization: Bearer <token>` inserts one row (the token, under a
unique key) into a scratch table, autocommit, over a persistent psycopg connection per thread.
No Django, no ORM, no middleware: what is left is HTTP, one round trip to PostgreSQL and one
commit (WAL flush). Answers 201, or 409 when the key is already there.

Environment: FLOOR_DATABASE_URL (postgres://…/db). The table is created by bench/signatures:

    CREATE TABLE bench_floor (id bigserial PRIMARY KEY, k text NOT NULL UNIQUE,
                              created_at timestamptz NOT NULL DEFAULT now())
"""

import os
import threading

import psycopg
from psycopg import errors

DSN = os.environ["FLOOR_DATABASE_URL"]
_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(DSN, autocommit=True)
    return conn


def _answer(start_response, status: str, body: bytes):
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    if path == "/floor/signatures" and environ.get("REQUEST_METHOD") == "POST":
        key = environ.get("HTTP_AUTHORIZATION", "")[7:]
        if not key:
            return _answer(start_response, "401 Unauthorized", b'{"detail":"no token"}')
        try:
            _connection().execute("INSERT INTO bench_floor (k) VALUES (%s)", (key,))
        except errors.UniqueViolation:
            return _answer(start_response, "409 Conflict", b'{"detail":"already"}')
        return _answer(start_response, "201 Created", b'{"status":"signed"}')
    if path == "/healthz":
        _connection().execute("SELECT 1").fetchone()
        return _answer(start_response, "200 OK", b'{"status":"ok"}')
    return _answer(start_response, "404 Not Found", b'{"detail":"not found"}')
