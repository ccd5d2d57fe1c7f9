"""Shared personas, built through real services and models: two citizens, a handler and an
approver of the routed unit, a handler of another unit, an operator, anonymous."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache, caches
from django.test import Client

from nara.accounts.models import ApiToken, User
from nara.agencies.models import Category, Membership, RoutingRule, Unit

PASSWORD = "correct-horse-battery-9"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    caches["pages"].clear()
    yield
    cache.clear()
    caches["pages"].clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def make_user(email, *, official=False, staff=False, **fields) -> User:
    user = User.objects.create_user(
        email=email, password=PASSWORD, email_confirmed=True, is_staff=staff, **fields
    )
    if official or staff:
        user.totp_secret = TOTP_SECRET
        user.totp_confirmed = True
        user.save(update_fields=["totp_secret", "totp_confirmed"])
    return user


@dataclass
class World:
    ministry: Unit
    roads: Unit  # the unit the routing rule sends "pothole"/roads complaints to
    parks: Unit  # another unit
    roads_category: Category
    citizen: User
    other_citizen: User
    handler: User  # handler of roads
    approver: User  # approver of roads
    other_handler: User  # handler of parks
    other_approver: User  # approver of parks
    operator: User


@pytest.fixture
def world(db) -> World:
    ministry = Unit.objects.create(
        code="moi",
        name_ko="행정안전부",
        name_en="Ministry of the Interior",
        kind=Unit.Kind.MINISTRY,
    )
    roads = Unit.objects.create(
        code="moi-roads",
        name_ko="도로과",
        name_en="Roads Division",
        kind=Unit.Kind.DEPARTMENT,
        parent=ministry,
    )
    city = Unit.objects.create(
        code="seoul", name_ko="서울특별시", name_en="Seoul", kind=Unit.Kind.PROVINCE
    )
    parks = Unit.objects.create(
        code="seoul-parks",
        name_ko="공원과",
        name_en="Parks Division",
        kind=Unit.Kind.DEPARTMENT,
        parent=city,
    )
    roads_category = Category.objects.create(code="roads", name_ko="도로", name_en="Roads")
    Category.objects.create(code="parks", name_ko="공원", name_en="Parks")
    RoutingRule.objects.create(priority=10, category=roads_category, unit=roads)
    RoutingRule.objects.create(priority=20, keywords="pothole, 포트홀", unit=roads)
    RoutingRule.objects.create(priority=30, keywords="park, 공원", unit=parks)
    w = World(
        ministry=ministry,
        roads=roads,
        parks=parks,
        roads_category=roads_category,
        citizen=make_user("alice@example.com", name="Alice"),
        other_citizen=make_user("bob@example.com", name="Bob"),
        handler=make_user("handler@roads.example.com", official=True, name="Han Handler"),
        approver=make_user("approver@roads.example.com", official=True, name="Ahn Approver"),
        other_handler=make_user("handler@parks.example.com", official=True),
        other_approver=make_user("approver@parks.example.com", official=True),
        operator=make_user("operator@example.com", staff=True),
    )
    Membership.objects.create(user=w.handler, unit=roads, role=Membership.Role.HANDLER)
    Membership.objects.create(user=w.approver, unit=roads, role=Membership.Role.APPROVER)
    Membership.objects.create(user=w.other_handler, unit=parks, role=Membership.Role.HANDLER)
    Membership.objects.create(user=w.other_approver, unit=parks, role=Membership.Role.APPROVER)
    return w


def login(client: Client, user: User) -> Client:
    """Log a user in for web tests; officials and operators also pass 2FA."""
    client.force_login(user)
    if user.needs_two_factor:
        session = client.session
        session["nara_2fa_verified"] = True
        session.save()
    return client


@pytest.fixture
def client_for():
    def make(user: User | None, **headers) -> Client:
        client = Client(headers=headers or None)
        return login(client, user) if user is not None else client

    return make


class ApiClient:
    """A thin JSON client for /api/v1 with a bearer token."""

    def __init__(self, user: User | None = None):
        self.client = Client()
        self.token = (
            ApiToken.issue(user, two_factor=user.needs_two_factor) if user is not None else None
        )

    def _headers(self, extra):
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path, headers=None):
        return self.client.get(f"/api/v1{path}", headers=self._headers(headers))

    def post(self, path, data=None, headers=None):
        import json

        return self.client.post(
            f"/api/v1{path}",
            data=json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers=self._headers(headers),
        )


@pytest.fixture
def api_for():
    return ApiClient


from tests.petition_helpers import moderator, small_type  # noqa: E402, F401  (petition fixtures)
