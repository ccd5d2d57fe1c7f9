"""{% memo %}: a fragment is reused only for the same values, language and time zone."""

import sys

import pytest
from django.template import Context, Origin, Template, TemplateSyntaxError
from django.test import override_settings
from django.utils import translation

from nara.core.lru import LRU
from nara.core.templatetags import memo

ROW = Template(
    '{% load memo i18n %}{% memo "row" c.status %}{% translate "Open" %} {{ c.status }} '
    "{{ c.title }}{% endmemo %}"
)


@pytest.fixture(autouse=True)
def _empty():
    memo.forget()
    with translation.override("en"):
        yield
    memo.forget()


def test_the_same_values_reuse_the_fragment_other_values_render_again():
    assert ROW.render(Context({"c": {"status": "open", "title": "first"}})) == "Open open first"
    # the title is not in the key: the fragment is reused as it is (what the key promises)
    assert ROW.render(Context({"c": {"status": "open", "title": "second"}})) == "Open open first"
    assert ROW.render(Context({"c": {"status": "closed", "title": "third"}})) == "Open closed third"


def test_each_language_has_its_own_copy():
    with translation.override("en"):
        english = ROW.render(Context({"c": {"status": "open", "title": "t"}}))
    with translation.override("ko"):
        korean = ROW.render(Context({"c": {"status": "open", "title": "t"}}))
    assert english == "Open open t"
    assert korean != english and korean.endswith(" open t")


def test_the_least_recently_used_fragments_are_forgotten_beyond_the_byte_budget(settings):
    one = sys.getsizeof("Open a " + "x" * 1000)
    settings.NARA_MEMO_BYTES = 3 * one + one // 2  # three such fragments, not four
    memo.LARGEST_KEPT = 1
    try:
        for status in ("a", "b", "c"):
            ROW.render(Context({"c": {"status": status, "title": "x" * 1000}}))
        ROW.render(Context({"c": {"status": "a", "title": "new"}}))  # a: used again
        ROW.render(Context({"c": {"status": "d", "title": "y" * 1000}}))
    finally:
        memo.LARGEST_KEPT = 16
    assert len(memo._rendered) == 3 and memo._rendered.total <= settings.NARA_MEMO_BYTES
    assert ROW.render(Context({"c": {"status": "b", "title": "new"}})) == "Open b new"  # gone
    assert ROW.render(Context({"c": {"status": "a", "title": "new"}})).startswith("Open a xxx")


def test_a_fragment_larger_than_a_sixteenth_of_the_budget_is_rendered_but_not_kept(settings):
    settings.NARA_MEMO_BYTES = 16 * 1024
    body = "민원" * 5000  # a long complaint's text
    assert ROW.render(Context({"c": {"status": "open", "title": body}})) == f"Open open {body}"
    assert ROW.render(Context({"c": {"status": "open", "title": "t"}})) == "Open open t"
    assert len(memo._rendered) == 1  # the short one only


def test_entries_without_a_size_count_one_each():
    """How PreparedQuery keeps its compiled statements."""
    kept = LRU()
    for n in range(5):
        kept.keep(n, str(n), 3)
    assert list(kept) == [2, 3, 4] and kept.recall(2) == "2"
    kept.keep(5, "5", 3)
    assert list(kept) == [4, 2, 5]
    kept.forget()
    assert kept == {} and kept.total == 0


def test_memo_in_nara_off_renders_each_time(settings):
    settings.NARA_OFF = frozenset({"memo"})
    assert ROW.render(Context({"c": {"status": "open", "title": "first"}})) == "Open open first"
    assert ROW.render(Context({"c": {"status": "open", "title": "second"}})) == "Open open second"
    assert memo._rendered == {}


def test_a_changed_setting_forgets_everything():
    ROW.render(Context({"c": {"status": "open", "title": "t"}}))
    with override_settings(NARA_SOMETHING=1):
        assert memo._rendered == {}


def test_a_name_is_required():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load memo %}{% memo row %}x{% endmemo %}")


def test_a_fingerprint_changes_with_any_column_of_its_rows():
    from nara.core.models import Region

    region = Region(code="X1", name_ko="가", name_en="Ga")
    before = memo.fingerprint(region, [region], "x")
    assert before == memo.fingerprint(Region(code="X1", name_ko="가", name_en="Ga"), [region], "x")
    region.name_en = "Ga-do"
    assert memo.fingerprint(region, [region], "x") != before
    assert memo.fingerprint((region,)) != memo.fingerprint((Region(code="X2", name_ko="가"),))


@pytest.mark.parametrize(
    "context, missing",
    [
        ({"title": "one", "row": {"key": 1}}, "header_key"),  # the page does not set it
        ({"title": "one", "header_key": "k"}, "row.key"),  # the second key is missing
        ({"title": "one", "header_key": "k", "row": {}}, "row.key"),  # misspelled, say
    ],
)
def test_a_key_variable_missing_from_the_context_raises(context, missing):
    """Fails closed: before, an unresolved key was "" (or only the first was checked), so
    every page without it shared the first one's fragment."""
    keyed = Template(
        '{% load memo %}{% memo "x" header_key row.key %}{{ title }}{% endmemo %}',
        origin=Origin("office/example.html", template_name="office/example.html"),
    )
    with pytest.raises(
        TemplateSyntaxError, match=rf'"x".*office/example.html.* {missing} is not set'
    ):
        keyed.render(Context(context))


def test_a_key_may_be_none_or_a_literal():
    keyed = Template('{% load memo %}{% memo "x" prefix "literal" 3 %}{{ title }}{% endmemo %}')
    assert keyed.render(Context({"title": "one", "prefix": None})) == "one"
    assert keyed.render(Context({"title": "two", "prefix": None})) == "one"


def test_keys_take_no_filters():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load memo %}{% memo "x" title|lower %}x{% endmemo %}')
