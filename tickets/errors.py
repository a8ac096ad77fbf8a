from enum import StrEnum


class TicketErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    TICKET_CLOSED = "ticket_closed"
    NOT_AN_AGENT = "not_an_agent"
    AGENT_NOT_IN_QUEUE = "agent_not_in_queue"
    INACTIVE_QUEUE = "inactive_queue"
    INVALID_REASON = "invalid_reason"
    EMPTY_MESSAGE = "empty_message"
    MESSAGE_TOO_LONG = "message_too_long"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE = "attachment_type"
    INVALID_TAG = "invalid_tag"
    # The user may not do this here (a macro or queue outside what they may use); API: 403.
    NOT_ALLOWED = "not_allowed"
    # Agent workspace: merge, links, the stale-reply check.
    MERGE_INVALID = "merge_invalid"
    MERGE_OTHER_CUSTOMER = "merge_other_customer"
    MERGE_FORBIDDEN = "merge_forbidden"
    LINK_INVALID = "link_invalid"
    STALE_REPLY = "stale_reply"
    INVALID_ACTIVITY = "invalid_activity"


# Codes that mean "the ticket is not in a state for this", rendered as 409 by the API.
CONFLICT_CODES = frozenset(
    {
        TicketErrorCode.INVALID_TRANSITION,
        TicketErrorCode.TICKET_CLOSED,
        TicketErrorCode.MERGE_OTHER_CUSTOMER,
        TicketErrorCode.STALE_REPLY,
    }
)


class TicketError(Exception):
    """A rule of ticket handling was broken. `field` names the input at fault, if one is."""

    def __init__(self, code: TicketErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
