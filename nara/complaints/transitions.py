"""The complaint state machine: which action is allowed from which status, and where it leads.
Every service checks this table before it changes anything."""

from enum import StrEnum

from nara.core.transitions import TransitionTable

from .models import OPEN_STATUSES, Status


class Action(StrEnum):
    ROUTE = "route"  # an operator routes a complaint out of the triage queue
    CLAIM = "claim"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    EXTEND = "extend"
    REQUEST_INFO = "request_info"
    REPLY_INFO = "reply_info"
    ADD_NOTE = "add_note"
    SAVE_DRAFT = "save_draft"
    SUBMIT_ANSWER = "submit_answer"
    APPROVE = "approve"
    RETURN = "return"
    WITHDRAW = "withdraw"
    RATE = "rate"


S = Status
SAME = None  # the action leaves the status as it is

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.ROUTE: (frozenset({S.TRIAGE}), S.RECEIVED),
    Action.CLAIM: (frozenset({S.RECEIVED}), S.IN_PROGRESS),
    Action.ASSIGN: (frozenset({S.RECEIVED, S.IN_PROGRESS}), S.IN_PROGRESS),
    Action.TRANSFER: (frozenset({S.RECEIVED, S.IN_PROGRESS}), S.RECEIVED),
    Action.EXTEND: (frozenset({S.RECEIVED, S.IN_PROGRESS, S.WAITING_CITIZEN}), SAME),
    Action.REQUEST_INFO: (frozenset({S.RECEIVED, S.IN_PROGRESS}), S.WAITING_CITIZEN),
    Action.REPLY_INFO: (frozenset({S.WAITING_CITIZEN}), S.IN_PROGRESS),
    Action.ADD_NOTE: (frozenset(OPEN_STATUSES), SAME),
    Action.SAVE_DRAFT: (frozenset({S.RECEIVED, S.IN_PROGRESS}), SAME),
    Action.SUBMIT_ANSWER: (frozenset({S.RECEIVED, S.IN_PROGRESS}), S.PENDING_APPROVAL),
    Action.APPROVE: (frozenset({S.PENDING_APPROVAL}), S.ANSWERED),
    Action.RETURN: (frozenset({S.PENDING_APPROVAL}), S.IN_PROGRESS),
    Action.WITHDRAW: (frozenset(OPEN_STATUSES), S.WITHDRAWN),
    Action.RATE: (frozenset({S.ANSWERED}), S.CLOSED),
}


TABLE = TransitionTable(TRANSITIONS)  # checked by nara.core.transitions.transition()
allowed_from = TABLE.allowed_from
can_transition = TABLE.allows
next_status = TABLE.next_status
