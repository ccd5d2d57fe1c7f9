"""The spam classifier: cold-start heuristics in Korean and English, learning from moderators'
decisions. (Its speed is measured by bench/spam.py, not here. That a high score never decides alone is tested with the queue, in
test_participation_moderation.py.)"""

import pytest

from nara.participation import spam
from nara.participation.spam import Model, heuristic_logit, score_with, spam_score

CLEAN_KO = "이 조항의 시행 시기를 6개월 늦추면 소상공인의 준비 기간이 충분해질 것 같습니다."
CLEAN_EN = "Please keep the bus stop near the school; many children cross the road there."
SPAM_KO = (
    "고수익 부업!!! 무료 상담 문의 010-1234-5678 카톡 아이디: money77 지금 클릭 http://bit.ly/x"
)
SPAM_EN = "BUY NOW!!! FREE MONEY, CLICK HERE http://cheap-pills.xyz call +82 10 1234 5678"


@pytest.mark.parametrize("text", [CLEAN_KO, CLEAN_EN])
def test_ordinary_comments_score_low_without_training(text):
    assert score_with(None, text) < 0.2


@pytest.mark.parametrize("text", [SPAM_KO, SPAM_EN])
def test_obvious_spam_scores_high_without_training(text):
    assert score_with(None, text) > 0.9


@pytest.mark.parametrize(
    "suspicious",
    [
        "자세한 내용은 http://example.com 참고",  # a link
        "연락 주세요 010-9876-5432",  # a phone number
        "정말 좋아요ㅋㅋㅋㅋㅋㅋㅋㅋㅋ",  # a run of one character
        "THIS IS A TERRIBLE DECISION BY THE CITY",  # shouting
        "바카라 카지노 안내",  # known phrases
    ],
)
def test_each_signal_raises_the_score(suspicious):
    assert heuristic_logit(suspicious) > heuristic_logit("조용한 의견입니다")


def test_scores_stay_between_zero_and_one():
    for text in ["", "a", SPAM_KO * 50, "!" * 10000, CLEAN_EN * 100]:
        assert 0.0 <= score_with(None, text) <= 1.0


def _trained(n: int) -> Model:
    model = Model()
    for i in range(n):
        model.learn(f"주식 리딩방 초대 {i}번 방 입장하세요", is_spam=True)
        model.learn(f"공원 조성 계획 {i}항에 찬성합니다 주민 의견", is_spam=False)
    return model


def test_learning_moves_scores_both_ways():
    """Nothing in "리딩방" trips the heuristics; the learned model recognizes it."""
    text = "주식 리딩방 초대합니다 입장하세요"
    clean = "공원 조성 계획에 찬성합니다"
    assert score_with(None, text) < 0.2
    model = _trained(60)
    assert score_with(model, text) > 0.8
    assert score_with(model, clean) < score_with(None, clean)


def test_a_few_examples_cannot_swing_the_score():
    text = "주식 리딩방 초대합니다 입장하세요"
    assert score_with(_trained(2), text) < score_with(_trained(60), text) - 0.3


def test_withdrawn_example_is_forgotten():
    model = Model()
    model.learn("같은 글", is_spam=True)
    model.learn("같은 글", is_spam=True, weight=-1)
    assert model.spam_docs == 0
    assert all(v == 0 for v in model.spam.values())


@pytest.mark.django_db
def test_spam_score_learns_from_stored_examples_incrementally(django_assert_max_num_queries):
    from django.contrib.contenttypes.models import ContentType

    from nara.participation.models import SpamExample

    content_type = ContentType.objects.get_for_model(SpamExample)
    text = "주식 리딩방 초대합니다 입장하세요"
    before = spam_score(text)
    SpamExample.objects.bulk_create(
        [
            SpamExample(content_type=content_type, object_id=i, is_spam=i % 2 == 0, text=t)
            for i, t in enumerate(
                text + f" {n}" if n % 2 == 0 else f"공원 조성 계획 {n}항 찬성" for n in range(100)
            )
        ]
    )
    assert spam_score(text) > before + 0.3
    with django_assert_max_num_queries(1):  # up to date: one small aggregate
        spam_score(text)
    SpamExample.objects.all().delete()
    assert spam_score(text) == pytest.approx(before)
    assert spam.learned_model().rows == 0
