"""Public pages served to anonymous visitors from the cache (a viral petition or a draft with
20,000 comments is read by crowds who are not signed in).

`public_page(request, key=…, build=…)`: signed-in users always get a fresh page. Anonymous
visitors get a copy rendered at most once per NARA_PUBLIC_CACHE_SECONDS for each URL (path and
query string, as pages show them: the language form's `next`), key and language; once a copy
is older, one request renders it again while the others are still served the older copy (no
crowd of renders when a popular page expires in a surge). Put in `key` everything else the
page depends on that can change at once (a version number bumped by the services): a key that
changes is never answered from an older copy. A view whose URLs may carry made-up parameters
redirects them to its canonical URL first (petitions, consultations), so that they do not fill
the cache with copies; a page number past the last page is found out by `build()`, which
raises `Moved` to the page that exists (redirected, nothing kept). "pagecache" in NARA_OFF
renders every page (A/B benchmarks)."""

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language


def path_with(path: str, query: str) -> str:
    """`path` with its query string, if it has one (for a page's canonical URL)."""
    return f"{path}?{query}" if query else path


class Moved(Exception):
    """Raised by `build()`: the page is at `url` (a page number past the last page)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


def slot(name: str) -> str:
    """A placeholder filled in per response on cached pages (the CSRF token, a form stamp).
    Derived from SECRET_KEY, so no one can plant it in text they post and have the next
    visitor's token written into their link."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:pagecache:{name}".encode()).hexdigest()
    return f"naraSlot{digest[:24]}"


def public_page(
    request,
    *,
    key: str | Callable[[], str],
    build: Callable[[], tuple[str, dict]],
    slots: dict[str, Callable[[], str]] | None = None,
) -> HttpResponse:
    """`build()` returns (template, context) and may raise Http404 (never cached). `key` may be
    a function, called only for anonymous visitors (when it costs a query). `slots`
    maps placeholder strings put in the context to functions giving each response's value
    (the CSRF token is always one)."""
    try:
        return _public_page(request, key, build, slots)
    except Moved as moved:
        return HttpResponseRedirect(moved.url)


def _public_page(request, key, build, slots) -> HttpResponse:
    if request.user.is_authenticated:
        template, context = build()
        return render(request, template, context)
    seconds = settings.NARA_PUBLIC_CACHE_SECONDS
    # a visitor with pending messages gets them, on a fresh page that is not cached
    cacheable = (
        seconds > 0
        and "pagecache" not in settings.NARA_OFF
        and not len(messages.get_messages(request))
    )
    entry = html = None
    cache = caches["pages"]  # this process's copies (settings.CACHES)
    if cacheable:
        key = key() if callable(key) else key
        # the full URL always: a page shows it, and a key that forgets the query string
        # would answer one visitor's URL with a copy made for another's
        digest = hashlib.sha256(f"{request.get_full_path()}\n{key}".encode()).hexdigest()[:32]
        cache_key = f"page:{get_language()}:{digest}"
        entry = cache.get(cache_key)
    if entry is not None:
        built_at, html = entry
        if time.time() - built_at >= seconds and cache.add(f"{cache_key}:rendering", 1, 30):
            html = None  # this request renders it again; the others keep the older copy
    csrf_slot = slot("csrf")
    if html is None:
        try:
            template, context = build()
        except Exception:
            if cacheable:  # gone (404) or failing: no older copy may be served in its place
                cache.delete_many([cache_key, f"{cache_key}:rendering"])
            raise
        html = render_to_string(template, {**context, "csrf_token": csrf_slot}, request)
        if cacheable:
            cache.set(cache_key, (time.time(), html), seconds * 4)
            cache.delete(f"{cache_key}:rendering")
    html = html.replace(csrf_slot, get_token(request))
    for placeholder, value in (slots or {}).items():
        html = html.replace(placeholder, value())
    return HttpResponse(html)
