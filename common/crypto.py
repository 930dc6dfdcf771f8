"""Fernet encryption at rest with the credentials key (settings.CREDENTIALS_KEY), shared by every app that stores
secrets: channel credentials, feed passwords, secret runtime settings (docs/configuration.md).

CREDENTIALS_KEY may list several comma-separated keys: the first encrypts, all decrypt, which lets an operator
rotate the key (add the new key in front, re-save, drop the old key).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from common.errors import ApplicationError


def fernet() -> MultiFernet:
    keys = [k.strip() for k in str(settings.CREDENTIALS_KEY).split(",") if k.strip()]
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "CREDENTIALS_KEY must be one or more comma-separated Fernet keys (32 url-safe base64-encoded bytes); "
            "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None


def text_encrypt(plain: str) -> str:
    """Ciphertext of `plain`; an empty text stays empty."""
    return fernet().encrypt(plain.encode()).decode() if plain else ""


def text_decrypt(token: str, *, what: str = "A stored secret") -> str:
    """The plain text of `token`; ApplicationError (naming `what`) when the current keys cannot read it."""
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ApplicationError(
            f"{what} cannot be decrypted with the current CREDENTIALS_KEY; restore the old key or enter it again."
        ) from None
