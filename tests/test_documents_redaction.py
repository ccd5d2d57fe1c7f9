"""A withheld passage (부분공개) must be unreadable wherever the public reads the document: the
body is redacted by replacing the passage as written, so a draft is refused when the passage
is also written in a way the replacement does not reach (split by markup, other spacing) or
in the title, the recipients or an attachment's name, all of which are public."""

import pytest
from django.core.exceptions import ValidationError

import tests.test_documents as drafting
from nara.core.uploads import CleanFile
from nara.documents import services, text
from nara.documents.grounds import Grade, Ground

pytestmark = pytest.mark.django_db
office = drafting.office
NAME = "김철수"


def save(world, office, body, *, files=(), document=None, **changes):
    data = {
        "unit": world.roads,
        "document_type": office["type"],
        "classification": office["series"],
        "title": "민원 회신",
        "body": body,
        "grade": Grade.PARTIAL,
        "reviewer": None,
        "cooperating_units": [],
    } | changes
    return services.document_save(
        by=world.handler,
        data=data,
        withheld=[(NAME, Ground.PERSONAL)],
        files=files,
        document=document,
    )


@pytest.mark.parametrize(
    "body",
    [
        f"<p>민원인 {NAME} 씨.</p><p>다시 <b>김</b>철수 씨에게.</p>",  # split by markup
        f"<p>민원인 {NAME} 씨, 김<i>철수</i> 씨.</p>",
        f"<p>민원인 {NAME} 씨와 김&nbsp;철수 씨.</p>".replace(NAME, "김 철수"),  # spacing
    ],
)
def test_a_passage_the_redaction_would_miss_is_refused(world, office, body):
    passage = "김 철수" if "&nbsp;" in body else NAME
    clean = text.clean_html(body)
    assert text.passage_in(clean, passage)
    assert text.passage_left(clean, passage)  # what was published before: the rest readable
    with pytest.raises(ValidationError) as error:
        services.document_save(
            by=world.handler,
            data={
                "unit": world.roads,
                "document_type": office["type"],
                "classification": office["series"],
                "title": "민원 회신",
                "body": body,
                "grade": Grade.PARTIAL,
                "reviewer": None,
                "cooperating_units": [],
            },
            withheld=[(passage, Ground.PERSONAL)],
        )
    assert "withheld" in error.value.message_dict


@pytest.mark.parametrize("field", ["title", "recipients"])
def test_a_passage_also_in_a_public_field_is_refused(world, office, field):
    with pytest.raises(ValidationError) as error:
        save(world, office, f"<p>민원인 {NAME} 씨.</p>", **{field: f"{NAME} 님 민원 회신"})
    assert "withheld" in error.value.message_dict


def test_a_passage_in_an_attachment_name_is_refused(world, office):
    document = save(world, office, f"<p>민원인 {NAME} 씨.</p>")  # the same passage, no file
    png = CleanFile(name=f"{NAME}_사진.png", content_type="image/png", data=b"\x89PNG")
    with pytest.raises(ValidationError) as error:
        save(world, office, f"<p>민원인 {NAME} 씨.</p>", files=[png], document=document)
    assert "attachments" in error.value.message_dict
    with pytest.raises(ValidationError):
        save(world, office, f"<p>민원인 {NAME} 씨.</p>", files=[png])


def test_a_passage_written_the_same_way_everywhere_is_accepted(world, office):
    document = save(world, office, f"<p>민원인 <b>{NAME}</b> 씨, 다시 {NAME} 씨.</p>")
    assert not text.passage_left(document.body, NAME)
