"""Signing with a token (the surge path): the same rules as the service, on SQLite through the
service and on PostgreSQL through its two statements — this module runs on both."""

import pytest
from django.db import connection
from django.utils import timezone

from nara.accounts.models import ApiToken
from nara.audit.models import AuditEvent, EventType
from nara.petitions import signing
from nara.petitions.fastpath import (
    ALREADY,
    BAD_TOKEN,
    LIMITED,
    NOT_FOUND,
    NOT_SIGNABLE,
    SIGNED,
    sign_with_token,
)
from nara.petitions.models import Petition, Signature, Status
from tests.helpers import together

from .petition_helpers import gathering, opened, signers

pytestmark = pytest.mark.django_db
# The signing statement is PostgreSQL's; elsewhere signing runs the service path (the other tests).
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the signing statement is PostgreSQL's"
)


def token(user, two_factor=False) -> str:
    return ApiToken.issue(user, two_factor=two_factor)


def test_signs_once_and_counts(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    raw = token(world.other_citizen)
    result = sign_with_token(raw, petition.pk, "10.0.0.1")
    assert (result.outcome, result.count) == (SIGNED, 1)
    signature = Signature.objects.get(petition=petition)
    assert signature.user == world.other_citizen
    assert signature.email_canonical == "bob@example.com" and signature.ip_hash
    again = sign_with_token(raw, petition.pk)
    assert again.outcome == ALREADY and again.count == 1
    assert signing.signature_count(petition.pk) == 1


def test_outcomes(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    raw = token(world.other_citizen)
    first = sign_with_token(raw, petition.pk)
    assert (first.outcome, first.count) == (SIGNED, 1)
    assert sign_with_token("nonsense", petition.pk).outcome == BAD_TOKEN
    assert sign_with_token("", petition.pk).outcome == BAD_TOKEN
    assert sign_with_token(raw, 999_999).outcome == NOT_FOUND
    unpublished = gathering(world, small_type, title="Not yet public")
    assert sign_with_token(raw, unpublished.pk).outcome == NOT_FOUND
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now())
    closed = sign_with_token(token(world.citizen), petition.pk)
    assert (closed.outcome, closed.count) == (NOT_SIGNABLE, 1)


def test_an_officials_token_needs_the_second_factor(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    assert sign_with_token(token(world.handler), petition.pk).outcome == BAD_TOKEN
    assert sign_with_token(token(world.handler, two_factor=True), petition.pk).outcome == SIGNED


def test_an_inactive_users_token_is_refused(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    raw = token(world.other_citizen)
    world.other_citizen.is_active = False
    world.other_citizen.save()
    assert sign_with_token(raw, petition.pk).outcome == BAD_TOKEN


def test_an_expired_token_is_refused(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    raw = token(world.other_citizen)
    ApiToken.objects.filter(key_hash=ApiToken.hash(raw)).update(expires_at=timezone.now())
    assert sign_with_token(raw, petition.pk).outcome == BAD_TOKEN
    assert not Signature.objects.filter(petition=petition).exists()


def test_a_token_ends_when_the_password_changes(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    raw = token(world.other_citizen)
    world.other_citizen.set_password("changed-elsewhere-55")  # the admin, changepassword
    world.other_citizen.save()
    assert sign_with_token(raw, petition.pk).outcome == BAD_TOKEN
    assert not Signature.objects.filter(petition=petition).exists()


def test_thresholds_fire_once(world, moderator, small_type):
    petition = opened(world, small_type, moderator)  # refer at 3, answer at 5
    results = [sign_with_token(token(u), petition.pk) for u in signers(6)]
    assert [r.count for r in results] == [1, 2, 3, 4, 5, 6]
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_ANSWER
    for event in (EventType.PETITION_REFERRED, EventType.PETITION_ANSWER_REQUIRED):
        assert AuditEvent.objects.filter(event_type=event, target_id=str(petition.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_person_concurrently_counts_once(world, moderator, small_type):
    petition = opened(world, small_type, moderator)
    raw = token(world.other_citizen)
    outcomes = []
    errors = together(8, lambda i: outcomes.append(sign_with_token(raw, petition.pk).outcome))
    assert errors == [None] * 8
    assert sorted(outcomes) == [ALREADY] * 7 + [SIGNED]
    assert signing.signature_count(petition.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_64_concurrent_signers_count_64(world, moderator, small_type):
    small_type.refer_threshold, small_type.answer_threshold = 30, 60
    small_type.save()
    petition = opened(world, small_type, moderator)
    raws = [token(u) for u in signers(64)]
    errors = together(64, lambda i: sign_with_token(raws[i], petition.pk, f"10.1.0.{i}"))
    assert errors == [None] * 64
    assert signing.signature_count(petition.pk) == 64
    assert Signature.objects.filter(petition=petition).count() == 64
    for event in (EventType.PETITION_REFERRED, EventType.PETITION_ANSWER_REQUIRED):
        assert AuditEvent.objects.filter(event_type=event, target_id=str(petition.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_address_signing_at_once_gets_exactly_its_limit(world, moderator, small_type, settings):
    """The limits are counted in the signing statement for a whole batch at once: each request
    its own place in the count, however the requests fall into batches."""
    settings.NARA_RATE_LIMITS_ENABLED = True
    settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "petition_sign_burst": (7, 3600)}
    small_type.refer_threshold, small_type.answer_threshold = 1000, 2000
    small_type.save()
    petition = opened(world, small_type, moderator)
    raws = [token(u) for u in signers(24)]
    outcomes = {}
    errors = together(
        24, lambda i: outcomes.update({i: sign_with_token(raws[i], petition.pk, "10.2.0.1")})
    )
    assert errors == [None] * 24
    assert sorted(r.outcome for r in outcomes.values()) == [LIMITED] * 17 + [SIGNED] * 7
    assert signing.signature_count(petition.pk) == 7
    # from another address: a person who was limited signs now, one who had signed is told so
    again = {SIGNED: ALREADY, LIMITED: SIGNED}[outcomes[0].outcome]
    assert sign_with_token(raws[0], petition.pk, "10.2.0.2").outcome == again


@postgresql_only
def test_in_one_statement_each_request_has_its_place_in_the_count(
    world, moderator, small_type, settings
):
    from nara.petitions import fastpath

    settings.NARA_RATE_LIMITS_ENABLED = True
    settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "petition_sign_burst": (3, 3600)}
    petition = opened(world, small_type, moderator)
    raws = [token(u) for u in signers(6)]
    ips = ["10.3.0.1", "10.3.0.2", "10.3.0.1", "10.3.0.1", "10.3.0.1", "10.3.0.2"]
    batch = [
        fastpath._Request(ApiToken.hash(r), petition.pk, ip)
        for r, ip in zip(raws, ips, strict=True)
    ]
    rows = fastpath._execute_batch(batch[:2])  # 10.3.0.1 has 1 of its 3
    rows += fastpath._execute_batch(batch[2:])  # one statement: its 2nd and 3rd, its 4th refused
    assert [row[-1] for row in rows] == [True, True, True, True, False, True]


ADDRESSES = [
    "Kim.Min.Su+petition@Gmail.com",
    "kim.min.su@googlemail.com",
    "k.i.m+a+b@GOOGLEMAIL.COM",
    "KIM.MIN+x@naver.com",
    "lee+news@outlook.com",
    "lee.ji+news@Hotmail.com",
    "park@Daum.NET",
    '"odd@local"@example.org',
    "a.b.c@icloud.com",
    "plain@sub.gmail.com",
    "x+@proton.me",
]


@postgresql_only
@pytest.mark.parametrize("address", ADDRESSES)
def test_the_canonical_address_is_the_same_in_sql_and_python(address):
    from nara.petitions import emails
    from nara.petitions.fastpath import canonical_in_sql

    assert canonical_in_sql(address) == (emails.canonical(address), emails.domain_of(address))


def test_an_internationalised_address_takes_the_python_rules(world, moderator, small_type):
    from .conftest import make_user

    petition = opened(world, small_type, moderator)
    person = make_user("Kim@Bücher.Example")
    result = sign_with_token(token(person), petition.pk)
    assert result.outcome == SIGNED
    signature = Signature.objects.get(petition=petition)
    assert signature.email_canonical == "kim@xn--bcher-kva.example"


@postgresql_only
def test_one_batch_of_many_requests(world, moderator, small_type):
    """Group commit on PostgreSQL: each request of one statement gets its own answer."""
    from nara.petitions.fastpath import _execute_batch, _Request

    small_type.refer_threshold = small_type.answer_threshold = 1000
    small_type.save()
    petition = opened(world, small_type, moderator)
    other = opened(world, small_type, moderator, title="Another open petition")
    unpublished = gathering(world, small_type, title="Not public yet")
    bob = ApiToken.hash(token(world.other_citizen))
    bob_again = ApiToken.hash(token(world.other_citizen))  # a second token, the same person
    alice = ApiToken.hash(token(world.citizen))
    batch = [
        _Request(bob, petition.pk, "ip1"),
        _Request(bob_again, petition.pk, "ip2"),  # the same person in the same batch
        _Request(alice, petition.pk, "ip3"),
        _Request(alice, other.pk, "ip4"),  # another petition in the same batch
        _Request(ApiToken.hash("nope"), petition.pk, "ip5"),  # no such token
        _Request(alice, unpublished.pk, "ip6"),  # not open
    ]
    rows = _execute_batch(batch)
    found = [r[0] for r in rows]
    inserted = [r[7] for r in rows]
    totals = [r[8] for r in rows]
    assert found == [True, True, True, True, False, True]
    assert inserted == [True, False, True, True, False, False]
    assert totals[:4] == [2, 2, 2, 1]
    assert rows[5][4] is None  # the petition is not signable: no status
    assert signing.signature_count(petition.pk) == 2
    assert signing.signature_count(other.pk) == 1
    assert Signature.objects.filter(petition=petition, user=world.other_citizen).count() == 1
    # again: all already signed
    rows = _execute_batch(batch[:4])
    assert [r[7] for r in rows] == [False, False, False, False]
    assert signing.signature_count(petition.pk) == 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_signing_statements_are_bounded_and_leave_the_connection_alone(settings):
    """The signing statement runs with its own timeout and generic plan (SET LOCAL), whatever
    Django's prepared-statement setting; the connection's other queries keep theirs."""
    from nara.petitions import fastpath

    settings.NARA_SIGNING_STATEMENT_TIMEOUT_MS = 1234
    inside = fastpath._execute_prepared(
        "SELECT current_setting('statement_timeout'), current_setting('plan_cache_mode')", {}
    )
    assert tuple(inside) == ("1234ms", "force_generic_plan")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone()[0] != "1234ms"


def test_the_signing_statement_stays_short_enough_for_psycopg_to_keep_it():
    """psycopg keeps a statement's converted form only up to 4,096 bytes (its
    MAX_CACHED_STATEMENT_LENGTH); past that it converts it again for every batch."""
    from nara.petitions import fastpath

    assert len(fastpath.SIGN_SQL.encode()) <= 4096
    assert "--" not in fastpath.SIGN_SQL and "  " not in fastpath.SIGN_SQL
    assert "'^[ -~]+$'" in fastpath.SIGN_SQL  # string literals are left as they are
