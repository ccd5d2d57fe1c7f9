"""The state machine of a disclosure request: which action is allowed from which status, and
where it leads. Checked by nara.core.transitions.transition in every service."""

from enum import StrEnum

from nara.core.transitions import TransitionTable

from .models import Status


class Action(StrEnum):
    TRANSFER = "transfer"
    EXTEND = "extend"
    NOTIFY_THIRD_PARTY = "notify_third_party"
    RECORD_OPINION = "record_opinion"
    SUBMIT_DECISION = "submit_decision"
    APPROVE_DECISION = "approve_decision"
    RETURN_DECISION = "return_decision"
    DEEM_REFUSED = "deem_refused"
    RELEASE = "release"  # the requester downloads a released file
    WITHDRAW = "withdraw"
    OBJECT = "object"
    EXTEND_OBJECTION = "extend_objection"
    SUBMIT_OBJECTION_DECISION = "submit_objection_decision"
    APPROVE_OBJECTION_DECISION = "approve_objection_decision"
    RETURN_OBJECTION_DECISION = "return_objection_decision"


S = Status
SAME = None
UNDECIDED = frozenset({S.RECEIVED, S.PENDING_APPROVAL})
HANDLING = frozenset({S.RECEIVED, S.OBJECTED})  # third parties may be heard

TRANSITIONS = {
    Action.TRANSFER: ({S.RECEIVED}, S.RECEIVED),
    Action.EXTEND: ({S.RECEIVED}, SAME),
    Action.NOTIFY_THIRD_PARTY: (HANDLING, SAME),
    Action.RECORD_OPINION: (HANDLING | {S.PENDING_APPROVAL, S.OBJECTION_PENDING}, SAME),
    Action.SUBMIT_DECISION: ({S.RECEIVED}, S.PENDING_APPROVAL),
    Action.APPROVE_DECISION: ({S.PENDING_APPROVAL}, S.DECIDED),
    Action.RETURN_DECISION: ({S.PENDING_APPROVAL}, S.RECEIVED),
    Action.DEEM_REFUSED: (UNDECIDED, SAME),
    Action.RELEASE: ({S.DECIDED, S.OBJECTED, S.OBJECTION_PENDING, S.CLOSED}, SAME),
    Action.WITHDRAW: (UNDECIDED, S.WITHDRAWN),
    Action.OBJECT: (UNDECIDED | {S.DECIDED}, S.OBJECTED),
    Action.EXTEND_OBJECTION: ({S.OBJECTED}, SAME),
    Action.SUBMIT_OBJECTION_DECISION: ({S.OBJECTED}, S.OBJECTION_PENDING),
    Action.APPROVE_OBJECTION_DECISION: ({S.OBJECTION_PENDING}, S.CLOSED),
    Action.RETURN_OBJECTION_DECISION: ({S.OBJECTION_PENDING}, S.OBJECTED),
}

TABLE = TransitionTable(TRANSITIONS)
