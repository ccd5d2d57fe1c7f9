"""The Korean particle helper (nara/core/korean.py): the particle after a word only known at run
time, chosen by the sound the word ends with."""

import pytest

from nara.core.korean import particle, particles


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        # Hangul: with and without a final consonant (받침), and ㄹ for (으)로
        ("파일", "이(가)", "이"),
        ("사진", "을(를)", "을"),
        ("사과", "이(가)", "가"),
        ("교통정책과", "은(는)", "는"),
        ("민원", "과(와)", "과"),
        ("서울", "(으)로", "로"),
        ("부산", "(으)로", "으로"),
        ("대구", "(으)로", "로"),
        # numbers as read in Korean
        ("2026", "이(가)", "이"),  # 육
        ("2", "은(는)", "는"),  # 이
        ("3", "을(를)", "을"),  # 삼
        ("10", "이(가)", "이"),  # 십
        ("100", "은(는)", "은"),  # 백
        ("1,000", "을(를)", "을"),  # 천
        ("50,000", "이(가)", "이"),  # 오만
        ("0", "은(는)", "은"),  # 영
        ("7", "(으)로", "로"),  # 칠: ㄹ
        ("1000000000000", "은(는)", "는"),  # 조
        # Latin names and abbreviations
        ("Kim", "은(는)", "은"),
        ("Lee", "은(는)", "는"),
        ("Park", "이(가)", "이"),
        ("Alice", "을(를)", "를"),
        ("Paul", "(으)로", "로"),
        ("Young", "과(와)", "과"),
        ("Smith", "이(가)", "가"),
        ("HWP", "은(는)", "는"),
        ("URL", "을(를)", "을"),
        ("KTX", "이(가)", "가"),
        ("PDF", "(으)로", "로"),
        # nothing known to go by: both forms stay
        ("😀", "이(가)", "이(가)"),
        ("", "을(를)", "을(를)"),
    ],
)
def test_particle_follows_the_sound_the_word_ends_with(word, pair, expected):
    assert particle(word, pair) == expected


def test_particles_in_a_sentence_look_past_closing_quotes_and_brackets():
    assert particles("“가로등 고장”이(가) 접수되었습니다.") == "“가로등 고장”이 접수되었습니다."
    assert particles("“도로 보수”을(를) 신고합니다.") == "“도로 보수”를 신고합니다."
    assert particles("사진(photo.JPG)은(는) 너무 큽니다.") == "사진(photo.JPG)는 너무 큽니다."
    assert particles("「김철수」와(과) 「Lee」과(와)") == "「김철수」와 「Lee」와"
    assert particles("report.hwp은(는) PDF가 아닙니다.") == "report.hwp는 PDF가 아닙니다."


def test_particles_leaves_text_without_both_forms_alone():
    text = "괄호(설명)는 그대로이고, 이(가) 앞에 단어가 없으면 그대로입니다."
    assert particles(text) == text
    assert particles("English (text) stays.") == "English (text) stays."


def test_particles_look_through_html_around_the_word():
    assert particles("<strong>me@example.com</strong>을(를) 확인해") == (
        "<strong>me@example.com</strong>을 확인해"
    )
    assert particles("<b>a@b.kr</b>이(가)") == "<b>a@b.kr</b>이"  # 케이알
    assert particles("“Tom &amp; Jerry”을(를)") == "“Tom &amp; Jerry”를"


def test_an_upload_error_in_korean_reads_naturally():
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    from nara.core.uploads import clean_upload

    with translation.override("ko"):
        with pytest.raises(ValidationError) as empty:
            clean_upload(SimpleUploadedFile("민원.pdf", b""))
        with pytest.raises(ValidationError) as garbage:
            clean_upload(SimpleUploadedFile("100%_지도", b"not a picture"))
    assert empty.value.messages == ["민원.pdf는 빈 파일입니다."]  # 피디에프
    assert "100%_지도는" in garbage.value.messages[0]  # a "%" in the name is not formatted
