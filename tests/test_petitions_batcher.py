"""The group commit of the surge path (fastpath._Batcher), without a database: the statement is
a stand-in the test lets finish when it chooses, and every wait inside the batcher is seen by
the test, so each interleaving below happens the same way on every run (no sleeps)."""

import threading
import types

import pytest

from nara.petitions import fastpath

GUARD = 30  # seconds: only a broken batcher makes a test wait this long, and then it fails


class Statements:
    """Stands in for fastpath._execute_batch: records the keys of each batch; statement n waits
    until the test sets hold[n]; statement n fails if fail == n."""

    def __init__(self, hold=(), fail=None):
        self.batches: list[list[str]] = []
        self.started = threading.Semaphore(0)
        self.hold = {n: threading.Event() for n in hold}
        self.fail = fail

    def __call__(self, batch):
        n = len(self.batches)
        self.batches.append([request.key for request in batch])
        self.started.release()
        if n in self.hold:
            assert self.hold[n].wait(GUARD), "the test never let the statement finish"
        if n == self.fail:
            raise RuntimeError("the database said no")
        return [f"row of {request.key}" for request in batch]

    def wait_started(self):
        assert self.started.acquire(timeout=GUARD), "no statement started"


class Waits:
    """The batcher's threading primitives, seen by the test: each timed wait is counted, and with
    `late` on, a timed wait returns only when it is woken, then reports that its time ran out
    (and the batcher's clock jumps past every deadline): the timeout expires at the very moment
    the turn comes."""

    def __init__(self, late=False):
        self.late = late
        self.now = 1000.0
        self.started = threading.Semaphore(0)
        waits = self

        class Event(threading.Event):
            def wait(self, timeout=None):
                if timeout is None:
                    return super().wait()
                waits.started.release()
                if not waits.late:
                    return super().wait(timeout)
                assert super().wait(GUARD), "never woken"
                waits.now += 10**6
                return False

        class Condition(threading.Condition):
            def wait(self, timeout=None):
                if timeout is None:
                    return super().wait()
                waits.started.release()
                if not waits.late:
                    return super().wait(timeout)
                assert super().wait(GUARD), "never woken"
                waits.now += 10**6
                return False

        self.threading = types.SimpleNamespace(
            Lock=threading.Lock, Condition=Condition, Event=Event, Thread=threading.Thread
        )

    def clock(self) -> float:
        return self.now

    def wait_started(self):
        assert self.started.acquire(timeout=GUARD), "no request is waiting"


class Request(threading.Thread):
    """One signing request in its own thread; `.result` is its row or what it raised."""

    def __init__(self, batcher, key):
        super().__init__(daemon=True)
        self.batcher, self.key, self.result = batcher, key, None

    def run(self):
        try:
            self.result = self.batcher.run(self.key, 1, "ip")
        except Exception as error:  # the test asserts it
            self.result = error

    def answer(self):
        self.join(GUARD)
        assert not self.is_alive(), f"{self.key} got no answer"
        return self.result


@pytest.fixture
def batcher_with(monkeypatch, settings):
    settings.NARA_SHED_AFTER_MS = 60_000
    settings.NARA_SIGNING_BATCH = 32

    def make(statements, waits=None, real_clock=False):
        waits = waits or Waits()
        monkeypatch.setattr(fastpath, "threading", waits.threading)
        monkeypatch.setattr(fastpath, "_execute_batch", statements)
        batcher = fastpath._Batcher()
        if not real_clock:
            batcher.clock = waits.clock  # (the code before this fix had no clock: ignored there)
        return batcher

    return make


def start(batcher, key) -> Request:
    request = Request(batcher, key)
    request.start()
    return request


def test_a_wait_that_expires_as_the_turn_comes_leaves_the_batcher_working(batcher_with, settings):
    """The stall of issue 11: a waiter whose time ran out just as the running statement ended
    gave up and left the batcher marked busy with nobody to run it; every later signature in
    the process was told to retry, until a restart."""
    statements, waits = Statements(hold=[0]), Waits(late=True)
    batcher = batcher_with(statements, waits)
    first = start(batcher, "first")
    statements.wait_started()
    second = start(batcher, "second")
    waits.wait_started()  # second waits for its turn while first's statement runs
    statements.hold[0].set()
    answers = [first.answer(), second.answer()]
    waits.late = False
    settings.NARA_SHED_AFTER_MS = 1  # a request that must wait now gives up at once
    answers.append(start(batcher, "later").answer())
    # second's turn came: it is served, not shed; and the batcher still works for later ones
    assert answers == ["row of first", "row of second", "row of later"]
    assert statements.batches == [["first"], ["second"], ["later"]]


def test_requests_arriving_during_a_statement_go_together_in_the_next(batcher_with):
    statements, waits = Statements(hold=[0]), Waits()
    batcher = batcher_with(statements, waits)
    first = start(batcher, "first")
    statements.wait_started()
    waiting = []
    for key in ("a", "b", "c"):
        waiting.append(start(batcher, key))
        waits.wait_started()
    statements.hold[0].set()
    assert first.answer() == "row of first"
    assert [request.answer() for request in waiting] == ["row of a", "row of b", "row of c"]
    assert statements.batches == [["first"], ["a", "b", "c"]]  # one statement, in order


def test_a_full_batch_leaves_the_rest_for_the_next_statement_oldest_first(batcher_with, settings):
    statements, waits = Statements(hold=[0]), Waits()
    batcher = batcher_with(statements, waits)
    settings.NARA_SIGNING_BATCH = 2
    first = start(batcher, "first")
    statements.wait_started()
    waiting = []
    for key in ("a", "b", "c"):
        waiting.append(start(batcher, key))
        waits.wait_started()  # in this order
    statements.hold[0].set()
    assert [r.answer() for r in [first, *waiting]] == [f"row of {k}" for k in "first a b c".split()]
    assert statements.batches == [["first"], ["a", "b"], ["c"]]


def test_a_request_that_waits_too_long_gives_up_and_is_not_signed(batcher_with, settings):
    statements = Statements(hold=[0])
    batcher = batcher_with(statements, real_clock=True)
    settings.NARA_SHED_AFTER_MS = 1  # a real timeout: the statement ends only after it expired
    first = start(batcher, "first")
    statements.wait_started()
    impatient = start(batcher, "impatient")
    assert isinstance(impatient.answer(), fastpath.BatchWaitTimeout)
    statements.hold[0].set()
    assert first.answer() == "row of first"
    assert batcher.run("later", 1, "ip") == "row of later"
    assert statements.batches == [["first"], ["later"]]


def test_a_request_taken_by_a_statement_waits_for_its_answer_however_long(batcher_with):
    """Its deadline passes while its statement runs: the signature may be committed, so the
    request waits for the answer (the statement's own timeout bounds that wait)."""
    statements, waits = Statements(hold=[0, 1]), Waits()
    batcher = batcher_with(statements, waits)
    first = start(batcher, "first")
    statements.wait_started()
    a = start(batcher, "a")
    waits.wait_started()
    b = start(batcher, "b")
    waits.wait_started()
    statements.hold[0].set()
    statements.wait_started()  # a and b in one statement, run by one of them
    waits.now += 10**6  # far past every deadline
    statements.hold[1].set()
    assert [first.answer(), a.answer(), b.answer()] == ["row of first", "row of a", "row of b"]
    assert statements.batches == [["first"], ["a", "b"]]


def test_a_failed_statement_fails_its_batch_and_the_next_one_runs(batcher_with):
    statements, waits = Statements(hold=[0], fail=1), Waits()
    batcher = batcher_with(statements, waits)
    first = start(batcher, "first")
    statements.wait_started()
    a = start(batcher, "a")
    waits.wait_started()
    b = start(batcher, "b")
    waits.wait_started()
    statements.hold[0].set()
    assert first.answer() == "row of first"
    assert [str(a.answer()), str(b.answer())] == ["the database said no"] * 2
    assert batcher.run("later", 1, "ip") == "row of later"
    assert statements.batches == [["first"], ["a", "b"], ["later"]]
