"""Sync history and the shared state the sync workers coordinate through."""

from django.db import models


class RateBucket(models.Model):
    """One token bucket (GCRA form) shared by every worker: the request budget of one channel and operation.

    `tat` is the theoretical arrival time (epoch seconds) of the next request at the steady rate; a request may
    go at `tat - burst / rate`. Workers update the row inside one locked transaction (`SELECT ... FOR UPDATE`;
    on SQLite the IMMEDIATE transaction mode serialises writers), so two processes never spend the same token.
    """

    key = models.CharField(max_length=120, unique=True)
    tat = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key
