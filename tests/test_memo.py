"""{% memo %}: a fragment is reused only for the same values, language and time zone."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings
from django.utils import translation

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


def test_the_oldest_fragments_are_forgotten_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(memo, "LIMIT", 2)
    for status in ("a", "b", "c"):
        ROW.render(Context({"c": {"status": status, "title": status}}))
    assert len(memo._rendered) == 2
    assert ROW.render(Context({"c": {"status": "a", "title": "new"}})) == "Open a new"


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


def test_a_key_variable_missing_from_the_context_is_never_shared():
    keyed = Template('{% load memo %}{% memo "x" header_key %}{{ title }}{% endmemo %}')
    assert keyed.render(Context({"title": "one"})) == "one"
    assert keyed.render(Context({"title": "two"})) == "two"
    assert keyed.render(Context({"title": "three", "header_key": "k"})) == "three"
    assert keyed.render(Context({"title": "four", "header_key": "k"})) == "three"
