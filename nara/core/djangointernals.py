"""Every use of Django's private or undocumented internals in Nara, in one place.

A Django upgrade that changes one of these breaks a test of this module
(tests/test_djangointernals.py), not a page; tests/test_djangointernals.py also fails when code
outside this module reads a private attribute (a name starting with "_") of an object that is
not its own. Documented names that start with "_" (`Model._meta`, `Model._default_manager`,
`Manager._db`) are public API and may be used anywhere.

What is here, and who needs it:
- `unwrap_lazy`: the user object behind `request.user` (per-request caches live on it).
- `related_in_cache`, `forget_related`: whether `select_related` read a relation with the row
  (a posting block is read with the request's user), and forgetting it after a change.
- `set_prefetched`: rows read elsewhere (a compiled query) given to a related manager, as
  `prefetch_related` gives them.
- `mark_saved`: an admin form's object that a service saved for it.
- `DatabaseSessionStore`: Django's database session store with its private read hook named.
- `compile_queryset`, `rows_from_sql`: a queryset's SQL compiled once, and its rows read again
  from that SQL with other parameters (nara.core.prepared).
- `lazy_translation`: the message id behind `gettext_lazy("…")`, so that a notification keeps
  its message id and is rendered in the reader's language (nara.notifications.messages).
"""

import copy
from dataclasses import dataclass

from django.contrib.sessions.backends import db as db_sessions
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.utils.functional import LazyObject, Promise, empty

# --- model instances ---------------------------------------------------------------------------


def unwrap_lazy(obj):
    """The object behind a lazy object (such as a request's `user`), evaluated; anything else
    unchanged."""
    if isinstance(obj, LazyObject):
        if obj._wrapped is empty:
            obj._setup()
        return obj._wrapped
    return obj


def related_in_cache(instance: Model, name: str) -> tuple[bool, object]:
    """(True, the related object or None) when the relation `name` was read with `instance`
    (select_related, or an earlier access); (False, None) when reading it would run a query."""
    cache = unwrap_lazy(instance)._state.fields_cache
    if name in cache:
        return True, cache[name]
    return False, None


def forget_related(instance: Model, name: str) -> None:
    """Forget the related object `name` read with `instance`: the next access reads it again."""
    unwrap_lazy(instance)._state.fields_cache.pop(name, None)


def set_prefetched(instance: Model, name: str, queryset: QuerySet, rows: list) -> None:
    """Make `getattr(instance, name).all()` give `rows` without a query, as after
    `prefetch_related(name)` of a reverse foreign key: each row's link back is `instance`.
    `queryset` is the related manager's queryset the rows stand for (its ordering, say)."""
    back = getattr(instance, name).field  # the rows' foreign key to instance
    for row in rows:
        back.set_cached_value(row, instance)
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    prefetched = getattr(instance, "_prefetched_objects_cache", None)
    if prefetched is None:
        prefetched = instance._prefetched_objects_cache = {}
    prefetched[name] = queryset


def mark_saved(instance: Model) -> None:
    """Mark an instance whose row was written by other means (a service) as saved: Django then
    treats it as an existing row (validation of unique fields, the admin's "change" messages)."""
    instance._state.adding = False


# --- sessions ----------------------------------------------------------------------------------


class DatabaseSessionStore(db_sessions.SessionStore):
    """Django's database session store, with its private read hook given a name here:
    `read_row()` returns the session's row, or None (no such session, or expired: the store
    then makes a new key when it saves, never the one the client sent)."""

    def _get_session_from_db(self):
        return self.read_row()

    def read_row(self):
        """Django's read: the row of this session key, unless expired."""
        return super()._get_session_from_db()

    def forget_key(self) -> None:
        """No valid session has this key: a save creates a new one."""
        self._session_key = None


# --- compiled SQL (nara.core.prepared) ---------------------------------------------------------


@dataclass
class CompiledQuery:
    queryset: QuerySet
    sql: str  # "" when the statement can match nothing (an empty slice, say)
    params: list
    converters: dict | None  # how each column's value is read back; the same for every call
    compiler: object


def compile_queryset(queryset: QuerySet) -> CompiledQuery:
    """The SQL and parameters Django runs for `queryset`, and what it needs to read its rows."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        sql, params = "", []
    converters = None
    if sql:
        # Converters may be bound to the connection that compiled them: they read only the
        # settings (time zone, decimal places), the same for every connection.
        select = compiler.select[: compiler.col_count]
        converters = compiler.get_converters([column for column, *_ in select])
    compiler.connection = None  # each call uses its own thread's connection
    return CompiledQuery(queryset, sql, list(params), converters, compiler)


def rows_from_sql(compiled: CompiledQuery, params: list) -> list:
    """The rows of `compiled.queryset`, read by Django as usual (model instances, related
    objects, prefetches), from its compiled SQL run with `params` instead of compiling again."""
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connections[compiled.queryset.db]
    compiler.as_sql = lambda *a, **kw: (compiled.sql, params)
    compiler.get_converters = lambda expressions: compiled.converters
    queryset = compiled.queryset.all()
    query = queryset.query
    query.get_compiler = lambda *a, **kw: compiler
    try:
        return list(queryset)
    finally:
        del query.get_compiler


# --- translations (nara.notifications.messages) ------------------------------------------------


def lazy_translation(text) -> tuple[str, tuple[str, ...]] | None:
    """("gettext", (message id,)) or ("pgettext", (context, message id)) for a string made by
    gettext_lazy or pgettext_lazy; None for anything else. Read from the lazy object's pickling
    form, which holds the function and the arguments it will be called with."""
    if not isinstance(text, Promise):
        return None
    try:
        _unpickle, (function, args, kwargs, *_classes) = text.__reduce__()
    except (TypeError, ValueError):
        return None
    name = getattr(function, "__name__", "")
    expected = {"gettext": 1, "pgettext": 2}.get(name)
    if kwargs or len(args) != expected or not all(isinstance(a, str) for a in args):
        return None
    return name, tuple(args)
