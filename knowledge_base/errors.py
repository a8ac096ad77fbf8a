from enum import StrEnum


class KnowledgeBaseErrorCode(StrEnum):
    EMPTY_QUESTION = "empty_question"
    INVALID_ARTICLE = "invalid_article"
    SLUG_TAKEN = "slug_taken"
    NOT_PUBLIC = "not_public"
    ALREADY_VOTED = "already_voted"
    COMMENT_TOO_LONG = "comment_too_long"


class KnowledgeBaseError(Exception):
    """A rule of the knowledge base was broken. `field` names the input at fault, if one is."""

    def __init__(
        self, code: KnowledgeBaseErrorCode, message: str, *, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
