"""nara.core.prepared: a queryset compiled once gives what the plain ORM gives, for every
argument, in one query."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Prefetch
from django.test.utils import CaptureQueriesContext

from nara.accounts.models import User
from nara.core.models import Region
from nara.core.prepared import PreparedQuery

from .conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    seoul = Region.objects.create(code="X1", name_ko="가도", name_en="Ga")
    jongno = Region.objects.create(code="X1001", name_ko="가구", name_en="Ga-gu", parent=seoul)
    busan = Region.objects.create(code="X2", name_ko="나도", name_en="Na")
    return seoul, jongno, busan


def _with_region(pk):
    return User.objects.select_related("region__parent").filter(pk=pk).order_by()[:1]


def test_each_call_reads_its_own_arguments_with_related_rows_in_one_query(regions):
    seoul, jongno, busan = regions
    a = make_user("a@example.kr", region=jongno)
    b = make_user("b@example.kr", region=busan)
    query = PreparedQuery(_with_region)

    for user, region, parent in ((a, jongno, seoul), (b, busan, None), (a, jongno, seoul)):
        with CaptureQueriesContext(connection) as ctx:
            got = query.first(pk=user.pk)
            assert got == user
            assert got.region == region
            assert got.region.parent == parent
            assert got.email == user.email
        assert len(ctx.captured_queries) == 1
        assert list(_with_region(user.pk)) == [got]

    assert query.first(pk=b.pk + a.pk + 1000) is None


def test_the_sql_is_compiled_once(regions, monkeypatch):
    user = make_user("a@example.kr", region=regions[1])
    query = PreparedQuery(_with_region)
    query.first(pk=user.pk)
    from django.db.models.sql.compiler import SQLCompiler

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(SQLCompiler, "as_sql", refuse)
    assert query.first(pk=user.pk) == user


def test_a_string_argument_used_twice_and_constants_kept(regions):
    seoul, jongno, busan = regions
    query = PreparedQuery(
        lambda code: (
            Region.objects.filter(code=code, code__startswith="X")
            .exclude(name_ko="없음")
            .filter(code__gte=code)
            .order_by("code")
        )
    )
    assert query.all(code="X1001") == [jongno]
    assert query.all(code="X2") == [busan]
    assert query.all(code="X9") == []


def test_none_and_other_types_go_through_the_plain_orm(regions):
    seoul, jongno, busan = regions
    query = PreparedQuery(
        lambda parent: Region.objects.filter(parent=parent, code__startswith="X").order_by("code")
    )
    assert query.all(parent=seoul.pk) == [jongno]
    assert query.all(parent=None) == [seoul, busan]  # IS NULL, not "= NULL"
    assert query.all(parent=seoul) == [jongno]  # a model instance: the plain ORM


def test_prefetches_still_run(regions):
    seoul, jongno, busan = regions
    query = PreparedQuery(
        lambda pk: Region.objects.prefetch_related(
            Prefetch("children", queryset=Region.objects.order_by("code"))
        ).filter(pk=pk)
    )
    with CaptureQueriesContext(connection) as ctx:
        (got,) = query.all(pk=seoul.pk)
        assert list(got.children.all()) == [jongno]
    assert len(ctx.captured_queries) == 2


def test_an_argument_the_sql_changes_is_refused():
    query = PreparedQuery(lambda name: Region.objects.filter(name_ko__icontains=name))
    with pytest.raises(ImproperlyConfigured):
        query.all(name="가")


def test_shape_arguments_compile_one_statement_each_and_pages_through_the_paginator(regions):
    from django.core.paginator import Paginator

    from nara.core.prepared import PreparedList

    seoul, jongno, busan = regions
    count = PreparedQuery(
        lambda prefix: (
            Region.objects.filter(code__startswith="X", name_ko__gte=prefix)
            .values("parent_id")
            .annotate(n=Count("id"))
            .values_list("n", flat=True)
            .order_by()
        )
    )
    page = PreparedQuery(
        lambda prefix, start, stop: Region.objects.filter(
            code__startswith="X", name_ko__gte=prefix
        ).order_by("code")[start:stop],
        shape=("start", "stop"),
    )
    paginator = Paginator(PreparedList(count, page, prefix=""), 2)
    assert paginator.count == 3
    assert list(paginator.page(1).object_list) == [seoul, jongno]
    assert list(paginator.page(2).object_list) == [busan]
    assert set(page._compiled) == {
        (("prefix", "str"), ("start", 0), ("stop", 2)),
        (("prefix", "str"), ("start", 2), ("stop", 3)),
    }
    empty = Paginator(PreparedList(count, page, prefix="힣"), 2)  # nothing sorts after 힣
    assert empty.count == 0
    assert list(empty.get_page(99999).object_list) == []  # an empty slice: no statement


def test_an_integer_no_column_holds_finds_nothing_as_the_orm_does(regions):
    query = PreparedQuery(_with_region)
    assert query.all(pk=2**63) == [] == list(_with_region(2**63))
    assert query.all(pk=-(2**63) - 1) == []


def test_an_argument_for_a_32_bit_column_compiles():
    from nara.complaints.models import Attachment

    query = PreparedQuery(lambda size: Attachment.objects.filter(size=size))
    assert query.all(size=10) == []
    (compiled,) = query._compiled.values()
    assert compiled.sql  # not an empty statement that finds nothing for every size


def test_far_pages_are_read_without_keeping_a_statement_each(regions):
    from nara.core.prepared import FAR_PAGES, PreparedList

    count = PreparedQuery(
        lambda: (
            Region.objects.filter(code__startswith="X")
            .values("parent_id")
            .annotate(n=Count("id"))
            .values_list("n", flat=True)
            .order_by()
        )
    )
    page = PreparedQuery(
        lambda start, stop: Region.objects.filter(code__startswith="X").order_by("code")[
            start:stop
        ],
        shape=("start", "stop"),
    )
    rows = PreparedList(count, page)
    assert rows[0:1] == [regions[0]]
    assert rows[FAR_PAGES : FAR_PAGES + 1] == []
    assert len(page._compiled) == 1


def test_a_statement_that_can_match_nothing_is_refused():
    from nara.complaints.models import Attachment

    query = PreparedQuery(lambda size: Attachment.objects.filter(size=size, pk__in=[]))
    with pytest.raises(ImproperlyConfigured):
        query.all(size=10)


def test_a_32_bit_column_is_searched_with_each_value_and_none_beyond_its_range(world):
    from nara.complaints.models import Attachment

    from .helpers import file_complaint

    complaint = file_complaint(world)
    small = Attachment.objects.create(complaint=complaint, name="a.pdf", size=10, file="a.pdf")
    large = Attachment.objects.create(complaint=complaint, name="b.pdf", size=20, file="b.pdf")
    query = PreparedQuery(lambda size: Attachment.objects.filter(size=size))
    assert query.all(size=10) == [small]
    assert query.all(size=20) == [large]
    assert query.all(size=2**40) == []
