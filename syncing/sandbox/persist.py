"""Keeping the sandbox's marketplaces across restarts (docs/sandbox.md#state-file).

`make run` starts the sandbox with a state file: what the demo shop published and sold is still there after
a restart, so our listings and the marketplaces agree. The state is the sandbox object itself, pickled with its
locks left out (a fresh lock is made on load); the file is ours, written by this process on loopback.
"""

import io
import logging
import os
import pickle
import threading
from pathlib import Path
from typing import Any

from .core import Sandbox

logger = logging.getLogger(__name__)

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _LOCK_TYPES):  # the same lock object is memoised: one new lock where one was shared
            return (threading.RLock if "RLock" in type(obj).__name__ else threading.Lock), ()
        return NotImplemented


def sandbox_save(sandbox: Sandbox, path: Path) -> int:
    """Write the sandbox's state to `path` atomically (a temporary file renamed over it); the bytes written."""
    buffer = io.BytesIO()
    with sandbox.lock:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(sandbox)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(buffer.getvalue())
    os.replace(temporary, path)
    return len(buffer.getvalue())


def sandbox_load(path: Path) -> Sandbox | None:
    """The sandbox saved at `path`, or None when there is none or it cannot be read (a new sandbox then)."""
    if not path.exists():
        return None
    try:
        sandbox = pickle.loads(path.read_bytes())  # noqa: S301 - our own file, written by sandbox_save
    except Exception:  # noqa: BLE001 - an unreadable state (another version's) means starting afresh
        logger.warning("sandbox state %s could not be read; starting with a new sandbox", path, exc_info=True)
        return None
    if not isinstance(sandbox, Sandbox):
        logger.warning("sandbox state %s holds no sandbox; starting with a new sandbox", path)
        return None
    return sandbox
