"""Keep the objects that live as long as a server process out of the cyclic garbage collector's
full collections.

A full collection walks every tracked object of the process. A warmed-up worker holds about
130,000 of them (modules, URL patterns, compiled templates and statements, {% memo %} fragments),
and walking them took 40–50 ms here, holding Python's lock: every request of that worker waited,
a few times a minute under load. These waits were a large part of the p99 of the benchmarks.

`gc.freeze()` moves every object alive at that moment into a generation the collector no longer
walks (reference counting still frees them). It is called once when the application has been
imported and again after the process has served a number of requests, when lazily built objects
(templates, compiled queries, translations) exist. Each time a full collection runs first, so that
garbage is not frozen: that one pause, twice in a worker's life, replaces the pauses of every
later full collection.

What is alive at a freeze and later becomes garbage in a reference cycle is never freed: the
request in flight at that moment, entries the LRU caches drop later. Two snapshots per process:
bounded, and small beside what the process keeps.

`NARA_OFF=gcfreeze` (settings.NARA_OFF): `install` does nothing (the A/B benchmarks).
"""

import gc
import itertools

from django.conf import settings
from django.core.signals import request_finished

AFTER_REQUESTS = (100, 1000)


def freeze() -> None:
    """Collect, then freeze everything still alive."""
    gc.collect()
    gc.freeze()


class FreezeAfterRequests:
    """A `request_finished` receiver that freezes after the given numbers of requests."""

    def __init__(self, after: tuple[int, ...] = AFTER_REQUESTS):
        self.after = frozenset(after)
        self.served = itertools.count(1)  # next() on it is atomic: threads do not count twice

    def __call__(self, **kwargs) -> None:
        if next(self.served) in self.after:
            freeze()


def install(after: tuple[int, ...] = AFTER_REQUESTS) -> FreezeAfterRequests | None:
    """Freeze now, and after the given numbers of requests of this process (unless switched
    off: None)."""
    if "gcfreeze" in settings.NARA_OFF:
        return None
    freeze()
    receiver = FreezeAfterRequests(after)
    request_finished.connect(receiver, weak=False, dispatch_uid="nara.core.gcfreeze")
    return receiver
