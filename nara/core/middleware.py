from contextlib import contextmanager

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def api_body_limit() -> int:
    """The largest body the API takes: JSON, no files, so no more than Django reads into
    memory (DATA_UPLOAD_MAX_MEMORY_SIZE; a larger one raised RequestDataTooBig, a 500)."""
    return min(settings.NARA_MAX_REQUEST_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class RequestSizeLimitMiddleware:
    """Refuse request bodies larger than NARA_MAX_REQUEST_BYTES (api_body_limit() on the API)
    with 413 before reading them, and URLs carrying NUL characters with 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        api = request.path.startswith("/api/")
        limit = api_body_limit() if api else settings.NARA_MAX_REQUEST_BYTES
        if length > limit:
            message = _("The request is too large.")
            if api:
                return JsonResponse({"errors": {"__all__": [message]}}, status=413)
            response = TemplateResponse(
                request, "errors/413.html", {"message": message}, status=413
            )
            return response.render()
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            # NUL is never meaningful in a URL, and PostgreSQL refuses it in text.
            if request.path.startswith("/api/"):
                return JsonResponse({"errors": {"__all__": [_("Invalid characters.")]}}, status=400)
            return HttpResponseBadRequest(_("Invalid characters."))
        return self.get_response(request)


class InFlight:
    """The requests this process is serving, and NARA_MAX_IN_FLIGHT over them (0: no limit).
    One count for the process: Django's requests and the signing path's (petitions/surge.py)."""

    def __init__(self):
        import threading

        self.lock = threading.Lock()
        self.count = 0

    def enter(self) -> bool:
        """Count one more request; False (nothing counted) when the limit is reached."""
        limit = settings.NARA_MAX_IN_FLIGHT
        with self.lock:
            if limit and self.count >= limit:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self.lock:
            self.count -= 1


IN_FLIGHT = InFlight()


class Turns:
    """At most `settings.<setting>` holders at once in this process (0: no limit); the others
    wait their turn, up to a timeout."""

    def __init__(self, setting: str):
        import threading

        self.setting = setting
        self.lock = threading.Lock()
        self.semaphore = None

    @contextmanager
    def turn(self, timeout: float):
        """Yields True with a turn held (or when there is no limit), False after `timeout`."""
        limit = getattr(settings, self.setting)
        if not limit:
            yield True
            return
        with self.lock:
            if self.semaphore is None:
                import threading

                self.semaphore = threading.BoundedSemaphore(limit)
            semaphore = self.semaphore
        if not semaphore.acquire(timeout=timeout):
            yield False
            return
        try:
            yield True
        finally:
            semaphore.release()


class LoadSheddingMiddleware:
    """When the site is saturated, say "please retry" (503 with Retry-After), never an error page.

    - A request that waited in the proxy's queue longer than NARA_SHED_AFTER_MS (the proxy's
      `X-Request-Start: t=<epoch>` header, trusted only behind NARA_TRUSTED_PROXY_COUNT proxies)
      is answered at once: the person has likely given up or will retry, and serving it late
      only makes everyone later.
    - More than NARA_MAX_IN_FLIGHT requests at once in this process (0: no limit).
    - The database refusing work (too many connections, a statement or lock timeout, a locked
      SQLite file) during the request.
    The page is built without the database and without the session."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.in_flight = IN_FLIGHT

    def __call__(self, request):
        if waited_too_long(request.META) or not self.in_flight.enter():
            return busy_response(request)
        try:
            return self.get_response(request)
        finally:
            self.in_flight.leave()

    def process_exception(self, request, exception):
        if database_overloaded(exception):
            import logging

            logging.getLogger("nara.busy").warning("database busy: %s", exception)
            return busy_response(request)
        return None  # any other error, a missing column included, is a real error (500)


# PostgreSQL's refusals of work under load: statement timeout (query_canceled), lock timeout
# (lock_not_available), too many connections.
OVERLOAD_SQLSTATES = {"57014", "55P03", "53300"}
# The same, as the message says them where no SQLSTATE comes with the error (a refused
# connection; SQLite, whose busy timeout ran out).
OVERLOAD_MESSAGES = (
    "too many clients",
    "too many connections",
    "remaining connection slots are reserved",
    "database is locked",
    "database table is locked",
)


def database_overloaded(exception) -> bool:
    """Whether `exception` is the database refusing work under load (time to say "please
    retry"), not a bug such as a missing column or a broken query."""
    from django.db import OperationalError

    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    if getattr(cause, "sqlstate", None) in OVERLOAD_SQLSTATES:
        return True
    message = str(exception).lower()
    return any(part in message for part in OVERLOAD_MESSAGES)


def waited_too_long(meta) -> bool:
    """The request waited in our proxy's queue longer than NARA_SHED_AFTER_MS (its
    `X-Request-Start: t=<epoch>` header, trusted only behind our own proxies)."""
    import math
    import time

    limit_ms = settings.NARA_SHED_AFTER_MS
    header = meta.get("HTTP_X_REQUEST_START", "")
    if not (limit_ms and header and settings.NARA_TRUSTED_PROXY_COUNT > 0):
        return False
    try:
        started = float(header.removeprefix("t="))
    except ValueError:
        return False
    if not math.isfinite(started):  # "t=inf" would never leave the loop below
        return False
    # seconds, milliseconds or microseconds since the epoch, as proxies send them
    while started > 1e11:
        started /= 1000
    return (time.time() - started) * 1000 > limit_ms


def busy_response(request):
    """Runs before LocaleMiddleware: the language is read from the request here."""
    from django.utils import translation

    with translation.override(translation.get_language_from_request(request)):
        return _busy_response(request)


def _busy_response(request):
    from django.http import HttpResponse
    from django.template.loader import render_to_string
    from django.utils.translation import get_language

    retry = str(settings.NARA_RETRY_AFTER_SECONDS)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"errors": {"__all__": [_("The service is very busy. Please retry shortly.")]}},
            status=503,
        )
    else:
        html = render_to_string(
            "errors/busy.html",
            {"retry_after": retry, "path": request.get_full_path(), "lang": get_language()},
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = retry
    response["Cache-Control"] = "no-store"
    return response
