"""Signing with a token, served in front of Django's request stack (nara/wsgi.py).

`POST /api/v1/petitions/<id>/signatures` with `Authorization: Bearer …` is the one request a
national surge repeats by the million. Django's middleware, URL resolution and django-ninja cost
more CPU than the signature itself (one prepared statement, see fastpath.py), so this route is
answered here, with the same rules and the same answers as the API view (nara/api/petitions.py;
a test compares the two): the host check, the request size limit, load shedding, the rate
limits, the security headers, localized messages. Anything else, or anything unusual (a plain
HTTP request to be redirected, an oversized body, a bad host), goes to Django unchanged."""

import json
import logging
import re
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http.request import split_domain_port, validate_host
from django.utils import translation
from django.utils.translation import gettext as _

from nara.core.middleware import IN_FLIGHT, Turns, api_body_limit, waited_too_long
from nara.core.ratelimit import client_ip

from . import fastpath

log = logging.getLogger(__name__)
PATH = re.compile(r"^/api/v1/petitions/([0-9]{1,18})/signatures$")  # as Django routes it
MAX_ID = 2**63 - 1


class _Environ:
    """What nara.core.ratelimit and translation need of a request: META and COOKIES."""

    def __init__(self, environ):
        self.META = environ
        self.path = self.path_info = environ.get("PATH_INFO", "")
        self._cookies = None

    @property
    def COOKIES(self):  # noqa: N802 (Django's name)
        if self._cookies is None:
            from django.http import parse_cookie

            self._cookies = parse_cookie(self.META.get("HTTP_COOKIE", ""))
        return self._cookies


class SigningFastPath:
    def __init__(self, app):
        self.app = app
        # At most NARA_SIGNING_CONCURRENCY signatures at once in this process; the rest wait
        # their turn, holding no database connection, so that with enough server threads the
        # rest of the site is not stuck behind a surge on one petition.
        self.turns = Turns("NARA_SIGNING_CONCURRENCY")

    def __call__(self, environ, start_response):
        match = PATH.match(environ.get("PATH_INFO", ""))
        if (
            match is None
            or environ.get("REQUEST_METHOD") != "POST"
            or not environ.get("HTTP_AUTHORIZATION", "").strip()
            or not self._ordinary(environ)
        ):
            return self.app(environ, start_response)
        request = _Environ(environ)
        with translation.override(translation.get_language_from_request(request)):
            status, body, extra = self._answer(request, int(match.group(1)))
            headers = self._headers(environ, extra)
        start_response(status, headers)
        return [body]

    def _ordinary(self, environ) -> bool:
        """Nothing Django would answer differently: a valid host, a secure request where HTTPS
        is required, a body within the limit."""
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        domain, _port = split_domain_port(host)
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        if not domain or not validate_host(domain, allowed):
            return False
        if settings.SECURE_SSL_REDIRECT and not self._secure(environ):
            return False
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        return length <= api_body_limit()

    @staticmethod
    def _secure(environ) -> bool:
        header = settings.SECURE_PROXY_SSL_HEADER
        if header and environ.get(header[0], "").split(",")[0].strip() == header[1]:
            return True
        return environ.get("wsgi.url_scheme") == "https"

    def _answer(self, request, petition_id: int):
        if waited_too_long(request.META) or not IN_FLIGHT.enter():
            return self._busy()
        try:
            with self.turns.turn(settings.NARA_SHED_AFTER_MS / 1000) as mine:
                return self._sign(request, petition_id) if mine else self._busy()
        finally:
            IN_FLIGHT.leave()

    def _sign(self, request, petition_id: int):
        scheme, _sep, raw = request.META["HTTP_AUTHORIZATION"].strip().partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return _unauthorized()
        if not 1 <= petition_id <= MAX_ID:
            return _json("404 Not Found", {"detail": _("Not found.")})
        ip = client_ip(request)
        result = None
        for attempt in (1, 2):  # a connection the database dropped is reopened once
            try:
                _close_if_obsolete()
                result = fastpath.sign_with_token(raw.strip(), petition_id, ip)
                break
            except fastpath.BatchWaitTimeout:
                return self._busy()
            except (OperationalError, InterfaceError) as error:
                connection.close()
                log.warning("signing: database unavailable (attempt %d): %s", attempt, error)
            except Exception as error:  # psycopg's own errors, raised outside Django's wrapper
                if not _is_connection_error(error):
                    raise
                connection.close()
                log.warning("signing: database unavailable (attempt %d): %s", attempt, error)
        if result is None:
            return self._busy()
        if result.outcome == fastpath.LIMITED:
            return _json(
                "429 Too Many Requests", {"detail": _("Too many attempts. Try again later.")}
            )
        if result.outcome == fastpath.SIGNED:
            return _json("201 Created", {"signature_count": result.count, "signed": True})
        if result.outcome == fastpath.ALREADY:
            return _json(
                "409 Conflict", {"errors": {"petition": [_("You already signed this petition.")]}}
            )
        if result.outcome == fastpath.NOT_SIGNABLE:
            return _json("409 Conflict", {"detail": _("This petition is not open for signatures.")})
        if result.outcome == fastpath.NOT_FOUND:
            return _json("404 Not Found", {"detail": _("Not found.")})
        return _unauthorized()

    @staticmethod
    def _busy():
        retry = str(settings.NARA_RETRY_AFTER_SECONDS)
        status, body, extra = _json(
            "503 Service Unavailable",
            {"errors": {"__all__": [_("The service is very busy. Please retry shortly.")]}},
        )
        return status, body, [*extra, ("Retry-After", retry)]

    def _headers(self, environ, extra) -> list[tuple[str, str]]:
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Cache-Control", "private, no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", settings.X_FRAME_OPTIONS),
            ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Vary", "Accept-Language, Cookie"),
            *extra,
        ]
        hsts = getattr(settings, "SECURE_HSTS_SECONDS", 0)
        if hsts and self._secure(environ):
            value = f"max-age={hsts}"
            if getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
                value += "; includeSubDomains"
            headers.append(("Strict-Transport-Security", value))
        return headers


def _json(status: str, data: dict):
    body = json.dumps(data, ensure_ascii=False).encode()
    return status, body, [("Content-Length", str(len(body)))]


def _unauthorized():
    status, body, extra = _json("401 Unauthorized", {"detail": _("Authentication required.")})
    return status, body, [*extra, ("WWW-Authenticate", "Bearer")]


def _close_if_obsolete() -> None:
    """What Django does at the start of a request (CONN_MAX_AGE), without the health-check
    query: a dropped connection shows itself on use and is reopened once."""
    if connection.connection is not None and connection.close_at is not None:
        if time.monotonic() >= connection.close_at:
            connection.close()


def _is_connection_error(error: Exception) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))
