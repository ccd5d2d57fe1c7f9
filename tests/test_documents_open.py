"""원문정보공개 (issue 13): published documents on /open/documents/ and /api/v1/documents — each
grade shows what it allows and nothing more (the withheld passage absent from the page, the API
and the public PDF's text; a closed document's body and PDF nowhere), the search and its bad
values, the feed and the exports, keyset pages whose query count does not grow with the
documents, and documents not yet published invisible."""

import csv
import io
import json
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

import tests.test_documents as drafting
from nara.documents import publication, selectors, services
from nara.documents.grounds import Grade, Ground
from nara.documents.models import Document, DocumentType, Status

pytestmark = pytest.mark.django_db
office = drafting.office  # the fixture: a document type, its delegation, a series
draft = drafting.draft
LIST = "/open/documents/"
DOCUMENT_ROUTES = {("GET", "/documents"), ("GET", "/documents/{reg_no}")}
CLOSED_BODY = "<p>협상 전략: 상대 기관의 예산 한도는 40억 원으로 추정됩니다.</p>"
OPEN_BODY = "<p>공원 산책로 정비 결과를 알려 드립니다.</p><p>예산은 2천만 원입니다.</p>"


def published(world, office, *, publish=True, **changes) -> Document:
    """A document drafted, approved by the unit's approver (전결), registered and published."""
    document = draft(world, office, reviewer=None, cooperating_units=[], **changes)
    services.document_submit(document=document, by=world.handler)
    services.document_decide(document=document, by=world.approver, decision="approve")
    if publish:
        assert publication.publish(document.pk)
    return Document.objects.get(pk=document.pk)


@pytest.fixture
def one(world, office):
    """One open document (a PDF is rendered for each published document: they take time)."""
    return published(world, office, grade=Grade.OPEN, title="공원 산책로 정비", body=OPEN_BODY)


@pytest.fixture
def three(world, office):
    """One document of each grade."""
    return {
        "open": published(
            world, office, grade=Grade.OPEN, title="공원 산책로 정비", body=OPEN_BODY
        ),
        "partial": published(world, office),  # BODY, SECRET withheld (personal information)
        "closed": published(
            world,
            office,
            grade=Grade.CLOSED,
            grounds=[Ground.IN_PROGRESS],
            title="청사 이전 협상 계획",
            body=CLOSED_BODY,
        ),
    }


def pdf_text(response) -> str:
    data = b"".join(response.streaming_content)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_an_open_document_in_full_with_its_pdf_and_hash(client, three):
    document = three["open"]
    page = client.get(document.public_url())
    html = page.content.decode()
    assert page.status_code == 200 and "예산은 2천만 원입니다." in html
    assert document.reg_no in html and document.public_pdf_sha256 in html
    assert document.public_pdf_sha256 == document.pdf_sha256  # open: the original is public
    pdf = client.get(reverse("open_documents:pdf", args=[document.reg_no]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "산책로" in pdf_text(pdf)


def test_a_partly_open_document_without_its_withheld_passage(client, three):
    document = three["partial"]
    html = client.get(document.public_url()).content.decode()
    assert "010-1234-5678" not in html and "홍길동" not in html
    assert "withheld" in html and str(Ground.PERSONAL.label) in html
    assert "예산은 3천만 원입니다." in html  # the rest is public
    assert "<script" not in html.split("<main")[1].split("</main>")[0]
    pdf = client.get(reverse("open_documents:pdf", args=[document.reg_no]))
    words = pdf_text(pdf)
    assert "010-1234-5678" not in words and "홍길동" not in words and "제6호" in words
    assert document.public_pdf_sha256 in html and document.pdf_sha256 not in html
    assert document.public_pdf_sha256 != document.pdf_sha256


def test_a_closed_document_shows_its_entry_and_ground_only(client, three):
    document = three["closed"]
    page = client.get(document.public_url())
    html = page.content.decode()
    assert page.status_code == 200 and document.title in html and document.reg_no in html
    assert str(Ground.IN_PROGRESS.label) in html and "40억" not in html
    assert document.pdf_sha256 not in html
    assert client.get(reverse("open_documents:pdf", args=[document.reg_no])).status_code == 404
    listing = client.get(LIST).content.decode()
    assert document.title in listing and "40억" not in listing


def test_unpublished_documents_are_invisible(client, world, office, three):
    waiting = published(world, office, grade=Grade.OPEN, body=OPEN_BODY, publish=False)
    assert waiting.status == Status.REGISTERED and waiting.reg_no
    drafted = draft(world, office, grade=Grade.OPEN, body=OPEN_BODY, title="초안 문서")
    for url in (
        waiting.public_url(),
        reverse("open_documents:pdf", args=[waiting.reg_no]),
        "/api/v1/documents/" + waiting.reg_no,
        "/open/documents/없는-1/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/open/documents/%00/").status_code in (400, 404)
    listing = client.get(LIST).content.decode()
    assert waiting.reg_no not in listing and drafted.title not in listing
    assert len(client.get("/api/v1/documents").json()["items"]) == 3


def test_search_filters(client, world, office, three):
    def found(**query) -> set[str]:
        response = client.get(LIST, query)
        assert response.status_code == 200, response.content
        return {d.reg_no for d in response.context["documents"]}

    every = {d.reg_no for d in three.values()}
    assert found() == every
    assert found(q="산책로") == {three["open"].reg_no}  # an open document's body
    assert found(q="보수 계획") == {three["partial"].reg_no}  # words of a title
    assert found(q="3천만") == {three["partial"].reg_no}  # a partly open one's public words
    assert found(q="홍길동") == set()  # a withheld passage is not searchable
    assert found(q="40억") == set()  # nor a closed document's body
    assert found(grade="closed") == {three["closed"].reg_no}
    assert found(unit="moi-roads") == every
    assert found(unit="moi") == every  # the ministry with its divisions
    assert found(unit="seoul-parks") == set()
    assert found(type="plan") == every
    DocumentType.objects.create(code="notice", name_ko="공고")
    assert found(type="notice") == set()
    today = timezone.localdate()
    assert found(**{"from": today.isoformat(), "to": today.isoformat()}) == every
    assert found(**{"from": (today + timedelta(days=1)).isoformat()}) == set()
    assert found(to=(today - timedelta(days=1)).isoformat()) == set()
    assert found(**{"from": "0001-01-01", "to": "9999-12-31"}) == every  # the calendar's ends


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "abc"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"grade": "secret"}, "grade"),
        ({"unit": "nowhere"}, "unit"),
        ({"type": "nothing"}, "type"),
        ({"after": "%%%"}, "cursor"),
        ({"after": "bm90IGEgY3Vyc29y"}, "cursor"),
    ],
)
def test_bad_filters_are_explained_not_500(client, world, query, field):
    response = client.get(LIST, query)
    assert response.status_code == 400 and field in response.context["errors"]
    assert "error-summary" in response.content.decode()
    if field != "cursor":  # the feed has no pages
        assert client.get(reverse("open_documents:feed"), query).status_code == 400
    assert client.get(reverse("open_documents:export"), query).status_code == 400
    api_query = {"cursor" if k == "after" else k: v for k, v in query.items()}
    answer = client.get("/api/v1/documents", api_query)
    assert answer.status_code == 400 and answer.json()["errors"]


def test_the_feed_lists_what_the_filters_find(client, three):
    feed = client.get(reverse("open_documents:feed"), {"grade": "partial"})
    xml = feed.content.decode()
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    assert three["partial"].reg_no in xml and three["open"].reg_no not in xml
    assert "010-1234-5678" not in xml
    everything = client.get(reverse("open_documents:feed")).content.decode()
    assert all(d.reg_no in everything for d in three.values()) and "40억" not in everything


def test_exports_in_csv_and_json(client, three):
    response = client.get(reverse("open_documents:export"), {"format": "csv"})
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert {r["reg_no"] for r in rows} == {d.reg_no for d in three.values()}
    closed = next(r for r in rows if r["grade"] == "closed")
    assert closed["pdf_url"] == "" and closed["grounds"] == Ground.IN_PROGRESS
    response = client.get(reverse("open_documents:export"), {"format": "json", "grade": "open"})
    items = json.loads(b"".join(response.streaming_content))
    assert [i["reg_no"] for i in items] == [three["open"].reg_no]
    assert items[0]["pdf_sha256"] == three["open"].public_pdf_sha256
    assert "Link" not in response
    assert client.get(reverse("open_documents:export"), {"format": "xml"}).status_code == 400


def test_exports_go_on_by_link_past_their_cap(client, three):
    response = client.get(reverse("open_documents:export"), {"format": "json", "limit": "2"})
    first = [i["reg_no"] for i in json.loads(b"".join(response.streaming_content))]
    next_url = response["Link"].split(">")[0].lstrip("<")
    rest = json.loads(b"".join(client.get(next_url).streaming_content))
    assert len(first) == 2 and [i["reg_no"] for i in rest] == [three["open"].reg_no]


def clone(document: Document, count: int, start: int = 0) -> None:
    """`count` more published documents like `document` (volume for the query counts)."""
    now = timezone.now()
    Document.objects.bulk_create(
        Document(
            unit=document.unit,
            drafter=document.drafter,
            document_type=document.document_type,
            classification=document.classification,
            title=f"{document.title} {i}",
            body=document.body,
            grade=document.grade,
            grounds=document.grounds,
            status=Status.REGISTERED,
            reg_no=f"{document.unit.name_ko}-{1000 + i}",
            reg_year=document.reg_year,
            reg_serial=1000 + i,
            registered_at=now - timedelta(minutes=i),
            published_at=now - timedelta(minutes=i),
            public_pdf=document.public_pdf.name,
            public_pdf_sha256=document.public_pdf_sha256,
        )
        for i in range(start, start + count)
    )


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url, params",
    [
        (LIST, {}),
        (LIST, {"q": "정비", "unit": "moi", "grade": "open"}),
        ("/open/documents/feed/", {}),
        ("/open/documents/export/", {"format": "csv"}),
        ("/api/v1/documents", {}),
    ],
)
def test_queries_per_page_do_not_grow_with_the_documents(client, one, url, params):
    clone(one, 4)  # 5 documents
    few = queries(client, url, params)
    clone(one, 45, start=4)  # 50
    assert queries(client, url, params) == few


def test_keyset_pages_cover_every_document_once(client, one):
    clone(one, 47)
    seen, url = [], LIST
    while url:
        response = client.get(url if url.startswith("/") else LIST + url)
        seen += [d.reg_no for d in response.context["documents"]]
        url = response.context["next_url"]
    assert len(seen) == len(set(seen)) == 48
    assert seen == list(
        Document.objects.filter(published_at__isnull=False)
        .order_by("-published_at", "-id")
        .values_list("reg_no", flat=True)
    )


def test_a_registration_date_range_pages_by_registration_every_document_once(client, one):
    """With registration dates the list is newest registration first (the range is read from
    the registration index and stops after a page), its cursor on the registration time."""
    clone(one, 47)
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
    for i, document in enumerate(Document.objects.order_by("id")):  # publication reversed
        Document.objects.filter(pk=document.pk).update(
            registered_at=noon - timedelta(minutes=i), published_at=noon + timedelta(minutes=i)
        )
    today = timezone.localdate().isoformat()
    seen, url = [], f"{LIST}?from={today}&to={today}"
    while url:
        response = client.get(url if url.startswith("/") else LIST + url)
        seen += [d.reg_no for d in response.context["documents"]]
        url = response.context["next_url"]
    expected = list(
        Document.objects.filter(published_at__isnull=False, registered_at__date=today)
        .order_by("-registered_at", "-id")
        .values_list("reg_no", flat=True)
    )
    assert len(seen) == len(set(seen)) == len(expected) == 48 and seen == expected
    api = client.get("/api/v1/documents", {"from": today, "to": today, "limit": 30}).json()
    rest = client.get(
        "/api/v1/documents", {"from": today, "to": today, "limit": 30, "cursor": api["next"]}
    ).json()
    assert [i["reg_no"] for i in api["items"] + rest["items"]] == expected


# --- the API ---------------------------------------------------------------------------------


def test_api_detail_shows_what_each_grade_allows(client, three):
    answer = client.get("/api/v1/documents/" + three["open"].reg_no).json()
    assert "산책로" in answer["text"] and answer["pdf"]["sha256"] == three["open"].public_pdf_sha256
    assert answer["withheld"] == [] and answer["grade"] == "open"
    answer = client.get("/api/v1/documents/" + three["partial"].reg_no).json()
    assert "010-1234-5678" not in json.dumps(answer, ensure_ascii=False)
    assert "예산은 3천만 원입니다." in answer["text"]
    assert answer["withheld"] == [{"ground": str(Ground.PERSONAL.label)}]
    assert answer["pdf"]["sha256"] == three["partial"].public_pdf_sha256
    assert answer["pdf"]["sha256"] != three["partial"].pdf_sha256
    answer = client.get("/api/v1/documents/" + three["closed"].reg_no).json()
    assert answer["body_html"] is None and answer["text"] is None and answer["pdf"] is None
    assert answer["grounds"] == [
        {"code": Ground.IN_PROGRESS, "label": str(Ground.IN_PROGRESS.label)}
    ]
    assert "40억" not in json.dumps(answer, ensure_ascii=False)


def test_api_list_filters_and_cursor(client, three):
    items = client.get("/api/v1/documents", {"grade": "partial"}).json()["items"]
    assert [i["reg_no"] for i in items] == [three["partial"].reg_no]
    assert client.get("/api/v1/documents", {"q": "홍길동"}).json()["items"] == []
    first = client.get("/api/v1/documents", {"limit": 2}).json()
    rest = client.get("/api/v1/documents", {"limit": 2, "cursor": first["next"]}).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next"] is None
    assert client.get("/api/v1/documents", {"from": "abc"}).status_code == 400
    assert client.get("/api/v1/documents", {"limit": 1000}).status_code == 400
    assert client.get("/api/v1/documents/없는-1").status_code == 404


def test_the_document_routes_are_declared():
    from nara.api.api import api

    paths = api.get_openapi_schema()["paths"]
    assert (
        {("GET", p.removeprefix("/api/v1")) for p in paths if "/documents" in p}
        == {
            ("GET", "/documents"),
            ("GET", "/documents/{reg_no}"),
        }
        == DOCUMENT_ROUTES
    )
    assert selectors.PAGE_SIZE == 20
