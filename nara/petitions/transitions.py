"""The petition state machine: which action is allowed from which status, and where it leads.
Services check it through nara.core.transitions.transition()."""

from enum import StrEnum

from nara.core.transitions import TransitionTable

from .models import Status

S = Status


class Action(StrEnum):
    SUPPORT = "support"
    EXPIRE = "expire"
    WITHDRAW = "withdraw"
    OPEN = "open"
    REJECT = "reject"
    REFER = "refer"
    REQUIRE_ANSWER = "require_answer"
    CLOSE = "close"
    EXTEND = "extend"
    ANSWER = "answer"  # draft, submit, return: the answer moves, the petition stays
    PUBLISH = "publish"


# action -> (statuses it may start from, status it leads to; None: unchanged)
TRANSITIONS = {
    Action.SUPPORT: ({S.GATHERING}, None),
    Action.EXPIRE: ({S.GATHERING}, S.EXPIRED),
    Action.WITHDRAW: ({S.GATHERING, S.REVIEW}, S.WITHDRAWN),
    Action.OPEN: ({S.REVIEW}, S.OPEN),
    Action.REJECT: ({S.GATHERING, S.REVIEW, S.OPEN}, S.REJECTED),
    Action.REFER: ({S.OPEN}, S.REFERRED),
    Action.REQUIRE_ANSWER: ({S.OPEN, S.REFERRED}, S.AWAITING_ANSWER),
    Action.CLOSE: ({S.OPEN}, S.CLOSED),
    Action.EXTEND: ({S.AWAITING_ANSWER}, None),
    Action.ANSWER: ({S.REFERRED, S.AWAITING_ANSWER, S.CLOSED}, None),
    Action.PUBLISH: ({S.REFERRED, S.AWAITING_ANSWER, S.CLOSED}, S.ANSWERED),
}


TABLE = TransitionTable(TRANSITIONS)
can_transition = TABLE.allows
