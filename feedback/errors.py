from enum import StrEnum


class FeedbackErrorCode(StrEnum):
    INVALID_LINK = "invalid_link"
    LINK_EXPIRED = "link_expired"
    ALREADY_ANSWERED = "already_answered"
    INVALID_SCORE = "invalid_score"
    COMMENT_TOO_LONG = "comment_too_long"
    NOT_A_SUPERVISOR = "not_a_supervisor"
    INVALID_REVIEW = "invalid_review"
    INVALID_SCORECARD = "invalid_scorecard"
    INVALID_CAMPAIGN = "invalid_campaign"


class FeedbackError(Exception):
    """A rule of surveys or reviews was broken. `field` names the input at fault, if one is."""

    def __init__(self, code: FeedbackErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
