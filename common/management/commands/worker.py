"""`manage.py worker`: django-q2's cluster with a bounded, graceful stop (docs/sync.md, restarting workers)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Start the django-q2 cluster. SIGTERM or Ctrl-C: take no new task, let running ones finish for up to "
        "Q_STOP_SECONDS, hand the rest back to the queue and exit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.SECRET_KEY  # noqa: B018 - as qcluster: fail early without a signing key
        from common.cluster import GracefulCluster

        cluster = GracefulCluster()
        cluster.start()
        cluster.wait()
