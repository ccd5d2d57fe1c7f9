"""The scheduler enqueues each round of periodic tasks once, however many schedulers run: the
round is claimed in the shared database (portal.SchedulerRound), which no cache culls."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from time_machine import travel

from tests.states import kst

T0 = kst(2026, 3, 9, 10, 0, 5)
ROUND = 8  # outbox, deadlines, petitions, digests, sessions, rate windows, documents, disclosure


@pytest.fixture
def queued_tasks(settings, db):
    """Tasks go to the database queue the workers read (not run at once as in other tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return lambda: sorted(DBTaskResult.objects.values_list("task_path", flat=True))


def test_two_schedulers_enqueue_one_round_once(queued_tasks):
    with travel(T0, tick=False):
        call_command("scheduler", "--once")
        call_command("scheduler", "--once")  # a second scheduler, same round
    tasks = queued_tasks()
    assert len(tasks) == len(set(tasks)) == ROUND  # each periodic task once


def test_the_next_round_is_enqueued_again(queued_tasks):
    with travel(T0, tick=False):
        call_command("scheduler", "--once")
    with travel(T0.timestamp() + 30, tick=False):  # same 60 s round
        call_command("scheduler", "--once")
    with travel(T0.timestamp() + 60, tick=False):  # the next one
        call_command("scheduler", "--once")
    assert len(queued_tasks()) == 2 * ROUND


def test_a_full_database_cache_does_not_give_a_round_twice(queued_tasks, settings):
    """Django's database cache culls a third of its keys when it holds MAX_ENTRIES: a claim
    kept there would be forgotten under load and a second scheduler would run the round
    again. The claim lives in a table of its own."""
    from django.core.cache import cache

    with travel(T0, tick=False):
        call_command("scheduler", "--once")
        for n in range(400):  # well past the database cache's default MAX_ENTRIES (300)
            cache.set(f"page:{n}", "x")
        call_command("scheduler", "--once")
    assert len(queued_tasks()) == ROUND
