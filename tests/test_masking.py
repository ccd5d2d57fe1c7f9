"""nara.core.masking: personal data in published text is masked."""

import pytest

from nara.core.masking import mask_personal_data


@pytest.mark.parametrize(
    "text, secret",
    [
        ("전화 010-1234-5678 로 연락주세요", "010-1234-5678"),
        ("mobile 010 1234 5678", "010 1234 5678"),
        ("mobile 01012345678.", "01012345678"),
        ("old mobile 011-123-4567", "011-123-4567"),
        ("abroad +82 10-1234-5678", "10-1234-5678"),
        ("abroad +82-10-1234-5678", "10-1234-5678"),
        ("office 02-123-4567", "02-123-4567"),
        ("office (02) 1234-5678", "1234-5678"),
        ("office 031-123-4567", "031-123-4567"),
        ("office 064.123.4567", "064.123.4567"),
        ("internet phone 070-1234-5678", "070-1234-5678"),
        ("주민등록번호 900101-1234567 입니다", "900101-1234567"),
        ("주민번호9001012345678", "9001012345678"),
        ("card 1234-5678-9012-3456", "1234-5678-9012-3456"),
        ("card 1234567890123456", "1234567890123456"),
        ("mail hong.gildong+tag@example.co.kr now", "hong.gildong+tag@example.co.kr"),
        ("메일 user_1@mail.example.com 으로", "user_1@mail.example.com"),
        ("차량번호 12가 3456", "12가 3456"),
        ("차량 123가4567 이", "123가4567"),
        ("서울12가3456 차량", "서울12가3456"),
    ],
)
def test_personal_data_is_masked(text, secret):
    masked = mask_personal_data(text)
    assert secret not in masked
    assert len(masked) >= len(text) - len(secret)  # the rest of the text is still there


def test_the_shape_stays_readable():
    assert mask_personal_data("call 010-1234-5678") == "call ***-****-****"
    assert mask_personal_data("RRN 900101-1234567.") == "RRN ******-*******."
    assert mask_personal_data("a@b.kr") == "***@***"


@pytest.mark.parametrize(
    "text",
    [
        "접수 2025-03-04 10:00, 3번 출구 앞",
        "예산 1,000,000원, 길이 120m",
        "Receipt NR-250304-7KQ4MX",
        "100마리의 비둘기",
        "version 1.2.3 of the form",
        "공원 벤치 12개가 부서졌습니다",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert mask_personal_data(text) == text


def test_extra_strings_are_masked_anywhere():
    text = "홍길동입니다. Contact HONG@EXAMPLE.COM; 세종대로 209 앞"
    masked = mask_personal_data(
        text, extra=["홍길동", "hong@example.com", "세종대로 209", "", None]
    )
    assert "홍길동" not in masked and "세종대로 209" not in masked
    assert "HONG@EXAMPLE.COM" not in masked
    assert masked.endswith(" 앞")


def test_empty_input():
    assert mask_personal_data("") == ""
    assert mask_personal_data(None) == ""


def test_long_input_is_handled_quickly():
    text = ("0" * 10_000 + " ") * 20 + "010-1234-5678"
    assert mask_personal_data(text).endswith("***-****-****")
