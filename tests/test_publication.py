"""Publishing a complaint (공개 민원): the complaint and its answer are masked however personal data
is written, and the approver sees the exact public text before approving."""

import io

from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from nara.complaints import answers
from nara.complaints.models import Complaint

from .helpers import file_complaint, to_in_progress

EN = {"Accept-Language": "en"}

# written the ways that slipped through before: full-width, spaced, underscored, spelled out
BODY = (
    "저는 홍 길 동 입니다. 휴대폰 ０１０-１２３４-５６７８ 또는 010 - 9876 - 5432, "
    "집 02_555_0199. 주민번호 900101 - 1234567, 환불은 국민은행 123456-01-234567 으로. "
    "메일 hong＠example.com 또는 hong at example dot com."
)
ANSWER = (
    "홍 길 동 님, 010_1111_2222 로 연락드렸습니다. 회신은 hong(at)example.com 으로 드리며 "
    "환급금은 110-123-456789 계좌로 2026-12-07 에 1,000,000원을 보냅니다 (민원처리법 제9조)."
)
ANSWER_SECRETS = ("홍 길 동", "010_1111_2222", "hong(at)example.com", "110-123-456789")
SECRETS = ANSWER_SECRETS + (
    "０１０-１２３４-５６７８",
    "010 - 9876 - 5432",
    "02_555_0199",
    "900101 - 1234567",
    "123456-01-234567",
    "hong＠example.com",
    "hong at example dot com",
)


def detail_url(complaint):
    return reverse("office:detail", kwargs={"receipt_no": complaint.receipt_no})


def public_url(complaint):
    return reverse("complaints:public_detail", args=[complaint.receipt_no])


def pending(world, *, consent=True, answer=ANSWER) -> Complaint:
    world.citizen.name = "홍길동"
    world.citizen.save(update_fields=["name"])
    complaint = file_complaint(
        world, title="포트홀 신고 (홍 길 동)", body=BODY, publish_consent=consent
    )
    complaint = to_in_progress(world, complaint)
    answers.complaint_submit_answer(complaint=complaint, by=world.handler, body=answer)
    complaint.refresh_from_db()
    return complaint


def between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def test_the_published_complaint_and_answer_mask_personal_data_however_written(world, client_for):
    complaint = answers.complaint_approve(complaint=pending(world), by=world.approver)
    for secret in ANSWER_SECRETS:  # the answer is masked like the complaint
        assert secret not in complaint.public_answer, secret
    html = client_for(None, **EN).get(public_url(complaint)).content.decode()
    for secret in SECRETS:
        assert secret not in html, secret
    # what is not personal is published as written
    assert "2026-12-07" in html and "1,000,000원" in html and "제9조" in html
    assert "***@***" in html and "*** - **** - ****" in html and "***_****_****" in html
    for stored in (complaint.public_title, complaint.public_body, complaint.public_answer):
        assert "홍" not in stored and "example" not in stored


def test_the_approver_sees_the_exact_public_text_before_approving(world, client_for):
    complaint = pending(world)
    approver = client_for(world.approver, **EN)
    page = approver.get(detail_url(complaint))
    preview = page.context["public_preview"]
    html = page.content.decode()
    section = between(html, 'id="public-preview"', 'id="action-approve"')
    assert "Preview of the public page" in section
    assert 'aria-labelledby="public-preview-heading"' in html
    assert preview.title in section and "***@***" in preview.body and "***@***" in preview.answer
    for secret in SECRETS:
        assert secret not in section, secret
    assert "홍 길 동 님" in between(html, 'id="approval"', 'id="public-preview"')  # as written

    approver.post(reverse("office:approve", kwargs={"receipt_no": complaint.receipt_no}))
    complaint.refresh_from_db()
    assert (complaint.public_title, complaint.public_body, complaint.public_answer) == (
        preview.title,
        preview.body,
        preview.answer,
    )
    public = client_for(None, **EN).get(public_url(complaint)).content.decode()
    for shown in (f"<h1>{preview.title}</h1>", f'<div class="answer">{preview.answer}</div>'):
        assert shown in public
    assert f'<div class="answer">{preview.answer}</div>' in section


def test_the_preview_says_so_when_the_citizen_did_not_consent(world, client_for):
    complaint = pending(world, consent=False)
    page = client_for(world.approver, **EN).get(detail_url(complaint))
    assert page.context["public_preview"] is None
    section = between(page.content.decode(), 'id="public-preview"', "</section>")
    assert "did not agree to publication" in section
    assert "***" not in section


def test_the_preview_is_in_korean_for_korean_officials(world, client_for):
    complaint = pending(world)
    page = client_for(world.approver, **{"Accept-Language": "ko"}).get(detail_url(complaint))
    section = between(page.content.decode(), 'id="public-preview"', 'id="action-approve"')
    with translation.override("ko"):
        heading = translation.gettext("Preview of the public page")
    assert f">{heading}</h3>" in section
    assert ">민원</h4>" in section and ">답변</h4>" in section


def test_complaints_published_before_are_masked_again_by_the_command(world):
    complaint = answers.complaint_approve(complaint=pending(world), by=world.approver)
    leaked = "Call 010_1111_2222"  # as an earlier release stored it
    Complaint.objects.filter(pk=complaint.pk).update(public_answer=leaked)
    private = answers.complaint_approve(
        complaint=pending(world, consent=False, answer="Call 010_3333_4444"), by=world.approver
    )
    Complaint.objects.filter(pk=private.pk).update(public_answer="")
    out = io.StringIO()
    call_command("remask_published", stdout=out)
    assert out.getvalue().strip() == "1 published complaint(s) masked again."
    complaint.refresh_from_db()
    assert "010_1111_2222" not in complaint.public_answer and "***_****_****" in (
        complaint.public_answer
    )
    assert Complaint.objects.get(pk=private.pk).public_answer == ""  # not published: not written
    call_command("remask_published", stdout=out)  # nothing left to change
    assert out.getvalue().strip().endswith("0 published complaint(s) masked again.")


def test_masking_again_never_unmasks_a_deactivated_citizens_name(world):
    """Deactivation erases the citizen's name, so masking from the original text no longer
    knows it: the command must mask the public copy, never rebuild it with less knowledge."""
    from nara.accounts.services import user_deactivate

    world.citizen.name = "홍길동"
    world.citizen.save(update_fields=["name"])
    complaint = answers.complaint_approve(
        complaint=pending(world, answer="홍길동 님의 민원에 답합니다. 010_1111_2222"),
        by=world.approver,
    )
    assert "홍" not in complaint.public_title + complaint.public_body + complaint.public_answer
    user_deactivate(by=None, user=world.citizen)
    call_command("remask_published", stdout=io.StringIO())
    complaint.refresh_from_db()
    for stored in (complaint.public_title, complaint.public_body, complaint.public_answer):
        assert "홍" not in stored


def test_a_deactivated_citizens_complaint_approved_later_stays_private(world, client):
    """Nothing knows a deactivated citizen's name any more, so masking could not hide it in a
    complaint approved after the deactivation: it is not published."""
    from nara.accounts.services import user_deactivate

    world.citizen.name = "홍길동"
    world.citizen.save(update_fields=["name"])
    waiting = pending(world, answer="홍길동 님, 답변드립니다.")
    user_deactivate(by=None, user=world.citizen)
    complaint = answers.complaint_approve(complaint=waiting, by=world.approver)
    assert complaint.publish_consent is False
    assert client.get(public_url(complaint)).status_code == 404
