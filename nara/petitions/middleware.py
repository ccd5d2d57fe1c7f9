"""A surge of e-mail signatures must not make the rest of the site wait.

Signing by e-mail costs far more than reading a page (a form, a mail in the outbox, a confirm
page, the confirmation), so at most NARA_EMAIL_SIGNING_CONCURRENCY such requests run at once in
a server process; the others wait their turn here, holding no database connection, while page
views go on (with more server threads than this limit). A request that waited longer than
NARA_EMAIL_SIGNING_WAIT_SECONDS is told to retry (503, Retry-After)."""

import re

from django.conf import settings

from nara.core.middleware import Turns, busy_response

EMAIL_SIGNING = re.compile(
    r"^/(?:api/v1/petitions/[0-9]+/signatures/?|petitions/[0-9]+/sign/email/|"
    r"petitions/confirm/[^/]+/)$"
)


class EmailSigningGate:
    def __init__(self, get_response):
        self.get_response = get_response
        self.turns = Turns("NARA_EMAIL_SIGNING_CONCURRENCY")

    def __call__(self, request):
        if not self._gated(request):
            return self.get_response(request)
        with self.turns.turn(settings.NARA_EMAIL_SIGNING_WAIT_SECONDS) as mine:
            return self.get_response(request) if mine else busy_response(request)

    @staticmethod
    def _gated(request) -> bool:
        if not EMAIL_SIGNING.match(request.path_info):
            return False
        if request.path_info.startswith("/petitions/confirm/"):
            return True  # opening the link and pressing Confirm
        # the signing forms and the API without a token (with one: nara/petitions/surge.py)
        return request.method == "POST" and not request.META.get("HTTP_AUTHORIZATION")
