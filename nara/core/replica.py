"""Public pages read from a read replica (REPLICA_DATABASE_URL): a GET or HEAD by a visitor who
is not signed in reads from the `replica` alias; everything else (writes, every read inside a
transaction, signed-in people's pages, all POSTs, the tasks and the scheduler) uses the primary.

A replica runs a little behind: a public page may show a count a second old, never a signed-in
person's own data, and no decision is taken on what it read (decisions run in transactions,
and Django reads for a write — get_or_create, select_for_update — from the primary)."""

from contextvars import ContextVar

from django.db import connections

public_read: ContextVar[bool] = ContextVar("nara_public_read", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if public_read.get() and not connections["default"].in_atomic_block:
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica follows the primary's schema


class PublicReadsMiddleware:
    """Marks the reads of a public page (after AuthenticationMiddleware: the session and its
    user are read from the primary). A request with an Authorization header is not public: the
    API authenticates its bearer token in the view, after this middleware, and the token and
    its user's own data must be read from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in ("GET", "HEAD")
            or "HTTP_AUTHORIZATION" in request.META  # the API's bearer token: a signed-in user
            or request.user.is_authenticated
        ):
            return self.get_response(request)
        token = public_read.set(True)
        try:
            return self.get_response(request)
        finally:
            public_read.reset(token)
