"""Encryption at rest for channel credentials (Fernet, key from settings.CREDENTIALS_KEY).

CREDENTIALS_KEY may list several comma-separated keys: the first encrypts, all decrypt, which lets an operator
rotate the key (add the new key in front, re-save channels, drop the old key).
"""

import json

from cryptography.fernet import InvalidToken

from common.crypto import fernet as _fernet
from common.errors import ApplicationError

MASK = "••••"
MASK_VISIBLE_CHARS = 4  # last characters left visible so operators can tell two tokens apart
MASK_MIN_LENGTH = 12  # shorter secrets are masked completely: four characters of eight is too much


def credentials_encrypt(values: dict[str, str]) -> str:
    """Ciphertext (text) of a credentials dict; an empty dict encrypts to an empty string."""
    if not values:
        return ""
    plain = json.dumps(values, sort_keys=True, separators=(",", ":")).encode()
    return _fernet().encrypt(plain).decode()


def credentials_decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        plain = _fernet().decrypt(token.encode())
    except InvalidToken:
        raise ApplicationError(
            "Stored channel credentials cannot be decrypted with the current CREDENTIALS_KEY; "
            "restore the old key or enter the credentials again."
        ) from None
    data = json.loads(plain)
    return {str(k): str(v) for k, v in data.items()}


def mask_secret(value: str) -> str:
    """'••••abcd' for a long value, '••••' for a short one; never the whole value."""
    if len(value) >= MASK_MIN_LENGTH:
        return MASK + value[-MASK_VISIBLE_CHARS:]
    return MASK
