"""Which kind of writer is changing things right now ("import", "grid", "api"...), for records that name their
source (the price history, docs/pricing.md#price-history) without every service passing it down.

An entry point wraps its work in `with change_source("import"):`; a service deeper down reads
`current_change_source()`. Nothing is decided on it: it only labels what is recorded.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_source: contextvars.ContextVar[str] = contextvars.ContextVar("change_source", default="")


@contextmanager
def change_source(name: str) -> Iterator[None]:
    """Label the writes made inside the block with `name`; an inner block's label wins."""
    token = _source.set(name)
    try:
        yield
    finally:
        _source.reset(token)


def current_change_source(default: str = "manual") -> str:
    """The label of the innermost `change_source` block, else `default`."""
    return _source.get() or default
