"""The officials' document pages: who may see and act (others get 404), the drafting form's
errors keep what was typed, the decision form acts on the line the page showed, the register
and its CSV."""

import pytest

import tests.test_documents as drafting
from nara.approvals.models import ApprovalLine
from nara.documents.grounds import Grade, Ground
from nara.documents.models import Document, Status

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}  # the assertions read the English pages


@pytest.fixture
def client_for(client_for):
    return lambda user, **headers: client_for(user, **(EN | headers))


@pytest.fixture
def client():
    from django.test import Client

    return Client(headers=EN)


office = drafting.office  # the fixture
draft, SECRET = drafting.draft, drafting.SECRET
NEW = "/office/documents/new/"


def form_data(world, office, **changes):
    return {
        "unit": world.roads.pk,
        "document_type": office["type"].pk,
        "classification": office["series"].pk,
        "title": "도로 보수 계획",
        "body": f"민원인 {SECRET}의 요청\n\n예산은 3천만 원입니다.",
        "grade": Grade.PARTIAL,
        "passage_0": SECRET,
        "ground_0": Ground.PERSONAL,
        "reviewer": office["reviewer"].pk,
        "cooperating_units": [world.parks.pk],
    } | changes


def test_drafting_in_the_browser_form(world, office, client_for):
    client = client_for(world.handler)
    assert client.get(NEW).status_code == 200
    bad = client.post(NEW, form_data(world, office, title="", passage_0="없는 구절"))
    page = bad.content.decode()
    assert bad.status_code == 400 and "Write the title." in page and "없는 구절" in page
    assert "예산은 3천만 원입니다." in page  # nothing typed is lost
    ok = client.post(NEW, form_data(world, office))
    document = Document.objects.get()
    assert ok.status_code == 302 and ok["Location"] == document.get_absolute_url()
    assert document.body == f"<p>민원인 {SECRET}의 요청</p><p>예산은 3천만 원입니다.</p>"
    assert list(document.withheld.values_list("passage", flat=True)) == [SECRET]


def test_who_sees_a_document(world, office, client_for):
    document = draft(world, office)
    url = document.get_absolute_url()
    assert client_for(None).get(url).status_code == 302  # to the login page
    for outsider in (world.citizen, world.other_handler):
        assert client_for(outsider).get(url).status_code == 404, outsider
    for insider in (world.handler, world.approver, office["reviewer"]):
        assert client_for(insider).get(url).status_code == 200, insider
    assert client_for(world.approver).get(url + "edit/").status_code == 404  # not the drafter
    assert client_for(world.handler).post(url + "submit/").status_code == 302
    # on the line now: the cooperating unit's officials see it, its citizens and others do not
    assert client_for(world.other_approver).get(url).status_code == 200
    assert (
        client_for(world.citizen).post(url + "decide/", {"decision": "approve"}).status_code == 404
    )


def test_deciding_on_the_page(world, office, client_for):
    document = draft(world, office)
    reviewer = client_for(office["reviewer"])
    client_for(world.handler).post(document.get_absolute_url() + "submit/")
    line = ApprovalLine.objects.get()
    waiting = reviewer.get("/office/documents/?tab=waiting").content.decode()
    assert document.title in waiting
    worklist = reviewer.get("/office/approvals/").content.decode()  # every kind's steps
    assert f'href="{document.get_absolute_url()}"' in worklist
    page = reviewer.get(document.get_absolute_url()).content.decode()
    assert 'value="approve"' in page and f'value="{line.pk}"' in page
    stale = reviewer.post(
        document.get_absolute_url() + "decide/", {"decision": "approve", "line": line.pk + 1}
    )
    assert stale.status_code == 302 and Document.objects.get().status == Status.IN_APPROVAL
    reviewer.post(
        document.get_absolute_url() + "decide/",
        {"decision": "return", "comment": "예산 근거를 붙이세요.", "line": line.pk},
    )
    assert Document.objects.get().status == Status.RETURNED
    drafter_page = client_for(world.handler).get(document.get_absolute_url()).content.decode()
    assert "예산 근거를 붙이세요." in drafter_page


def test_the_register_and_its_csv(world, office, client_for):
    from nara.documents import services

    document = draft(world, office, grade=Grade.OPEN, body="<p>본문</p>", reviewer=None,
                     cooperating_units=[])  # fmt: skip
    services.document_submit(document=document, by=world.handler)
    services.document_decide(document=document, by=world.approver, decision="approve")
    document.refresh_from_db()
    client = client_for(world.handler)
    page = client.get("/office/documents/register/").content.decode()
    assert document.reg_no in page and document.reg_no.endswith("-1")
    csv = b"".join(client.get("/office/documents/register/?format=csv").streaming_content)
    assert document.reg_no.encode() in csv
    assert (
        client_for(world.other_handler)
        .get("/office/documents/register/?unit=moi-roads")
        .status_code
        == 404
    )


def test_a_line_template_prefills_the_drafting_form(world, office, client_for):
    from nara.documents.models import LineTemplate

    template = LineTemplate.objects.create(
        name="공원과 협조", unit=world.roads, reviewer=office["reviewer"]
    )
    template.cooperating_units.set([world.parks])
    LineTemplate.objects.create(name="남의 부서", unit=world.parks)
    client = client_for(world.handler)
    page = client.get(NEW).content.decode()
    assert "공원과 협조" in page and "남의 부서" not in page  # the official's units' only
    form = client.get(NEW, {"template": template.pk}).context["form"]
    assert form.initial["reviewer"] == office["reviewer"].pk
    assert form.initial["cooperating_units"] == [world.parks.pk]
