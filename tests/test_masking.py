"""nara.core.masking: personal data in published text is masked, however it is written (full-width,
spaced, underscored, spelled out), and the rest of the text stays exactly as written."""

import pytest

from nara.core.masking import EMAIL_MASK, mask_personal_data


def starred(secret: str) -> str:
    """`secret` with its digits (any script) as "*", its separators kept."""
    return "".join("*" if char.isdigit() else char for char in secret)


def assert_masked(text: str, secret: str, shown_as: str, *, extra=()):
    """Only `secret` changed, to `shown_as`; everything around it as written."""
    assert secret in text
    assert mask_personal_data(text, extra=extra) == text.replace(secret, shown_as)


# --- numbers: every digit becomes "*", separators stay -----------------------------------------

PHONE_NUMBERS = [
    "010-1234-5678",
    "010 1234 5678",
    "01012345678",
    "011-123-4567",
    "０１０-１２３４-５６７８",  # full-width digits
    "０１０－１２３４－５６７８",  # full-width digits and hyphens
    "010-１２３４-5678",  # some of each
    "010 - 9876 - 5432",  # spaced hyphens
    "010_1111_2222",  # underscores
    "010.1234.5678",
    "010/1234/5678",
    "010·1234·5678",  # middle dots
    "010‐1234‐5678",  # typographic hyphens
    "010–1234–5678",  # en dashes
    "010—1234—5678",  # em dashes
    "010−1234−5678",  # minus signs
    "0\u200b1\u200b0-1234-5678",  # zero-width spaces between the digits
    "(010) 1234 5678",
    "010)1234-5678",
    "+82 10-1234-5678",
    "+82-10-9876-5432",
    "+82 10 1234 5678",
    "+82 (0)10-1234-5678",
    "+８２ １０ １２３４ ５６７８",
    "0082-10-1234-5678",
    "02-123-4567",
    "(02) 1234-5678",
    "02 1234 5678",
    "031-123-4567",
    "031_123_4567",
    "064.123.4567",
    "０６４－１２３－４５６７",
    "070-1234-5678",
    "0505-123-4567",
    "+82 2-1234-5678",
    "010    1234    5678",  # a longer run of spaces
    "010\n1234\n5678",  # line breaks
    "0 1 0 1 2 3 4 5 6 7 8",  # digit by digit
    "0 1 0 - 1 2 3 4 - 5 6 7 8",
    "010~1234~5678",
    "010:1234:5678",
    "010,1234,5678",
    "010, 1234, 5678",
    "010、1234、5678",  # ideographic comma
    "010‧1234‧5678",  # hyphenation points (U+2027)
    "010一1234一5678",  # the CJK "one" used as a dash
]

REGISTRATION_NUMBERS = [
    "900101-1234567",
    "9001011234567",
    "9 0 0 1 0 1 1 2 3 4 5 6 7",  # digit by digit
    "900101 - 1234567",  # spaced hyphen
    "900101 1234567",
    "900101_1234567",
    "900101–1234567",  # en dash
    "９００１０１－１２３４５６７",
    "900101-１２３４５６７",
    "051231-4123456",  # born in 2005
    "850315-5123456",  # foreigner registration number (외국인등록번호)
    "850315 6123456",
    "850315-7123456",
]

CARD_NUMBERS = [
    "1234-5678-9012-3456",
    "1234 5678 9012 3456",
    "1234567890123456",
    "1234_5678_9012_3456",
    "1234 - 5678 - 9012 - 3456",
    "１２３４－５６７８－９０１２－３４５６",
    "3782-822463-10005",  # 15 digits, 4-6-5
]

ACCOUNT_NUMBERS = [
    "123456-01-234567",  # 6-2-6
    "110-123-456789",  # 3-3-6
    "1002-123-456789",  # 4-3-6
    "3333-01-1234567",  # 4-2-7
    "302-1234-5678-11",  # 3-4-4-2
    "123-456789-01-234",  # 3-6-2-3
    "123-45-678901",  # 3-2-6
    "１１０－１２３－４５６７８９",
    "110_123_456789",
    "110 - 123 - 456789",
    "110123456789",  # without hyphens
]

ACCOUNTS_AFTER_A_BANK = [
    ("국민은행 123456 01 234567 으로 보내주세요", "123456 01 234567"),
    ("국민은행 12345601234567", "12345601234567"),
    ("신한은행 110.123.456789 입니다", "110.123.456789"),
    ("계좌번호: 1002 123 456789", "1002 123 456789"),
    ("농협 302 1234 5678 11", "302 1234 5678 11"),
    ("카카오뱅크 3333 01 1234567", "3333 01 1234567"),
    ("입금 계좌 123456-78-901234", "123456-78-901234"),
    ("bank account 110 123 456789", "110 123 456789"),
]


@pytest.mark.parametrize("number", PHONE_NUMBERS)
def test_phone_numbers_are_masked_however_written(number):
    assert_masked(f"연락처 {number} 로 연락 주십시오.", number, starred(number))


@pytest.mark.parametrize("number", REGISTRATION_NUMBERS)
def test_resident_and_foreigner_registration_numbers_are_masked(number):
    assert_masked(f"주민번호 {number} 입니다", number, starred(number))
    assert_masked(f"주민번호{number}", number, starred(number))  # written right after a word


@pytest.mark.parametrize("number", CARD_NUMBERS)
def test_card_numbers_are_masked(number):
    assert_masked(f"card {number} was charged", number, starred(number))


@pytest.mark.parametrize("number", ACCOUNT_NUMBERS)
def test_bank_account_numbers_are_masked(number):
    assert_masked(f"환불은 {number} 으로 부탁드립니다", number, starred(number))


@pytest.mark.parametrize("text, number", ACCOUNTS_AFTER_A_BANK)
def test_account_numbers_after_a_bank_are_masked_even_spaced(text, number):
    assert_masked(text, number, starred(number))


@pytest.mark.parametrize(
    "text, shown_as",
    [
        ("연락처 공일공-1234-5678 로", "연락처 ***-****-**** 로"),
        ("연락처 영일영 1234 5678 로", "연락처 *** **** **** 로"),
        ("연락처 010-일이삼사-5678 로", "연락처 ***-****-**** 로"),
        ("연락처 010-1234-오육칠팔 로", "연락처 ***-****-**** 로"),
        # words that are no number stay, also next to a number
        ("이사 010-1234-5678", "이사 ***-****-****"),
        ("사이사이 공일공 일이삼사 오육칠팔", "사이사이 공일공 일이삼사 오육칠팔"),
        ("오이 3개, 사과 2개", "오이 3개, 사과 2개"),
        ("일일 1234 건", "일일 1234 건"),
    ],
)
def test_phone_numbers_in_korean_digit_words_are_masked(text, shown_as):
    assert mask_personal_data(text) == shown_as


@pytest.mark.parametrize(
    "text, number",
    [
        ("번호는 010-1234-5678만 사용합니다", "010-1234-5678"),
        ("번호는 01012345678만 사용합니다", "01012345678"),
        ("010-1234-5678 원하시면 연락 주십시오", "010-1234-5678"),
        ("계좌 110-123-456789원 아닙니다", "110-123-456789"),
        ("1-1-010-1234-5678", "1-1-010-1234-5678"),  # an account number and a phone number
    ],
)
def test_a_number_followed_by_a_unit_word_is_still_masked(text, number):
    assert_masked(text, number, starred(number))


@pytest.mark.parametrize(
    "text, number",
    [
        ("2026-12-07 010-1234-5678 방문", "010-1234-5678"),
        ("2026.12.07.010-1234-5678", "010-1234-5678"),
        ("26.12.07 010-1234-5678", "010-1234-5678"),
        ("10:00 010 1234 5678", "010 1234 5678"),
        ("3번 출구 010 1234 5678", "010 1234 5678"),
        ("1,000,000원 010-1234-5678", "010-1234-5678"),
        ("NR-261207-234567 010-1234-5678", "010-1234-5678"),
        ("제9조 900101-1234567", "900101-1234567"),
    ],
)
def test_a_number_next_to_a_date_amount_or_receipt_number_is_masked_alone(text, number):
    assert_masked(text, number, starred(number))


def test_numbers_in_a_row_are_each_masked():
    text = "휴대폰 010-1234-5678 02-123-4567, 주민번호 900101 - 1234567 계좌 110-123-456789."
    assert mask_personal_data(text) == (
        "휴대폰 ***-****-**** **-***-****, 주민번호 ****** - ******* 계좌 ***-***-******."
    )


# --- e-mail addresses -------------------------------------------------------------------------

EMAILS = [
    "hong@example.com",
    "hong.gildong+tag@example.co.kr",
    "user_1@mail.example.com",
    "hong＠example.com",  # full-width at sign
    "ｈｏｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",  # full-width throughout
    "hong @ example.com",
    "hong at example dot com",
    "HONG AT EXAMPLE DOT COM",
    "hong at example dot co dot kr",
    "hong at example.com",
    "hong(at)example.com",
    "hong (at) example (dot) com",
    "hong[at]example[dot]com",
    "hong {at} example {dot} co {dot} kr",
    "hong<at>example<dot>org",
    "hong (at) mail (dot) example (dot) xyz",
    "hong 골뱅이 example 점 com",
    "hong골뱅이example.com",
    "hong(골뱅이)example(점)com",
    "hong 앳 example 닷 com",
    "hong @ example . com",
    "hong＠example。com",  # ideographic full stop
    "hong@example·com",
    "hong@example。co。kr",
    "홍길동@한국.kr",  # non-ASCII local part and domain
    "hong@한국.kr",
    "hong@xn--3e0b707e.kr",
    "hong@example.xn--3e0b707e",
]


@pytest.mark.parametrize("address", EMAILS)
def test_email_addresses_are_masked_however_written(address):
    assert_masked(f"메일은 {address} 으로 주십시오", address, EMAIL_MASK)


# --- what the office knows to be the citizen's -------------------------------------------------

KNOWN = ["홍길동", "Hong Gildong", "010-2222-3333", "세종대로 209", "hong.gd@example.com"]


@pytest.mark.parametrize(
    "written, shown_as",
    [
        ("홍길동", "***"),
        ("홍 길 동", "***"),
        ("홍  길  동", "***"),
        ("홍_길_동", "***"),
        ("홍-길-동", "***"),
        ("홍.길.동", "***"),
        ("홍·길·동", "***"),
        ("홍\u3000길\u3000동", "***"),  # ideographic spaces
        ("홍\u200b길동", "***"),  # a zero-width space
        ("Hong Gildong", "*" * 8),
        ("Gildong Hong", "*" * 8),  # the other order
        ("gildong hong", "*" * 8),
        ("GIL-DONG HONG", "*" * 8),
        ("HONG GIL-DONG", "*" * 8),
        ("Ｈｏｎｇ Ｇｉｌｄｏｎｇ", "*" * 8),
        ("h o n g g i l d o n g", "*" * 8),
        ("세종대로 209", "*" * 7),
        ("세종 대로 209", "*" * 7),
        ("세종대로209", "*" * 7),
    ],
)
def test_the_citizens_known_name_and_address_are_masked_however_spaced(written, shown_as):
    assert_masked(f"민원인 {written} 올림", written, shown_as, extra=KNOWN)


def test_the_citizens_known_phone_and_email_are_masked():
    text = "전화 010 2222 3333, 메일 HONG.GD@EXAMPLE.COM"
    assert mask_personal_data(text, extra=KNOWN) == f"전화 {'*' * 8}, 메일 {EMAIL_MASK}"


def test_a_name_inside_an_email_address_masks_the_whole_address():
    assert mask_personal_data("hong.gildong@example.com", extra=["gildong"]) == EMAIL_MASK


def test_a_known_latin_name_is_masked_as_a_word_only():
    text = "Park near the parking lot; P a r k wrote; Mr. PARK"
    assert mask_personal_data(text, extra=["Park"]) == (
        "**** near the parking lot; **** wrote; Mr. ****"
    )
    assert mask_personal_data("홍길동님께", extra=["홍길동"]) == "***님께"


def test_empty_and_one_letter_known_strings_are_ignored():
    text = "홍 씨가 길에서"
    assert mask_personal_data(text, extra=["", None, "홍", "  "]) == text


# --- the rest of the text stays as written -----------------------------------------------------


def test_the_shape_stays_readable():
    assert mask_personal_data("call 010-1234-5678") == "call ***-****-****"
    assert mask_personal_data("RRN 900101-1234567.") == "RRN ******-*******."
    assert mask_personal_data("a@b.kr") == EMAIL_MASK


def test_full_width_text_around_a_match_is_kept_as_written():
    text = "ＡＢＣ　홍 길 동　０１０－１２３４－５６７８　（끝）"
    assert mask_personal_data(text, extra=["홍길동"]) == "ＡＢＣ　***　***－****－****　（끝）"


@pytest.mark.parametrize(
    "text, secret",
    [
        ("차량번호 12가 3456", "12가 3456"),
        ("차량 123가4567 이", "123가4567"),
        ("서울12가3456 차량", "서울12가3456"),
    ],
)
def test_car_number_plates_are_masked(text, secret):
    masked = mask_personal_data(text)
    assert secret not in masked and len(masked) == len(text)


# --- what is not personal stays ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # dates and times
        "접수 2025-03-04 10:00, 3번 출구 앞",
        "처리 기한은 2026-12-07 입니다",
        "2026.12.07 10:30에 방문했습니다",
        "2026. 12. 7. 오전",
        "2026/12/07 - 2026/12/31",
        "2026년 12월 7일",
        "2026-12-07 10:00 ~ 2026-12-08 18:00",
        "20261207103000 기준",
        "2020-2026-2030 계획",
        "오전 9시~오후 6시",
        # amounts and measures
        "예산 1,000,000원, 길이 120m",
        "보상금 1,234,567,890원",
        "10000000000원 규모",
        "총 25,000,000,000 원",
        "2026년 예산 12억 3천만원",
        "사고 건수 3,456건, 3.5km 구간, 면적 1234.5678㎡",
        "공원 벤치 12개가 부서졌습니다",
        "100마리의 비둘기",
        # receipt, law article and document numbers
        "Receipt NR-250304-7KQ4MX",
        "접수번호 NR-261207-234567 문의",
        "민원 NR-261207-2K3M4P 와 NR-261208-345678",
        "민원 처리에 관한 법률 제9조 제2항",
        "같은 법 시행령 제2조의2 제1항 제3호",
        "법률 제19234호 (2023. 3. 14.)",
        "행정안전부 공고 제2026-1234567호",
        "도로법 제75조, 제114조",
        "Article 12(3) of the Act",
        # other numbers
        "version 1.2.3 of the form",
        "IP 192.168.100.123 에서",
        "좌표 37.5665 126.978",
        "우편번호 04524",
        "국번없이 120",
        "고객센터 1588-1234",
        "버스 100 200 3000번",
        "10 11 12 13 14 15번 가로등",
        # "at" and "dot" in sentences
        "I was at home.Then it rained",
        "We met at the office. Next day",
        # the separators that join the groups of a phone number join nothing else
        "2026, 12, 7 에 접수",
        "1,234,567원",
        "금액 1,234,567",
        "10:30",
        "10:30~11:45 회의",
        "목록 1, 2, 3",
        "1、2、3",
        "1 2 3 4 5 6 7 8 9 0 번",  # digit by digit, but no phone or registration number
        "점수 1, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7",  # a list, not a number digit by digit
        "순서 0、1、0、1、2、3、4、5、6、7、8",
        "2026-12-07 10:30:15",
        "2026년 12월 7일 10:30",
        "12~15일",
        "1000~2000원",
        "01:23:45",
        "2026\n12\n07",
        "IP 10.0.0.1, 192.168.0.1",
        "우편번호 04524,\n04525",
        "a @ b . c 는 주소가 아닙니다",
        "메일은 example.com. Then",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert mask_personal_data(text) == text


def test_a_mail_address_keeps_the_words_around_it():
    text = "메일은hong@example.com으로, 홍길동@한국.kr입니다. 끝 . 마침"
    assert mask_personal_data(text) == f"메일은{EMAIL_MASK}으로, {EMAIL_MASK}입니다. 끝 . 마침"


def test_empty_input():
    assert mask_personal_data("") == ""
    assert mask_personal_data(None) == ""


@pytest.mark.parametrize(
    "filler",
    [
        "0" * 10_000 + " ",
        "1 " * 5_000,
        "1-" * 5_000,
        "12-" * 3_000,
        "a" * 10_000 + "@",
        "1,2:3~" * 2_000,
        "0 " * 5_000,
        "공일" * 5_000,
        "공일 1 " * 2_000,
        "가" * 10_000 + "@",
        "a@" + "b." * 5_000,
        "a @ " + "b . " * 3_000,
        "1\n" * 5_000,
    ],
)
def test_long_input_is_handled(filler):
    """Adversarial input of 20,000 characters and more is masked (correctly; bench/masking.py
    times it)."""
    masked = mask_personal_data(filler * 2 + " 010-1234-5678")
    assert masked.endswith(" ***-****-****")


def test_the_patterns_have_no_nested_unbounded_repetition():
    """No "(…+)+" or "(…*)*" that could take exponential time on long input."""
    import re

    from nara.core import masking

    unbounded = r"(?:[+*]|\{\d*,\})"
    innermost_group = re.compile(r"\(([^()]*)\)(" + unbounded + "?)")
    patterns = [value for value in vars(masking).values() if isinstance(value, re.Pattern)]
    assert len(patterns) > 5
    for pattern in patterns:
        text = re.sub(r"\[[^\]]*\]", "C", re.sub(r"\\.", "e", pattern.pattern))
        while match := innermost_group.search(text):
            inner, repeated = match.groups()
            inner_unbounded = bool(re.search(unbounded + "|U", inner))
            assert not (inner_unbounded and repeated), pattern.pattern
            marker = "U" if inner_unbounded or repeated else "B"
            text = text[: match.start()] + marker + text[match.end() :]
