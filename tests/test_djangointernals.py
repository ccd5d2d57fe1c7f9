"""nara/core/djangointernals.py: each use of Django's internals does what its callers rely on
(a Django upgrade that changes one fails here), and no other module of nara/ reads a private
attribute of an object not its own."""

import ast
from pathlib import Path

import pytest
from django.test import Client
from django.utils.functional import SimpleLazyObject

from nara.accounts.models import User
from nara.core import djangointernals as internals
from nara.core.models import Region
from nara.participation.models import Phase, PostingBlock

from .conftest import login
from .participation_helpers import make_process

pytestmark = pytest.mark.django_db


def test_unwrap_lazy_evaluates_and_returns_the_object(world):
    calls = []
    lazy = SimpleLazyObject(lambda: calls.append(1) or world.citizen)
    assert internals.unwrap_lazy(lazy) is world.citizen
    assert internals.unwrap_lazy(lazy) is world.citizen
    assert calls == [1]
    assert internals.unwrap_lazy(world.citizen) is world.citizen


def test_related_in_cache_tells_whether_select_related_read_it(world, django_assert_num_queries):
    user = User.objects.select_related("posting_block").get(pk=world.citizen.pk)
    assert internals.related_in_cache(user, "posting_block") == (True, None)  # read: none
    plain = User.objects.get(pk=world.citizen.pk)
    assert internals.related_in_cache(plain, "posting_block") == (False, None)
    block = PostingBlock.objects.create(user=world.citizen, reason="spam")
    blocked = User.objects.select_related("posting_block").get(pk=world.citizen.pk)
    with django_assert_num_queries(0):
        assert internals.related_in_cache(blocked, "posting_block") == (True, block)
    lazy = SimpleLazyObject(lambda: blocked)
    assert internals.related_in_cache(lazy, "posting_block") == (True, block)


def test_forget_related_makes_the_next_access_read_again(world, django_assert_num_queries):
    user = User.objects.select_related("posting_block").get(pk=world.citizen.pk)
    PostingBlock.objects.create(user=world.citizen, reason="spam")
    internals.forget_related(user, "posting_block")
    assert internals.related_in_cache(user, "posting_block") == (False, None)
    with django_assert_num_queries(1):
        assert user.posting_block.reason == "spam"
    internals.forget_related(user, "region")  # nothing cached: nothing happens


def test_set_prefetched_serves_the_rows_without_a_query(world, django_assert_num_queries):
    process = make_process(world.roads)
    rows = list(Phase.objects.filter(process_id=process.pk).order_by("starts_at", "id"))
    internals.set_prefetched(process, "phases", process.phases.order_by("starts_at"), rows)
    with django_assert_num_queries(0):
        assert list(process.phases.all()) == rows
        assert process.phases.count() == len(rows)
        assert all(phase.process is process for phase in rows)  # the link back, as a prefetch
    # a second relation joins the first in the same cache
    internals.set_prefetched(process, "phases", process.phases.all(), rows[:1])
    with django_assert_num_queries(0):
        assert list(process.phases.all()) == rows[:1]


def test_mark_saved_makes_django_treat_the_row_as_existing(world):
    region = Region(code="99")
    assert region._state.adding
    internals.mark_saved(region)
    assert not region._state.adding


def test_the_session_store_reads_its_row_through_read_row(world, monkeypatch):
    from nara.accounts.sessions import SessionStore

    client = login(Client(), world.citizen)
    key = client.cookies["sessionid"].value
    read = []

    def read_row(store):
        read.append(store.session_key)
        return internals.DatabaseSessionStore.read_row(store)  # Django's read

    monkeypatch.setattr(SessionStore, "read_row", read_row)
    store = SessionStore(session_key=key)
    assert store.load()["_auth_user_id"] == str(world.citizen.pk)
    assert read == [key]

    unknown = SessionStore(session_key="x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None  # forgotten: a save makes a new key
    unknown["a"] = 1
    unknown.save()
    assert unknown.session_key not in (None, "x" * 32)


def test_forget_key_drops_the_key():
    store = internals.DatabaseSessionStore(session_key="y" * 32)
    store.forget_key()
    assert store.session_key is None


def test_compile_queryset_and_rows_from_sql(world, django_assert_num_queries):
    queryset = User.objects.select_related("region").filter(email=world.citizen.email)[:1]
    compiled = internals.compile_queryset(queryset)
    assert compiled.sql and compiled.params[0] == world.citizen.email
    with django_assert_num_queries(1):
        rows = internals.rows_from_sql(compiled, [world.other_citizen.email, *compiled.params[1:]])
    assert rows == [world.other_citizen]
    with django_assert_num_queries(0):
        rows[0].region  # noqa: B018  (read with the row)
    nothing = internals.compile_queryset(User.objects.all()[5:5])
    assert nothing.sql == ""


# --- no private access elsewhere -------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# Documented Django API whose names start with "_", usable anywhere.
DOCUMENTED = {"_meta", "_default_manager", "_base_manager", "_db"}


def private_reads(path: Path) -> list[str]:
    """`x._name` and getattr(x, "_name") where x is not self/cls (own attributes are fine)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        name = None
        if isinstance(node, ast.Attribute):
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in ("self", "cls")):
                name = node.attr
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "getattr",
            "hasattr",
            "setattr",
            "delattr",
        ):
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                name = node.args[1].value
        if (
            isinstance(name, str)
            and name.startswith("_")
            and not name.startswith("__")
            and name not in DOCUMENTED
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_private_attribute_access_outside_the_internals_module():
    own_functions = {"_url"}  # nara's own module-level helpers shared between its modules
    found = []
    for path in sorted((ROOT / "nara").rglob("*.py")):
        if "migrations" in path.parts or path.name == "djangointernals.py":
            continue
        found += [
            line for line in private_reads(path) if line.rsplit(".", 1)[-1] not in own_functions
        ]
    assert found == []


def test_lazy_translation_names_the_message_id_behind_a_lazy_string():
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

    from nara.core.djangointernals import lazy_translation

    assert lazy_translation(gettext_lazy("Complaint %(no)s received")) == (
        "gettext",
        ("Complaint %(no)s received",),
    )
    assert lazy_translation(pgettext_lazy("consultation comment", "Support")) == (
        "pgettext",
        ("consultation comment", "Support"),
    )
    for other in ("plain", ngettext_lazy("one", "many", 2), format_lazy("{}", "x"), None):
        assert lazy_translation(other) is None
