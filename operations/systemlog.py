"""The database log handler: records at or above SYSTEM_LOG_LEVEL become `SystemLog` rows (docs/operations.md).

The handler only copies what it needs from a record in the logging thread (message, request id, user, job,
stack trace) and puts it on a bounded queue; one listener thread per process writes the rows. That thread has its
own Django connection (connections are per thread) in autocommit, so:

- a record logged inside a transaction that later rolls back is still stored;
- a slow or locked database never blocks the code that logs (a full queue drops records and counts them);
- records the writer thread itself causes (its queries, a failed insert) are never queued again: no recursion.

The listener starts on the first record of a process (after a fork too: gunicorn and django-q2 workers each get
their own) and is stopped at exit, after writing what is queued.
"""

import atexit
import contextvars
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import QueueHandler, QueueListener
from typing import Any

from django.conf import settings
from django.utils.functional import empty

from common.logging import record_extras, redact, request_id_var

QUEUE_SIZE = 10_000  # records waiting for the writer; beyond this a flood is dropped rather than kept in memory
MAX_MESSAGE_CHARS = 20_000
MAX_TRACE_CHARS = 50_000
_SKIPPED_EXTRAS = {"request", "lm_row"}

current_job_var: contextvars.ContextVar[str] = contextvars.ContextVar("current_job", default="")
_handlers: list["DatabaseLogHandler"] = []


@contextmanager
def job_logging(public_id: str) -> Iterator[None]:
    """Tag every record logged inside the block with the job's public id (`job-5`, `sync-12`)."""
    token = current_job_var.set(public_id)
    try:
        yield
    finally:
        current_job_var.reset(token)


def _request_user(request: Any) -> tuple[int | None, str, str]:
    """(user id, username, session key) of a request, without a query: only a user already loaded counts."""
    if request is None:
        return None, "", ""
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    session = getattr(getattr(request, "session", None), "session_key", None) or ""
    if wrapped is empty or wrapped is None or not getattr(wrapped, "is_authenticated", False):
        return None, "", session
    return wrapped.pk, wrapped.get_username(), session


def _current_request() -> Any:
    # The audit context holds the request being served (accounts.middleware.AuditActorMiddleware).
    from django.apps import apps

    if not apps.ready:  # a record logged while Django starts
        return None
    from accounts.audit.context import current_actor

    return current_actor().request


def record_row(record: logging.LogRecord) -> dict[str, Any]:
    """The SystemLog fields of one record, taken in the thread that logged it (context variables live there)."""
    request = getattr(record, "request", None) or _current_request()
    user_id, username, session = _request_user(request)
    trace = ""
    if record.exc_info:
        trace = logging.Formatter().formatException(record.exc_info)
    if record.stack_info:
        trace = f"{trace}\n{record.stack_info}".strip()
    request_id = getattr(record, "request_id", None) or request_id_var.get()
    extras = {k: v for k, v in record_extras(record).items() if k not in _SKIPPED_EXTRAS}
    return {
        "created_at": record.created,
        "level": record.levelno,
        "message": redact(record.getMessage())[:MAX_MESSAGE_CHARS],
        "logger": record.name[:200],
        "module": (record.module or "")[:200],
        "function": (record.funcName or "")[:200],
        "line": record.lineno or 0,
        "user_id": user_id,
        "username": username[:150],
        "job": current_job_var.get()[:40],
        "session": session[:40],
        "request_id": "" if request_id == "-" else request_id[:64],
        "extra": extras,
        "stack_trace": redact(trace)[:MAX_TRACE_CHARS],
    }


class _DatabaseWriter(logging.Handler):
    """Runs in the listener thread: one INSERT per record on that thread's own connection."""

    def emit(self, record: logging.LogRecord) -> None:
        from datetime import UTC, datetime

        from django.db import connections

        from operations.models import SystemLog

        row = dict(record.lm_row)  # type: ignore[attr-defined]
        row["created_at"] = datetime.fromtimestamp(row["created_at"], tz=UTC)
        try:
            SystemLog.objects.create(**row)
        except Exception as exc:  # noqa: BLE001 - the database may be down or not migrated: say so on stderr only
            connections["default"].close()  # a broken connection is replaced on the next record
            sys.stderr.write(f"system log: could not store a record ({type(exc).__name__}: {exc})\n")


class _Listener(QueueListener):
    """A QueueListener whose thread closes its database connection when it stops."""

    ident: int | None = None

    def _monitor(self) -> None:
        from django.db import connections

        self.ident = threading.get_ident()
        try:
            super()._monitor()  # type: ignore[misc]
        finally:
            connections.close_all()


class DatabaseLogHandler(QueueHandler):
    """logging handler (LOGGING["handlers"]["database"]) that queues records for the SystemLog writer thread."""

    def __init__(self, level: int | str = logging.WARNING) -> None:
        super().__init__(queue.Queue(QUEUE_SIZE))
        self.setLevel(level)
        self.dropped = 0
        self._listener: _Listener | None = None
        self._pid = 0
        _handlers.append(self)

    def _ensure_listener(self) -> None:
        """Start this process's writer thread. Called from emit(), which logging already serialises with the
        handler's lock (re-initialised after a fork, unlike a lock of our own, which a fork could leave held)."""
        if self._listener is not None and self._pid == os.getpid():
            return
        if self._pid != os.getpid():  # a forked child: the parent's queue and thread are not ours
            self.queue = queue.Queue(QUEUE_SIZE)
        self._pid = os.getpid()
        self._listener = _Listener(self.queue, _DatabaseWriter())
        self._listener.start()

    def emit(self, record: logging.LogRecord) -> None:
        if not getattr(settings, "SYSTEM_LOG_ENABLED", True):
            return
        listener = self._listener
        if listener is not None and record.thread == listener.ident:
            return  # caused by the writer itself (its queries, its errors): never queued again
        try:
            self._ensure_listener()
            self.enqueue(self.prepare(record))
        except queue.Full:
            self.dropped += 1
        except Exception:  # noqa: BLE001 - logging must never break the caller
            self.handleError(record)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return logging.makeLogRecord({"lm_row": record_row(record), "levelno": record.levelno})

    def flush_queue(self, timeout: float = 10.0) -> bool:
        """Wait until every queued record is written (tests, shutdown); False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks:  # type: ignore[attr-defined]
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self) -> None:
        """Write what is queued, then stop the thread (and close its connection).

        The listener stays in place until its thread has ended: a record the writer itself logs while it drains
        the queue (a slow-query warning about its own INSERT) must be recognised as its own and dropped. Cleared
        first, that record started a second writer thread on the same queue, which took the stop sentinel and
        left this one waiting forever: the process hung at exit (seen in CI as a hung `manage.py import_products`).
        A record another thread logs meanwhile lands behind the sentinel and is not written.
        """
        listener = self._listener
        if listener is not None and self._pid == os.getpid():
            listener.stop()
        self._listener = None

    def close(self) -> None:
        self.stop()
        super().close()


def system_log_handlers() -> list[DatabaseLogHandler]:
    return list(_handlers)


def system_log_flush(timeout: float = 10.0) -> bool:
    """Write every record queued so far in this process (tests call it before they look at SystemLog)."""
    return all(handler.flush_queue(timeout) for handler in _handlers)


def system_log_stop() -> None:
    for handler in _handlers:
        handler.stop()


atexit.register(system_log_stop)
