"""Querysets whose SQL is compiled once per process (for the few queries every page runs).

Turning a queryset into SQL costs Django more than PostgreSQL takes to run it: 0.2–1.8 ms of CPU
per query on the pages measured in `bench/` (a user with three related rows: about 1 ms), which
is a third of a signed-in page. A `PreparedQuery` builds its queryset once with placeholder
arguments, compiles it, and remembers the SQL and where each argument lands among its
parameters; later calls only put the real arguments in and let Django read the rows as usual
(same model instances, related objects, converters and prefetches).

    _user = PreparedQuery(
        lambda pk: User.objects.select_related("region").filter(pk=pk)[:1]
    )
    user = _user.first(pk=42)

What `build` may do: filter, order, slice, select and prefetch related rows, but its SQL must
depend only on its arguments, and each argument must reach the SQL unchanged (an equality
with a string, or with an integer for a 32- or 64-bit column). A compiled query that does not
show each placeholder raises `ImproperlyConfigured` at its first call (a `__contains` lookup,
say, would wrap it). An argument that is None, or of another type, is run through the plain
ORM: `pk=None` compiles to `IS NULL`, another statement.

Arguments named in `shape` are not parameters but part of the statement: a slice's bounds, a
tuple for `__in`. The query is compiled once for each of their values (hashable; the most
recently used `SHAPES` kept).

`PreparedList` gives Django's Paginator a count and page slices from two such queries.

`NARA_OFF=prepared` (settings.NARA_OFF) runs every call through the plain ORM instead: the A/B
benchmarks (bench/README.md) measure what compiling once saves.
"""

from collections.abc import Callable
from itertools import count

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from nara.core.djangointernals import CompiledQuery, compile_queryset, rows_from_sql
from nara.core.lru import LRU

# Placeholders nobody stores: integers just below 2**31 and strings with NUL characters.
_serial = count(1)


def _placeholder(value):
    n = next(_serial)
    if type(value) is int:  # within every 32-bit column's range (PositiveIntegerField's too)
        return 2**31 - 1 - n % 2**24
    return f"\x00nara-prepared-{n}\x00"


def _parameter(value) -> bool:
    """Whether `value` can be put into compiled SQL as it is: a string, or an integer a 64-bit
    column can hold (the ORM answers "no rows" for a larger one; SQL would raise)."""
    return type(value) is str or (type(value) is int and -(2**63) <= value < 2**63)


class _Compiled:
    def __init__(self, queryset: QuerySet):
        self.query: CompiledQuery = compile_queryset(queryset)
        self.slots: dict[str, list[int]] = {}  # where each argument goes among the parameters
        self.wrappers: dict[str, type] = {}

    @property
    def sql(self) -> str:
        return self.query.sql

    @property
    def params(self) -> list:
        return self.query.params


SHAPES = 256
FAR_PAGES = 10  # PreparedList keeps compiled statements for the first pages only


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], *, shape: tuple[str, ...] = ()):
        self.build = build
        self.shape = shape
        self._compiled = LRU()

    def all(self, **args) -> list:
        if "prepared" in settings.NARA_OFF or not all(
            _parameter(v) for k, v in args.items() if k not in self.shape
        ):
            return list(self.build(**args))  # the plain ORM: compiled on each call
        compiled = self._compiled_for(args)
        if not compiled.sql:
            return []
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            value = args[name]
            if name in compiled.wrappers:
                if not -(2**31) <= value < 2**31:  # no 32-bit column holds it: as the ORM
                    return list(self.build(**args))
                value = compiled.wrappers[name](value)
            for i in positions:
                params[i] = value
        return rows_from_sql(compiled.query, params)

    def first(self, **args):
        rows = self.all(**args)
        return rows[0] if rows else None

    def _compiled_for(self, args: dict) -> _Compiled:
        key = tuple(
            sorted(
                (name, args[name] if name in self.shape else type(args[name]).__name__)
                for name in args
            )
        )
        compiled = self._compiled.recall(key)
        if compiled is None:  # two threads may both compile it once: the same statement
            compiled = self._compile(args)
            self._compiled.keep(key, compiled, SHAPES)
        return compiled

    def _compile(self, args: dict) -> _Compiled:
        placeholders = {name: _placeholder(v) for name, v in args.items() if name not in self.shape}
        shapes = {name: v for name, v in args.items() if name in self.shape}
        queryset = self.build(**placeholders, **shapes)
        compiled = _Compiled(queryset)
        if not compiled.sql and not shapes:
            raise ImproperlyConfigured(
                "PreparedQuery: the statement matches nothing whatever the arguments "
                "(an integer argument for a column too small for it?)"
            )
        for name, placeholder in placeholders.items() if compiled.sql else ():
            positions = [
                i
                for i, p in enumerate(compiled.params)
                if isinstance(p, type(placeholder)) and p == placeholder
            ]
            if not positions:
                raise ImproperlyConfigured(
                    f"PreparedQuery: the argument {name!r} does not reach the SQL unchanged"
                )
            compiled.slots[name] = positions
            # PostgreSQL's backend marks a 32-bit column's parameter (psycopg's Int4)
            wrapper = type(compiled.params[positions[0]])
            if wrapper is not type(placeholder):
                compiled.wrappers[name] = wrapper
        exact = set(placeholders.values())
        leftover = [
            p
            for p in compiled.params
            if isinstance(p, str) and "\x00nara-prepared" in p and p not in exact
        ]
        if leftover:
            raise ImproperlyConfigured(f"PreparedQuery: an argument was transformed: {leftover}")
        return compiled


class PreparedList:
    """What Django's Paginator needs of a list (its length, a slice) from two prepared
    queries: `count_query` gives the number of rows (summed over its rows, so a grouped
    count works), `page_query` takes the slice bounds as shape arguments `start` and `stop`."""

    def __init__(self, count_query: PreparedQuery, page_query: PreparedQuery, **args):
        self.count_query = count_query
        self.page_query = page_query
        self.args = args

    def count(self) -> int:
        return sum(self.count_query.all(**self.args))

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, bounds: slice) -> list:
        if not isinstance(bounds, slice) or bounds.step is not None:
            raise TypeError("PreparedList takes slices only")
        start, stop = bounds.start or 0, bounds.stop
        if stop is not None and start >= FAR_PAGES * max(1, stop - start):
            # far pages (an API client's arbitrary offsets): compiled each time, not kept
            return list(self.page_query.build(start=start, stop=stop, **self.args))
        return self.page_query.all(start=start, stop=stop, **self.args)
