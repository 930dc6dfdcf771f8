"""Turn a connector failure into the engine's decision: retry later, give up on the data, or pause the channel."""

from dataclasses import dataclass, replace

from syncing.choices import SyncErrorKind
from syncing.connectors.base import AuthExpired, ConnectorError, RateLimited, Rejected, RetryableError

# 408 Request Timeout, 409 Conflict and 429 Too Many Requests are the 4xx a retry can cure.
RETRYABLE_4XX = frozenset({408, 409, 429})


@dataclass(frozen=True)
class Failure:
    kind: str  # a SyncErrorKind value
    message: str
    code: str = ""
    http_status: int | None = None
    request_id: str = ""
    retry_after: float | None = None
    field_errors: dict[str, list[str]] | None = None

    @property
    def retryable(self) -> bool:
        return self.kind in (SyncErrorKind.THROTTLED, SyncErrorKind.RETRYABLE, SyncErrorKind.INTERNAL)


def failure_classify(exc: BaseException) -> Failure:
    """Classify any exception raised around a marketplace call."""
    if not isinstance(exc, ConnectorError):
        return Failure(kind=SyncErrorKind.INTERNAL, message=f"{type(exc).__name__}: {exc}"[:2000])
    base = Failure(
        kind=SyncErrorKind.RETRYABLE,
        message=exc.message or str(exc),
        code=exc.code,
        http_status=exc.http_status,
        request_id=exc.request_id,
    )
    if isinstance(exc, RateLimited) or exc.http_status == 429:
        return replace(base, kind=SyncErrorKind.THROTTLED, retry_after=getattr(exc, "retry_after", None))
    if isinstance(exc, AuthExpired):
        return replace(base, kind=SyncErrorKind.AUTH)
    if isinstance(exc, Rejected):
        return replace(base, kind=SyncErrorKind.REJECTED, field_errors=exc.field_errors)
    if isinstance(exc, RetryableError):
        return replace(base, retry_after=exc.retry_after)
    # A plain ConnectorError is one the connector did not call temporary: only a status that a retry can cure
    # (408/409/429, 5xx) makes it retryable; anything else (4xx, or a marketplace error code in a 200 body)
    # is terminal, never hammered (docs/sync.md#background, the naver case).
    status = exc.http_status
    if status is not None and (status in RETRYABLE_4XX or status >= 500):
        return base
    return replace(base, kind=SyncErrorKind.REJECTED)


def failure_text(failure: Failure) -> str:
    """The marketplace's message with its field errors, as shown on the listing."""
    text = failure.message
    if failure.field_errors:
        details = "; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in sorted(failure.field_errors.items()))
        text = f"{text} ({details})"
    return text
