"""Log plumbing: request id on every record, JSON lines in production, and secrets redacted from messages."""

import contextvars
import json
import logging
import re
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Key=value pairs and auth headers whose values must never reach a log line.
_SECRET_PATTERNS = [
    re.compile(r"(?i)\b(authorization\s*[:=]\s*)(token|bearer|basic)\s+[^\s,;'\"]+"),
    re.compile(r"(?i)\b((?:token|bearer)\s+)[A-Za-z0-9_\-\.]{16,}"),
    re.compile(
        r"(?i)((?:password|passwd|secret|api_?key|access_?token|refresh_?token|client_secret|app_secret)"
        r"['\"]?\s*[:=]\s*['\"]?)[^\s,;'\"&}]+"
    ),
]
REDACTED = "[redacted]"
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


def redact(text: str) -> str:
    """Mask credentials in free text (used for log messages)."""
    for pattern in _SECRET_PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(lambda m: m.group(1) + m.group(2) + " " + REDACTED, text)
        else:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def record_extras(record: logging.LogRecord) -> dict[str, str | int | float | bool | None]:
    """The `extra=` fields of a record (not the standard LogRecord attributes), as JSON-safe values."""
    return {
        key: value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        for key, value in vars(record).items()
        if key not in _STANDARD_ATTRS and not key.startswith("_")
    }


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in record_extras(record).items():
            payload.setdefault(key, value)
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)
