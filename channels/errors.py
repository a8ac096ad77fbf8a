from enum import StrEnum


class ChannelErrorCode(StrEnum):
    NO_CHANNEL = "no_channel"
    SEND_FAILED = "send_failed"
    INVALID_INPUT = "invalid_input"
    BAD_SIGNATURE = "bad_signature"


class ChannelError(Exception):
    def __init__(self, code: ChannelErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
