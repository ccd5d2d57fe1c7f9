"""The machinery the A/B benchmarks switch off (settings.NARA_OFF, bench/README.md) keeps every
page correct when it is off: the same pages, API calls and the signing request answer the same
way, with the machinery out of the path (a poisoned piece shows it is not used)."""

import json
import re

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client

from nara.accounts import services as account_services
from nara.accounts import sessions
from nara.accounts.models import ApiToken, Session
from nara.core import prepared
from nara.core.processcache import ProcessCache
from nara.notifications.models import Notification
from nara.participation.consultations.models import Consultation
from nara.petitions.surge import SigningFastPath
from tests.helpers import wsgi_environ

from .conftest import PASSWORD, login
from .helpers import file_complaint, to_answered, to_in_progress
from .petition_helpers import opened
from .test_participation_consultations import make_consultation

pytestmark = pytest.mark.django_db

# Each switch alone, none, and all of them at once. memo and pagecache are switched in their
# own modules (nara/core/templatetags/memo.py, nara/core/pagecache.py).
SWITCHES = ["prepared", "memo", "pagecache", "localpages", "sessions", "surgepath"]
VARIANTS = [frozenset(), *(frozenset({name}) for name in SWITCHES), frozenset(SWITCHES)]


def _label(off: frozenset) -> str:
    return "all on" if not off else ",".join(sorted(off)) + " off"


@pytest.fixture(params=VARIANTS, ids=_label)
def off(request, settings, monkeypatch):
    """settings.NARA_OFF for the test, and the machinery that is off made unusable."""
    settings.NARA_OFF = request.param
    settings.LANGUAGE_CODE = "en"

    def unused(*args, **kwargs):
        raise AssertionError("machinery used while switched off")

    if "prepared" in request.param:
        monkeypatch.setattr(prepared, "rows_from_sql", unused)
    if "sessions" in request.param:
        monkeypatch.setattr(sessions._session_by_key, "first", unused)
    if "localpages" in request.param:  # as nara/settings.py does: pages in the shared cache
        settings.CACHES = {**settings.CACHES, "pages": settings.CACHES["default"]}
        for method in ("get", "set", "add"):
            monkeypatch.setattr(ProcessCache, method, unused)
    return request.param


@pytest.mark.parametrize("off, backend", [("", "ProcessCache"), ("localpages", "LocMemCache")])
def test_localpages_off_puts_the_pages_in_the_shared_cache(off, backend):
    """What nara/settings.py makes of NARA_OFF (the fixture above does the same in-process)."""
    import os
    import subprocess
    import sys

    code = "from nara import settings; print(settings.CACHES['pages']['BACKEND'])"
    env = {**os.environ, "NARA_OFF": off, "CACHE_BACKEND": "locmem"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip().endswith(backend), out.stderr


@pytest.fixture
def keep_the_test_connection(monkeypatch):
    """As Django's test client does: a WSGI request's start and end must not close the test's
    connection (it holds the test's transaction)."""
    from nara.petitions import surge

    monkeypatch.setattr(surge, "_close_if_obsolete", lambda: None)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def web_login(user) -> Client:
    """Signed in through the login form (a new session, as a person signs in)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def unread_badge(html: str) -> str:
    """The unread count shown in the header ("3 unread", in the page's language)."""
    found = re.search(r'class="badge">([^<]*)<', html)
    return re.sub(r"\D", "", found.group(1)) if found else ""


def page(client: Client, path: str, *, contains=(), absent=(), unread=None) -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, path
    html = response.content.decode()
    for text in contains:
        assert text in html, (path, text)
    for text in absent:
        assert text not in html, (path, text)
    if unread is not None:
        assert unread_badge(html) == str(unread), path
    return html


def api(token: str, path: str) -> dict:
    response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, path
    return response.json()


def test_pages_answer_correctly(world, moderator, off):
    answered = to_answered(world, file_complaint(world, title="Broken streetlight"))
    working = to_in_progress(world, file_complaint(world, title="Pothole by the school"))
    file_complaint(world, citizen=world.other_citizen, title="Someone else's bench")
    unread = Notification.objects.filter(user=world.citizen, read_at=None).count()
    assert unread > 0
    consultation = make_consultation(world.roads, by=world.handler)

    # anonymous visitors
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    page(anonymous, "/", absent=["Alice"])
    page(
        anonymous, f"/participation/consultations/{consultation.pk}/", contains=[consultation.title]
    )
    assert anonymous.get("/complaints/mine/").status_code == 302  # to the login page

    # a citizen signed in through the form: their own complaints, never another's
    citizen = web_login(world.citizen)
    page(
        citizen,
        "/complaints/mine/",
        contains=["Broken streetlight", "Pothole by the school"],
        absent=["Someone else&#x27;s bench", "Someone else's bench"],
        unread=unread,
    )
    page(citizen, f"/complaints/{answered.receipt_no}/", contains=["Broken streetlight"])
    page(
        citizen,
        f"/participation/consultations/{consultation.pk}/",
        contains=[consultation.title],
        unread=unread,
    )
    assert citizen.get(f"/office/complaints/{working.receipt_no}/").status_code in (403, 404)

    # the handler of the routed unit (two-factor passed)
    handler = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.handler)
    page(handler, "/office/", contains=["Pothole by the school"])
    page(handler, f"/office/complaints/{working.receipt_no}/", contains=["Pothole by the school"])
    other = login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.other_handler)
    page(other, "/office/", absent=["Pothole by the school", "Broken streetlight"])

    # the API with tokens
    token = ApiToken.issue(world.citizen)
    listed = api(token, "/api/v1/complaints")
    assert sorted(c["title"] for c in listed["items"]) == [
        "Broken streetlight",
        "Pothole by the school",
    ]
    assert api(token, f"/api/v1/complaints/{working.receipt_no}")["title"] == (
        "Pothole by the school"
    )
    inbox = api(ApiToken.issue(world.handler, two_factor=True), "/api/v1/inbox")
    assert sorted(c["title"] for c in inbox["items"]) == [
        "Pothole by the school",
        "Someone else's bench",
    ]

    # signing out ends the session
    assert citizen.post("/accounts/logout/").status_code == 302
    assert citizen.get("/complaints/mine/").status_code == 302
    assert Consultation.objects.filter(pk=consultation.pk).exists()


def test_a_totp_reset_ends_the_officials_sessions(world, off):
    handler = login(Client(), world.handler)
    assert handler.get("/office/").status_code == 200
    assert Session.objects.filter(user=world.handler).exists()  # the row names its user
    account_services.user_totp_reset(by=world.operator, user=world.handler)
    assert handler.get("/office/").status_code == 302  # signed out


def _sign(app, petition_id: int, token: str):
    body = b"{}"
    environ = wsgi_environ(
        f"/api/v1/petitions/{petition_id}/signatures",
        body=body,
        token=token,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = int(status.split()[0])

    chunks = app(environ, start_response)
    content = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return seen["status"], json.loads(content)


def test_signing_with_a_token_answers_the_same(
    world, moderator, small_type, off, keep_the_test_connection
):
    from nara.wsgi import with_surge_path

    small_type.refer_threshold = small_type.answer_threshold = 1000
    small_type.save()
    petition = opened(world, small_type, moderator)
    django_app = get_wsgi_application()
    app = with_surge_path(django_app)
    assert isinstance(app, SigningFastPath) == ("surgepath" not in off)
    first = ApiToken.issue(world.other_citizen)
    second = ApiToken.issue(world.handler, two_factor=True)
    assert _sign(app, petition.pk, first) == (201, {"signature_count": 1, "signed": True})
    assert _sign(app, petition.pk, second) == (201, {"signature_count": 2, "signed": True})
    assert _sign(app, petition.pk, first) == (
        409,
        {"errors": {"petition": ["You already signed this petition."]}},
    )
    assert _sign(app, petition.pk, "not-a-token") == (401, {"detail": "Authentication required."})


def test_sessions_off_reads_the_session_as_django_does(world, settings, django_assert_num_queries):
    """On: the session, its user, memberships and unread count in one query; off: Django's
    reads (the session, then the user), the rest each in a query of its own."""
    client = login(Client(), world.citizen)
    client.get("/complaints/mine/")  # compiles what it compiles once
    with django_assert_num_queries(2):  # the session with the rest, the page's list
        client.get("/complaints/mine/")
    settings.NARA_OFF = frozenset({"sessions"})
    with django_assert_num_queries(5):  # the session, the user, memberships, count, the list
        client.get("/complaints/mine/")
