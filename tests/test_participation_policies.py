"""Phase gating as a matrix: who may do what in a regional process (limited to Seoul), in each
of the five phases, for each of the nine actions. The expected table is written out by hand from
the rules (DOMAIN.md "Policy participation", policies.py docstring), not computed:

- anonymous visitors may do nothing (log in first);
- a resident of Seoul (living in Jongno-gu, a part of Seoul) may do the citizen actions the phase
  allows;
- a resident of another region (Busan), and a moderator or an official without a residence in
  Seoul, may comment and contribute when the phase allows, never propose, support, answer a poll
  or vote here;
- officials of the running unit may do the agency's actions (assess, answer, report) the phase
  allows; nobody else may.

Codes: Y allowed · L log in first · R residents only · O agency officials only · P not open in
this phase · B account blocked · N process not open (unpublished)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from nara.core.models import Region
from nara.participation import policies
from nara.participation.models import Action, Phase, PhaseKind, PostingBlock
from tests.conftest import make_user
from tests.participation_helpers import make_process

ACTIONS = [
    Action.COMMENT,
    Action.PROPOSE,
    Action.SUPPORT,
    Action.RESPOND,
    Action.VOTE,
    Action.CONTRIBUTE,
    Action.ASSESS,
    Action.ANSWER,
    Action.REPORT,
]
PHASES = [
    PhaseKind.INFORMATION,
    PhaseKind.INPUT,
    PhaseKind.DELIBERATION,
    PhaseKind.VOTING,
    PhaseKind.RESULTS,
]

# fmt: off
#                                 comment propose support respond vote contribute assess answer report
MATRIX = {
    "anonymous": {
        PhaseKind.INFORMATION:   ("L",    "L",    "L",    "L",    "L", "L",       "L",   "L",   "L"),
        PhaseKind.INPUT:         ("L",    "L",    "L",    "L",    "L", "L",       "L",   "L",   "L"),
        PhaseKind.DELIBERATION:  ("L",    "L",    "L",    "L",    "L", "L",       "L",   "L",   "L"),
        PhaseKind.VOTING:        ("L",    "L",    "L",    "L",    "L", "L",       "L",   "L",   "L"),
        PhaseKind.RESULTS:       ("L",    "L",    "L",    "L",    "L", "L",       "L",   "L",   "L"),
    },
    "resident": {
        PhaseKind.INFORMATION:   ("P",    "P",    "P",    "P",    "P", "P",       "O",   "O",   "O"),
        PhaseKind.INPUT:         ("Y",    "Y",    "Y",    "Y",    "P", "Y",       "O",   "O",   "O"),
        PhaseKind.DELIBERATION:  ("Y",    "P",    "Y",    "P",    "P", "P",       "O",   "O",   "O"),
        PhaseKind.VOTING:        ("P",    "P",    "P",    "Y",    "Y", "P",       "O",   "O",   "O"),
        PhaseKind.RESULTS:       ("P",    "P",    "P",    "P",    "P", "P",       "O",   "O",   "O"),
    },
    "other_region": {
        PhaseKind.INFORMATION:   ("P",    "R",    "R",    "R",    "R", "P",       "O",   "O",   "O"),
        PhaseKind.INPUT:         ("Y",    "R",    "R",    "R",    "R", "Y",       "O",   "O",   "O"),
        PhaseKind.DELIBERATION:  ("Y",    "R",    "R",    "R",    "R", "P",       "O",   "O",   "O"),
        PhaseKind.VOTING:        ("P",    "R",    "R",    "R",    "R", "P",       "O",   "O",   "O"),
        PhaseKind.RESULTS:       ("P",    "R",    "R",    "R",    "R", "P",       "O",   "O",   "O"),
    },
    "moderator": {
        PhaseKind.INFORMATION:   ("P",    "R",    "R",    "R",    "R", "P",       "O",   "O",   "O"),
        PhaseKind.INPUT:         ("Y",    "R",    "R",    "R",    "R", "Y",       "O",   "O",   "O"),
        PhaseKind.DELIBERATION:  ("Y",    "R",    "R",    "R",    "R", "P",       "O",   "O",   "O"),
        PhaseKind.VOTING:        ("P",    "R",    "R",    "R",    "R", "P",       "O",   "O",   "O"),
        PhaseKind.RESULTS:       ("P",    "R",    "R",    "R",    "R", "P",       "O",   "O",   "O"),
    },
    "agency_official": {
        PhaseKind.INFORMATION:   ("P",    "R",    "R",    "R",    "R", "P",       "P",   "P",   "P"),
        PhaseKind.INPUT:         ("Y",    "R",    "R",    "R",    "R", "Y",       "Y",   "Y",   "P"),
        PhaseKind.DELIBERATION:  ("Y",    "R",    "R",    "R",    "R", "P",       "Y",   "Y",   "Y"),
        PhaseKind.VOTING:        ("P",    "R",    "R",    "R",    "R", "P",       "P",   "Y",   "P"),
        PhaseKind.RESULTS:       ("P",    "R",    "R",    "R",    "R", "P",       "P",   "Y",   "Y"),
    },
}
# fmt: on

REASONS = {
    "L": "Please log in to take part.",
    "R": "Only residents of Seoul may do this.",
    "O": "Only officials of the agency running this process may do this.",
    "P": "This is not open in the current phase.",
    "B": "Your account may not post in participation. Contact the moderators.",
    "N": "This process is not open.",
}


class Anonymous:
    is_authenticated = False


@pytest.fixture
def seoul(db):
    return Region.objects.get(code="11")


@pytest.fixture
def personas(world, moderator, seoul):
    return {
        "anonymous": Anonymous(),
        "resident": make_user("jongno@example.com", region=Region.objects.get(code="11110")),
        "other_region": make_user("busan@example.com", region=Region.objects.get(code="26")),
        "moderator": moderator,
        "agency_official": world.handler,  # a handler of world.roads, which runs the process
    }


def code_for(user, process, action) -> str:
    """The refusal as a code of the table (its English text must be the expected one)."""
    with translation.override("en"):
        reason = policies.refusal(user, process, action)
        if reason is None:
            return "Y"
        text = str(reason)
    matches = [code for code, expected in REASONS.items() if expected == text]
    assert matches, f"unexpected refusal {text!r}"
    return matches[0]


def test_the_matrix_covers_every_persona_phase_and_action():
    assert set(MATRIX) == {"anonymous", "resident", "other_region", "moderator", "agency_official"}
    for rows in MATRIX.values():
        assert list(rows) == PHASES
        assert all(len(row) == len(ACTIONS) for row in rows.values())
    assert set(ACTIONS) == set(Action)


@pytest.mark.parametrize("phase", PHASES)
def test_phase_gating_matrix(world, personas, seoul, phase):
    process = make_process(world.roads, current=phase, region=seoul)
    for persona, user in personas.items():
        got = tuple(code_for(user, process, action) for action in ACTIONS)
        assert got == MATRIX[persona][phase], (persona, phase)
        # can_act and require_act agree with refusal
        for action, code in zip(ACTIONS, got, strict=True):
            assert policies.can_act(user, process, action) is (code == "Y")


def test_a_blocked_account_may_post_nothing_but_keeps_its_official_role(world, personas, seoul):
    process = make_process(world.roads, current=PhaseKind.INPUT, region=seoul)
    resident, official = personas["resident"], personas["agency_official"]
    PostingBlock.objects.create(user=resident, reason="spam")
    PostingBlock.objects.create(user=official, reason="spam")
    assert tuple(code_for(resident, process, a) for a in ACTIONS) == (
        "B", "B", "B", "B", "B", "B", "O", "O", "O",
    )  # fmt: skip
    # the block is about posting: the official's answers are the agency's, not posts
    assert tuple(code_for(official, process, a) for a in ACTIONS) == (
        "B", "B", "B", "B", "B", "B", "Y", "Y", "P",
    )  # fmt: skip


def test_an_unpublished_process_is_open_to_nobody(world, personas, seoul):
    process = make_process(world.roads, current=PhaseKind.INPUT, region=seoul, published=False)
    assert all(code_for(personas["anonymous"], process, a) == "L" for a in ACTIONS)
    for persona in ("resident", "other_region", "moderator", "agency_official"):
        got = {code_for(personas[persona], process, a) for a in ACTIONS}
        assert got == {"N"}, persona


def test_a_national_process_lets_every_signed_in_person_take_part(world, personas):
    process = make_process(world.roads, current=PhaseKind.INPUT, region=None)
    expected = {
        "anonymous": ("L", "L", "L", "L", "L", "L", "L", "L", "L"),
        "resident": ("Y", "Y", "Y", "Y", "P", "Y", "O", "O", "O"),
        "other_region": ("Y", "Y", "Y", "Y", "P", "Y", "O", "O", "O"),
        "moderator": ("Y", "Y", "Y", "Y", "P", "Y", "O", "O", "O"),
        "agency_official": ("Y", "Y", "Y", "Y", "P", "Y", "Y", "Y", "P"),
    }
    for persona, user in personas.items():
        assert tuple(code_for(user, process, a) for a in ACTIONS) == expected[persona], persona


def test_between_two_phases_nothing_is_open(world, personas, seoul):
    process = make_process(world.roads, current=PhaseKind.INPUT, region=seoul)
    now = timezone.now()
    # input ended an hour ago; deliberation starts in a day
    Phase.objects.filter(process=process, kind=PhaseKind.INPUT).update(
        ends_at=now - timedelta(hours=1)
    )
    Phase.objects.filter(process=process, kind=PhaseKind.DELIBERATION).update(
        starts_at=now + timedelta(days=1)
    )
    process.refresh_from_db()
    assert policies.current_phase(process) is None
    for persona in ("resident", "other_region", "moderator", "agency_official"):
        got = tuple(code_for(personas[persona], process, a) for a in ACTIONS)
        assert set(got) <= {"P", "R", "O"}, persona
        assert "Y" not in got
    assert tuple(code_for(personas["resident"], process, a) for a in ACTIONS) == (
        "P", "P", "P", "P", "P", "P", "O", "O", "O",
    )  # fmt: skip
    assert tuple(code_for(personas["agency_official"], process, a) for a in ACTIONS) == (
        "P", "R", "R", "R", "R", "P", "P", "P", "P",
    )  # fmt: skip


def test_an_official_of_a_unit_above_counts_and_one_of_another_unit_does_not(world, seoul):
    from nara.agencies.models import Membership

    process = make_process(world.roads, current=PhaseKind.DELIBERATION, region=seoul)
    ministry_official = make_user("minister@example.com", official=True)
    Membership.objects.create(
        user=ministry_official, unit=world.ministry, role=Membership.Role.HANDLER
    )
    assert code_for(ministry_official, process, Action.REPORT) == "Y"
    assert code_for(world.other_handler, process, Action.REPORT) == "O"


def test_require_act_raises_with_the_reason(world, personas, seoul):
    from nara.core.errors import NotAllowed

    process = make_process(world.roads, current=PhaseKind.VOTING, region=seoul)
    policies.require_act(personas["resident"], process, Action.VOTE)
    with pytest.raises(NotAllowed) as refused, translation.override("en"):
        policies.require_act(personas["other_region"], process, Action.VOTE)
    with translation.override("en"):
        assert str(refused.value.message) == REASONS["R"]


def test_the_request_user_brings_its_posting_block_and_region(world, seoul, client):
    """The request's user is read with its posting block and region (UserBackend): the policy
    answers from them without more queries, and a block made before the request counts."""
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    made = make_process(world.roads, current=PhaseKind.VOTING, region=seoul)
    process = type(made).objects.prefetch_related("phases").get(pk=made.pk)
    district = Region.objects.filter(parent=seoul).first()
    world.citizen.region = district
    world.citizen.save(update_fields=["region"])
    client.force_login(world.citizen)
    request = RequestFactory().get("/")
    request.session = client.session
    user = get_user(request)
    assert type(user).__name__ == "User" and "posting_block" in user._state.fields_cache
    with CaptureQueriesContext(connection) as queries:
        assert policies.refusal(user, process, Action.VOTE) is None
    assert len(queries) == 0
    PostingBlock.objects.create(user=world.citizen, reason="광고")
    blocked = get_user(request)
    assert policies.refusal(blocked, process, Action.VOTE) is not None
