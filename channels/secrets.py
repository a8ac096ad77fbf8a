"""Which keys of a channel's settings are secrets, and how they are shown: never.

A secret (a webhook's signing secret, an OA secret key, a PBX or relay token, an IMAP password, a
platform access token) is write-only: the admin shows "set" or "not set" and an input to replace
or clear it, the API leaves it out, and a display of the settings masks it. A key is a secret if
it is listed here or if its name says so (secret, token, password, key), so a new credential
added to the adapters is masked before anyone remembers to list it."""

import re
from typing import Any

SECRET_KEYS: tuple[str, ...] = (
    "token",  # relay / PBX bearer token (hook_views.machine_auth_error)
    "secret",  # relay / PBX HMAC secret
    "verify_token",  # Facebook subscription handshake
    "app_secret",  # Facebook signature
    "oa_secret_key",  # Zalo OA signature
    "access_token",  # Zalo send API
    "page_access_token",  # Messenger send API
    "imap_password",  # mailbox fetch
)

_SECRET_NAME = re.compile(r"(secret|token|passw|pwd|(^|_)key$|api_?key|credential)", re.I)

MASK = "********"


def is_secret_key(key: str) -> bool:
    return key in SECRET_KEYS or bool(_SECRET_NAME.search(str(key)))


def public_config(config: Any) -> dict[str, Any]:
    """The settings without any secret (for forms that edit the rest)."""
    if not isinstance(config, dict):
        return {}
    return {k: v for k, v in config.items() if not is_secret_key(k)}


def masked_config(config: Any) -> dict[str, Any]:
    """The settings with every secret value replaced by a mask (for displays)."""
    if not isinstance(config, dict):
        return {}
    return {k: (MASK if is_secret_key(k) and v else v) for k, v in config.items()}


def secret_keys_in(config: Any) -> list[str]:
    """Every secret key a channel's settings may hold: the known ones, then any other whose name
    says it is one."""
    extra = [k for k in (config or {}) if is_secret_key(k) and k not in SECRET_KEYS]
    return [*SECRET_KEYS, *sorted(extra)]
