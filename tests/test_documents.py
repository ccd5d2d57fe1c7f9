"""Documents (issue 13): drafting with safe rich text and a disclosure grade, personal data
blocking submission, the line from the delegation table (review → cooperation → 전결), return
and resubmission, acting approval (대결) with 후결, registration numbers, the frozen PDF with
its hash in the audit chain, and the withheld passage absent from the public PDF."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from nara.agencies.models import Membership
from nara.approvals.models import Absence, ApprovalLine, LineStatus, Mark
from nara.audit.models import AuditEvent, EventType
from nara.core.errors import InvalidTransition, NotAllowed
from nara.documents import publication, services, text
from nara.documents.grounds import Grade, Ground
from nara.documents.models import (
    Classification,
    Delegation,
    Document,
    DocumentType,
    Level,
    Retention,
    Status,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
Role = Membership.Role
SECRET = "홍길동 010-1234-5678"
BODY = (
    "<p>도로 보수 계획을 다음과 같이 보고합니다.</p>"
    f"<p>민원인 {SECRET}의 요청에 따라 보수합니다.</p>"
    "<script>alert(1)</script><p onclick='x()'>예산은 3천만 원입니다.</p>"
)


@pytest.fixture
def office(world):
    kind = DocumentType.objects.create(code="plan", name_ko="계획", name_en="Plan")
    Delegation.objects.create(document_type=kind, level=Level.UNIT, post_approval=True)
    series = Classification.objects.create(
        code="roads-maintenance", name_ko="도로 유지보수", retention=Retention.Y10
    )
    reviewer = make_user("reviewer@roads.example.com", official=True, name="Ryu Reviewer")
    Membership.objects.create(user=reviewer, unit=world.roads, role=Role.HANDLER)
    deputy = make_user("deputy@roads.example.com", official=True, name="Do Deputy")
    Membership.objects.create(user=deputy, unit=world.roads, role=Role.HANDLER)
    return {"type": kind, "series": series, "reviewer": reviewer, "deputy": deputy}


def draft(world, office, **changes):
    data = {
        "unit": world.roads,
        "document_type": office["type"],
        "classification": office["series"],
        "title": "2027년 도로 보수 계획",
        "body": BODY,
        "grade": Grade.PARTIAL,
        "reviewer": office["reviewer"],
        "cooperating_units": [world.parks],
    } | changes
    withheld = [(SECRET, Ground.PERSONAL)] if data["grade"] == Grade.PARTIAL else []
    return services.document_save(by=world.handler, data=data, withheld=withheld)


def decide(document, by, decision="approve", comment=""):
    return services.document_decide(document=document, by=by, decision=decision, comment=comment)


def test_the_body_keeps_safe_markup_only(world, office):
    document = draft(world, office)
    assert "<script" not in document.body and "onclick" not in document.body
    assert "<p>예산은 3천만 원입니다.</p>" in document.body
    assert text.clean_html("첫 줄\n둘째 줄\n\n새 문단") == "<p>첫 줄<br>둘째 줄</p><p>새 문단</p>"


def test_grade_rules(world, office):
    with pytest.raises(ValidationError) as error:
        draft(world, office, grade=Grade.CLOSED)
    assert "grounds" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.document_save(
            by=world.handler,
            data={"unit": world.roads, "document_type": office["type"], "title": "",
                  "classification": office["series"], "body": "본문", "grade": Grade.PARTIAL},
            withheld=[("없는 구절", Ground.PERSONAL)],
        )  # fmt: skip
    assert set(error.value.message_dict) == {"title", "withheld"}


def test_personal_data_blocks_submission_until_withheld_or_confirmed(world, office):
    found = text.find_personal_data(
        "주민번호 900101-1234567, 연락처 010-9876-5432, a@b.kr, 계좌 110-123-456789"
    )
    assert [f.kind for f in found] == ["rrn", "phone", "email", "account"]
    document = draft(world, office, grade=Grade.OPEN, body="<p>담당자 02-2100-1234</p>")
    with pytest.raises(ValidationError) as error:
        services.document_submit(document=document, by=world.handler)
    assert "02-2100-1234" in str(error.value)
    assert Document.objects.get().status == Status.DRAFT and not ApprovalLine.objects.exists()
    services.document_submit(document=document, by=world.handler, confirm=["02-2100-1234"])
    assert Document.objects.get().status == Status.IN_APPROVAL
    partial = draft(world, office)  # its phone number is inside the withheld passage
    assert services.document_submit(document=partial, by=world.handler).status == "in_approval"


def test_return_fix_resubmit_acting_approval_registration_and_publication(world, office):
    document = draft(world, office)
    services.document_submit(document=document, by=world.handler)
    for outsider in (world.other_handler, world.citizen, world.approver, world.handler):
        with pytest.raises(NotAllowed):  # not their turn, or not theirs at all
            decide(document, outsider)
    decide(document, office["reviewer"], "return", "예산 근거를 붙이세요.")
    document.refresh_from_db()
    assert document.status == Status.RETURNED
    with pytest.raises(InvalidTransition):
        decide(document, office["reviewer"])
    document = services.document_save(
        by=world.handler,
        document=document,
        data={
            "document_type": office["type"],
            "classification": office["series"],
            "title": document.title,
            "body": BODY + "<p>예산 근거: 2027년 도로 유지보수 예산</p>",
            "grade": Grade.PARTIAL,
            "reviewer": office["reviewer"],
            "cooperating_units": [world.parks],
        },
        withheld=[(SECRET, Ground.PERSONAL)],
    )
    services.document_submit(document=document, by=world.handler)
    decide(document, office["reviewer"])
    decide(document, world.other_approver)  # the parks unit cooperates
    now = timezone.now()
    Absence.objects.create(
        user=world.approver,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        deputy=office["deputy"],
    )
    decide(document, office["deputy"])  # 전결, acting: 대결
    document.refresh_from_db()
    year = timezone.localdate().year
    assert document.status == Status.REGISTERED and document.reg_no == f"도로과-{year}-1"
    assert document.reg_year == year and document.retention == Retention.Y10
    assert document.post_approval_due  # the table asks for 후결
    line = ApprovalLine.objects.get(status=LineStatus.APPROVED)
    assert line.steps.get(kind="approve").mark == Mark.DELEGATED_ACTING

    assert publication.publish(document.pk) and not publication.publish(document.pk)
    document.refresh_from_db()
    original = PdfReader(io.BytesIO(document.pdf.read())).pages[0].extract_text()
    public = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(document.public_pdf.read())).pages
    )
    assert "010-1234-5678" in original and document.reg_no in original and "대결" in original
    assert "010-1234-5678" not in public and "홍길동" not in public
    assert "제9조제1항제6호" in public and "예산 근거" in public
    event = AuditEvent.objects.get(event_type=EventType.DOCUMENT_PUBLISHED)
    assert event.data["sha256"] == document.pdf_sha256 != document.public_pdf_sha256

    with pytest.raises(NotAllowed):  # the deputy does not approve afterwards for the approver
        services.document_post_approve(document=document, by=office["deputy"])
    services.document_post_approve(document=document, by=world.approver)
    document.refresh_from_db()
    assert not document.post_approval_due


def test_withdraw_until_a_step_acted(world, office):
    document = draft(world, office)
    services.document_submit(document=document, by=world.handler)
    with pytest.raises(NotAllowed):
        services.document_withdraw(document=document, by=office["reviewer"])
    assert services.document_withdraw(document=document, by=world.handler).status == Status.DRAFT
    services.document_submit(document=document, by=world.handler)
    decide(document, office["reviewer"])
    with pytest.raises(InvalidTransition):
        services.document_withdraw(document=document, by=world.handler)


def test_serials_restart_each_year_and_per_unit(world, office):
    assert services.next_serial(world.roads, 2026) == 1
    assert services.next_serial(world.roads, 2026) == 2
    assert services.next_serial(world.roads, 2027) == 1
    assert services.next_serial(world.parks, 2026) == 1


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_final_approvals_register_without_gap_or_duplicate(world, office, settings):
    """32 documents of one unit approved at the same moment (on PostgreSQL in the second pass
    of `make test`): serials 1…32, each once. (Their publication, queued on commit, is left
    to the worker: rendering 32 PDFs is not what this test is about.)"""
    from tests.helpers import together

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}

    documents = [
        draft(world, office, title=f"계획 {i}", grade=Grade.OPEN, body="<p>본문</p>",
              reviewer=None, cooperating_units=[])
        for i in range(32)
    ]  # fmt: skip
    for document in documents:
        services.document_submit(document=document, by=world.handler)
    outcomes = together(32, lambda i: decide(documents[i], world.approver))
    assert outcomes == [None] * 32
    registered = Document.objects.filter(status=Status.REGISTERED)
    assert sorted(registered.values_list("reg_serial", flat=True)) == list(range(1, 33))
    assert len(set(registered.values_list("reg_no", flat=True))) == 32


def test_registration_numbers_carry_their_year(world, office):
    """Serials restart each year: the number names the year, so January's first is not last
    year's first again (a unique number, and a unique public address)."""
    import time_machine

    numbers = []
    for moment in ("2026-12-31 10:00 +0900", "2027-01-04 10:00 +0900"):
        with time_machine.travel(moment, tick=False):
            document = draft(world, office, grade=Grade.OPEN, body="<p>본문</p>", reviewer=None,
                             cooperating_units=[])  # fmt: skip
            services.document_submit(document=document, by=world.handler)
            numbers.append(decide(document, world.approver).reg_no)
    assert numbers == ["도로과-2026-1", "도로과-2027-1"]


def test_personal_data_in_the_title_blocks_submission_too(world, office):
    document = draft(world, office, grade=Grade.OPEN, body="<p>본문</p>",
                     title="민원 회신 (연락처 010-5555-1234)")  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.document_submit(document=document, by=world.handler)
    assert "010-5555-1234" in str(error.value)
