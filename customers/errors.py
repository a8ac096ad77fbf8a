from enum import StrEnum


class CustomerErrorCode(StrEnum):
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    IDENTITY_TAKEN = "identity_taken"
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"
    NO_CONTACT = "no_contact"
    MERGE_SELF = "merge_self"
    ALREADY_MERGED = "already_merged"
    NO_PENDING_CLAIM = "no_pending_claim"


class CustomerError(Exception):
    """A rule of the customers app was broken. `field` names the input at fault, if one is."""

    def __init__(self, code: CustomerErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
