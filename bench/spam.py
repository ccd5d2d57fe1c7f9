"""The spam score's cost per comment (`.venv/bin/python bench/spam.py`): a model trained on
200 + 200 and on 2,000 + 2,000 moderators' decisions against the untrained heuristics alone
(the floor), on a ~600-character comment. Prints medians of 9 rounds of 200 scores and the
ratios. Goal: scoring costs the same whatever the model's size (2,000 + 2,000 within 1.5x of
200 + 200); the learned part costs about as much again as the heuristics."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nara.settings")
os.environ.setdefault("DEBUG", "1")  # settings need no secret to score text

import django  # noqa: E402

django.setup()

from nara.participation.spam import Model, score_with  # noqa: E402

TEXT = (
    "이 조항의 시행 시기를 6개월 늦추면 소상공인의 준비 기간이 충분해질 것 같습니다. "
    "Please keep the bus stop near the school; many children cross the road there. "
) * 4


def trained(n: int) -> Model:
    model = Model()
    for i in range(n):
        model.learn(f"주식 리딩방 초대 {i}번 방 입장하세요", is_spam=True)
        model.learn(f"공원 조성 계획 {i}항에 찬성합니다 주민 의견", is_spam=False)
    return model


def median_us(model) -> float:
    rounds = []
    for _ in range(9):
        started = time.perf_counter()
        for _ in range(200):
            score_with(model, TEXT)
        rounds.append((time.perf_counter() - started) / 200 * 1e6)
    return statistics.median(rounds)


if __name__ == "__main__":
    variants = {
        "heuristics only (floor)": None,
        "200+200": trained(200),
        "2000+2000": trained(2000),
    }
    figures = {name: median_us(model) for name, model in variants.items()}
    floor = figures["heuristics only (floor)"]
    print(f"{'model':<26}{'median µs/score':>16}{'x floor':>9}")
    for name, us in figures.items():
        print(f"{name:<26}{us:>16.0f}{us / floor:>9.2f}")
    growth = figures["2000+2000"] / figures["200+200"]
    verdict = "OK" if growth < 1.5 else "SLOW"
    print(f"{verdict}: 10x the examples cost {growth:.2f}x per score")
