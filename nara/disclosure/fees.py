"""Fees (수수료) from the published table, NARA_DISCLOSURE_FEES: per form of disclosure the first
page and each further page, and the postage when the requester asked for delivery by post.
Refusals cost nothing."""

from django.conf import settings

from nara.documents.grounds import Grade

from .models import Delivery

DEFAULT_FEES = {
    "view": {"first_page": 0, "next_pages": 0},  # 열람
    "copy": {"first_page": 250, "next_pages": 50},  # 사본 (A4)
    "electronic": {"first_page": 0, "next_pages": 0},  # 전자파일
    "postage": 3000,  # 우송
}


def table() -> dict:
    return {**DEFAULT_FEES, **getattr(settings, "NARA_DISCLOSURE_FEES", {})}


def fee_for(*, form: str, delivery: str, pages: int, grade: str) -> int:
    """The fee in won for disclosing `pages` pages in `form`, delivered by `delivery`."""
    if grade == Grade.CLOSED or pages <= 0:
        return 0
    fees = table()
    rate = fees[form]
    total = rate["first_page"] + rate["next_pages"] * (pages - 1)
    if delivery == Delivery.MAIL:
        total += fees["postage"]
    return total
