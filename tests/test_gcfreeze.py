"""nara/core/gcfreeze.py: long-lived objects leave the collector's full collections."""

import gc
import weakref

import pytest

from nara.core import gcfreeze


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freeze_moves_live_objects_out_of_the_collector(unfrozen):
    kept = [[] for _ in range(1000)]  # tracked containers that stay alive
    gcfreeze.freeze()
    assert gc.get_freeze_count() >= len(kept)
    frozen = {id(o) for o in gc.get_objects()}
    assert not any(id(x) in frozen for x in kept)  # no longer walked by a collection


def test_freeze_collects_garbage_first(unfrozen):
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector can free it
    gone = weakref.ref(a)
    del a, b
    gcfreeze.freeze()
    assert gone() is None  # collected, not frozen


def test_the_receiver_freezes_after_the_given_numbers_of_requests(unfrozen):
    receiver = gcfreeze.FreezeAfterRequests(after=(2, 4))
    receiver()
    assert gc.get_freeze_count() == 0
    receiver()  # the 2nd request
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    receiver()
    assert gc.get_freeze_count() == 0
    receiver()  # the 4th
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    receiver()
    assert gc.get_freeze_count() == 0


def test_the_wsgi_application_installs_it(unfrozen):
    from django.core.signals import request_finished

    import importlib
    import sys

    # installs it on import: frozen now, the receiver connected. Imported already (by
    # tests/test_switches.py, which then disconnects it), a second import does nothing: load
    # it again, so that the outcome does not depend on which tests ran before in this process
    if "nara.wsgi" in sys.modules:
        importlib.reload(sys.modules["nara.wsgi"])
    else:
        import nara.wsgi  # noqa: F401

    # disconnecting says whether it was connected; later tests then run without freezes
    assert request_finished.disconnect(dispatch_uid="nara.core.gcfreeze")
