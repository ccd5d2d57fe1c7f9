"""Site-wide properties: home page, health check, access markers on every view, security
headers, the friendly 404 page, the language switch, and forms that never give a 500."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from nara.agencies.models import Membership

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}
MARKERS = {"public", "citizen", "official", "moderator"}


@pytest.mark.django_db
def test_home_page_in_korean_and_english(client):
    ko = client.get("/", **KO)
    assert ko.status_code == 200
    assert b'<html lang="ko">' in ko.content
    en = client.get("/", **EN)
    assert en.status_code == 200
    assert b'<html lang="en">' in en.content
    html = en.content.decode()
    assert "File a complaint" in html
    assert "7 days" in html and "14 days" in html and "3 working hours" in html
    for name in ("complaints:file", "complaints:public_list", "complaints:figures"):
        assert f'href="{reverse(name)}"' in html


@pytest.mark.django_db
def test_home_page_shows_the_configured_periods(client, settings):
    settings.NARA_COMPLAINT_PERIODS = {
        **settings.NARA_COMPLAINT_PERIODS,
        "grievance": {"days": 10},
        "other": {"hours": 1},
    }
    html = client.get("/", **EN).content.decode()
    assert "10 days" in html and "1 working hour" in html and "3 working hours" not in html


@pytest.mark.django_db
def test_healthz_answers_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "ok"


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(
                entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace
            )
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


EXEMPT = (
    "ninja.",  # the JSON API: authenticated per endpoint (bearer tokens)
    "django.views.i18n.set_language",  # the language switch: open to all, POST
)


def _exempt(namespace: str, pattern: URLPattern) -> bool:
    """Django's admin (staff only, behind 2FA by the middleware) and the ninja API."""
    module = getattr(pattern.callback, "__module__", "") or ""
    return (
        namespace == "admin"
        or pattern.lookup_str.startswith(EXEMPT)
        or module.startswith(("ninja.", "django.contrib.admin."))
    )


def test_every_view_declares_who_may_use_it():
    unmarked = [
        f"{route} -> {pattern.lookup_str}"
        for route, namespace, pattern in _walk(get_resolver().url_patterns)
        if not _exempt(namespace, pattern)
        and getattr(pattern.callback, "nara_access", None) not in MARKERS
    ]
    assert unmarked == []


def test_the_url_walk_finds_the_accounts_views():
    routes = {p.lookup_str for _route, _ns, p in _walk(get_resolver().url_patterns)}
    assert "nara.accounts.views.login" in routes
    assert "nara.portal.views.home" in routes


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_unknown_url_gets_the_friendly_404_page(client):
    response = client.get("/no-such-page/", **EN)
    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]
    assert b"Page not found" in response.content
    assert b'href="/"' in response.content


@pytest.mark.django_db
def test_anonymous_visitor_can_switch_language(client):
    client.get("/")  # sets the CSRF cookie
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert b'<html lang="en">' in client.get("/").content


# --- bad input never gives a 500 ----------------------------------------------------------------

NUL = "a\x00b"
LONG = "x" * 10_000
BAD_VALUES = [
    NUL,
    LONG,
    LONG + "@example.com",
    "\x00" * 10,
    ["one", "two"],
    "",
    "🙂" * 500,
    "<script>alert(1)</script>",
]


def _posts(fields):
    for value in BAD_VALUES:
        yield dict.fromkeys(fields, value)
    yield {}  # nothing at all


FORMS = {
    "signup": (
        "accounts:signup",
        ["email", "name", "password1", "password2", "preferred_language", "accept_terms"],
    ),
    "login": ("accounts:login", ["email", "password", "next"]),
    "resend": ("accounts:resend_confirmation", ["email"]),
    "password_reset": ("accounts:password_reset", ["email"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FORMS))
def test_anonymous_forms_never_give_500(client, name, settings):
    settings.NARA_RATE_LIMITS_ENABLED = False
    url_name, fields = FORMS[name]
    url = reverse(url_name)
    assert client.get(url, {"next": NUL}).status_code == 400  # a NUL in the query: refused
    for data in _posts(fields):
        response = client.post(url, data)
        assert response.status_code == 400, (data, response.status_code)  # refused, with why


ODD_NEXTS = ["abc", "-1", "1e9", "0", "None", "//evil.example", "https://evil.example", NUL]


# What each persona gets from the sign-in pages, whatever the next (a NUL in it is refused: 400):
# the form, or a redirect (signed in already, or to sign in first), or 404 for the admin's sign-in
# to someone who is not staff.
SIGN_IN_PAGES = {
    "anonymous": {"/accounts/login/": 200, "/admin/login/": 302, "/accounts/2fa/verify/": 302},
    "citizen": {"/accounts/login/": 302, "/admin/login/": 404, "/accounts/2fa/verify/": 302},
    "handler": {"/accounts/login/": 302, "/admin/login/": 404, "/accounts/2fa/verify/": 302},
    "operator": {"/accounts/login/": 302, "/admin/login/": 302, "/accounts/2fa/verify/": 302},
}


@pytest.mark.django_db
def test_odd_next_values_never_give_500(client_for, world):
    personas = {"anonymous": None, "citizen": world.citizen, "handler": world.handler}
    personas["operator"] = world.operator
    for persona, user in personas.items():
        client = client_for(user)
        for next_url in ODD_NEXTS:
            for url, status in SIGN_IN_PAGES[persona].items():
                response = client.get(url, {"next": next_url})
                expected = 400 if next_url == NUL else status
                assert response.status_code == expected, (persona, url, next_url)
                location = response.get("Location", "/")
                assert location.startswith("/") and "evil" not in location.split("?")[0]


@pytest.mark.django_db
def test_profile_form_never_gives_500(client_for, world):
    client = client_for(world.citizen)
    fields = [
        "name",
        "phone",
        "sido",
        "sigungu",
        "preferred_language",
        "notify_email",
        "notify_site",
    ]
    for data in _posts(fields):
        response = client.post(reverse("accounts:profile"), data)
        assert response.status_code == 400, (data, response.status_code)
    for field in ("sido", "sigungu"):
        for region in ("-1", "1e9", "99999999999999999999999", "1.5", "None"):
            response = client.post(
                reverse("accounts:profile"),
                {"name": "A", "preferred_language": "ko", field: region},
            )
            assert response.status_code == 400, (field, region)


@pytest.mark.django_db
def test_two_factor_forms_never_give_500(client, world, settings):
    settings.NARA_RATE_LIMITS_ENABLED = False
    client.post(reverse("accounts:login"), {"email": world.handler.email, "password": _pw()})
    for data in _posts(["code", "next"]):
        response = client.post(reverse("accounts:2fa_verify"), data)
        assert response.status_code == 400, (data, response.status_code)

    from nara.accounts.models import User

    newcomer = User.objects.create_user(
        email="newcomer@example.com", password=_pw(), email_confirmed=True
    )
    Membership.objects.create(user=newcomer, unit=world.roads, role=Membership.Role.HANDLER)
    client = Client()
    client.post(reverse("accounts:login"), {"email": newcomer.email, "password": _pw()})
    assert client.get(reverse("accounts:2fa_setup")).status_code == 200
    for data in _posts(["code", "next"]):
        response = client.post(reverse("accounts:2fa_setup"), data)
        assert response.status_code == 400, (data, response.status_code)


@pytest.mark.django_db
def test_password_reset_confirm_form_never_gives_500(client, world):
    from nara.accounts.tokens import password_reset_token_make, password_reset_uid

    url = reverse(
        "accounts:password_reset_confirm",
        args=[password_reset_uid(world.citizen), password_reset_token_make(world.citizen)],
    )
    statuses = [client.post(url, data).status_code for data in _posts(["password1", "password2"])]
    # an odd but valid password (500 emoji, the 7th) is accepted: then the link is used up (400)
    assert BAD_VALUES[6] == "🙂" * 500
    assert statuses == [400] * 6 + [302] + [400] * 2


def _pw():
    from .conftest import PASSWORD

    return PASSWORD
