"""Schemathesis over /api/v1/openapi.json, in process against the production WSGI application
(nara.wsgi): every operation as every persona, then stateful sequences along the links between
operations. Every answer must be declared for its operation and match its schema, none may be
a 5xx, and data the schema forbids must be refused. The budget is fixed and derandomized, so
a run is reproducible and its cost is known (EXAMPLES per operation and persona)."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache, caches
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks, negative_data_rejection

from nara.petitions import surge
from nara.wsgi import application
from tests.conftest import ApiClient
from tests.helpers import file_complaint, to_in_progress, to_pending_approval
from tests.petition_helpers import opened

EXAMPLES = 25
FIXED = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same cases on every run
    deadline=None,  # a slow CI machine is not a failure
    database=None,  # nothing remembered between runs
    print_blob=False,
    suppress_health_check=list(HealthCheck),  # the fixtures are per test on purpose
)
PERSONAS = [
    "anonymous",
    "citizen",
    "other_citizen",
    "handler",
    "approver",
    "operator",
    "moderator",
]

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            # The persona's token is sent by the test; a case without it is the anonymous one.
            "with-security-parameters": False,
            # Query parameters the API does not know are ignored, as HTTP APIs do.
            "allow-extra-parameters": False,
        },
        "checks": {
            # Business rules refuse data the schema allows (an unknown category code, a unit
            # that does not exist, a date in the past): such a 400 is right, not a failure.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
load_all_checks()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@pytest.fixture
def fuzz_world(world, moderator, small_type, settings, monkeypatch):
    """Personas with tokens, complaints in several states and an open petition; rate limits
    off (each operation runs many cases as one user from one address)."""
    settings.NARA_RATE_LIMITS_ENABLED = False
    # As Django's test client does: a request's start and end keep the test's connection.
    monkeypatch.setattr(surge, "_close_if_obsolete", lambda: None)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    file_complaint(world)
    to_in_progress(world)
    to_pending_approval(world)
    opened(world, small_type, moderator)
    users = {
        "citizen": world.citizen,
        "other_citizen": world.other_citizen,
        "handler": world.handler,
        "approver": world.approver,
        "operator": world.operator,
        "moderator": moderator,
    }
    yield {name: ApiClient(user).token for name, user in users.items()} | {"anonymous": None}
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def bearer(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.mark.parametrize("persona", PERSONAS)
@schema.parametrize()
@FIXED
def test_every_operation_keeps_its_contract(case, persona, fuzz_world):
    excluded = []
    if persona != "anonymous" and case.path.endswith("/signatures"):
        # With a token the signer is the token's person and the body (name, e-mail, region:
        # what an anonymous signer gives) is not read, so a body that breaks its schema is not
        # refused: 201 or 409 whatever it holds (README, "Public petitions").
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers=bearer(fuzz_world[persona]), excluded_checks=excluded)


# Who calls each operation in a stateful sequence, so that a sequence can take a complaint
# from filing through claim, answer and approval to the rating (links inferred by schemathesis
# from the receipt numbers and petition ids in the answers).
ROLE = {
    "/api/v1/auth/token": "anonymous",
    "/api/v1/inbox": "handler",
    "/claim": "handler",
    "/transfer": "handler",
    "/extend": "handler",
    "/request-info": "handler",
    "/answer": "handler",
    "/approve": "approver",
    "/return": "approver",
}
STEPS = 10
SEQUENCES = 25


def role_of(path: str) -> str:
    return next((who for end, who in ROLE.items() if path.endswith(end)), "citizen")


def test_stateful_sequences_keep_the_contract(fuzz_world):
    class Sequences(schema.as_state_machine()):
        def setup(self):
            # each sequence starts from the fixture's data: replaying one (to shrink a
            # failure) must see the same answers
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)
            cache.clear()
            caches["pages"].clear()

        def get_call_kwargs(self, case):
            return {"headers": bearer(fuzz_world[role_of(case.operation.path)])}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # the token is the test's, not generated: checks that probe auth must know it
            case.validate_response(response, headers=kwargs["headers"], transport_kwargs=kwargs)

    Sequences.run(
        settings=settings(FIXED, max_examples=SEQUENCES, stateful_step_count=STEPS),
    )
