"""CACHES["pages"]: each process's copies of rendered pages, bounded in bytes
(nara/core/processcache.py). Review of issue #11: bounded in entries, 2,000 copies of a
200 KB page (any ?page=N past the last one kept a copy of its own) held 400 MB per process."""

import pickle

from time_machine import travel

from nara.core.processcache import ENTRY_BYTES, ProcessCache


def cache(max_bytes=10_000):
    return ProcessCache("test", {"OPTIONS": {"MAX_BYTES": max_bytes}})


def test_the_sum_of_the_entries_stays_under_the_bound():
    pages = cache()
    page = "가" * 300  # about 900 bytes pickled
    for n in range(100):
        pages.set(f"page:{n}", page, 60)
    kept = [n for n in range(100) if pages.get(f"page:{n}") == page]
    assert kept == list(range(100 - len(kept), 100))  # the most recent ones
    assert pages.entries.total <= 10_000
    assert 6 <= len(kept) <= 8
    assert pages.entries.total == len(kept) * (ENTRY_BYTES + len(pickle.dumps(page, 5)))


def test_many_small_entries_stay_near_the_bound_in_memory():
    """Review of issue #11: counting the values only, 60,000 small fragments held 10.9 times
    the bound (keys, tuples and order records are several times a small value)."""
    import tracemalloc

    bound = 2**20
    pages = cache(bound)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(60_000):
            pages.set(f"regions:sigungu:ko:{1_000_000_000 + n}", '<option value="">-</option>')
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 1.5 * bound, f"{held / bound:.1f}x the bound"


def test_a_value_over_an_eighth_of_the_bound_is_not_kept_and_drops_the_older_copy():
    pages = cache()
    pages.set("k", "small", 60)
    pages.set("k", "x" * 1_500, 60)
    assert pages.get("k") is None  # not the older copy


def test_expiry_add_delete_and_touch():
    pages = cache()
    with travel(1_000_000, tick=False):
        pages.set("k", {"a": 1}, 10)
        assert not pages.add("k", "other", 10)
        copy = pages.get("k")
        copy["a"] = 2  # a caller changing its copy changes nobody else's
        assert pages.get("k") == {"a": 1}
        assert pages.touch("k", 100)
    with travel(1_000_050, tick=False):
        assert pages.get("k") == {"a": 1}
        assert pages.delete("k") and not pages.delete("k")
        assert pages.add("k", "new", 10)
    with travel(1_000_061, tick=False):
        assert pages.get("k", "gone") == "gone"
        assert not pages.has_key("k")
        assert pages.entries.total == 0


def test_a_page_number_past_the_last_page_is_redirected_not_kept(client, db, world, moderator):
    """Each made-up page number kept a copy of the last page of its own."""
    from django.core.cache import caches

    from .test_participation_consultations import make_consultation
    from .test_participation_consultations_web import published

    consultation = make_consultation(world.roads)
    published(consultation, moderator, 3)
    url = f"/participation/consultations/{consultation.pk}/comments/"
    assert client.get(url).status_code == 200
    kept = caches["pages"].entries.total
    for n in (2, 50, 999999):
        response = client.get(f"{url}?page={n}")
        assert (response.status_code, response["Location"]) == (302, url)
    assert client.get(f"{url}?stance=support&page=7")["Location"] == f"{url}?stance=support"
    assert caches["pages"].entries.total == kept
    for query in ("page=2", "page=abc", "page=1", "page=0", "page=-1", "list=answered&page=99"):
        response = client.get(f"/petitions/?{query}", follow=True)
        assert response.status_code == 200
        assert "page=" not in response.redirect_chain[-1][0], query


def test_made_up_page_values_on_the_comments_keep_no_copy(client, db, world, moderator):
    """Review of issue #11: ?page=0, ?page=01, ?page=abc showed page 1 and each kept a copy."""
    from django.core.cache import caches

    from .test_participation_consultations import make_consultation
    from .test_participation_consultations_web import published

    consultation = make_consultation(world.roads)
    published(consultation, moderator, 3)
    url = f"/participation/consultations/{consultation.pk}/comments/"
    assert client.get(url).status_code == 200
    kept = len(caches["pages"].entries)
    for query in ("page=0", "page=01", "page=abc", "page=1", "stance=maybe", "article=999999"):
        response = client.get(f"{url}?{query}")
        assert (response.status_code, response["Location"]) == (302, url), query
    assert len(caches["pages"].entries) == kept
