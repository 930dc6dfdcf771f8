"""django-q2 entry points of the competitors app: each re-fetches what it needs and calls one service."""

import logging

logger = logging.getLogger(__name__)


def competitors_observe_task(channel_id: int | None = None) -> dict[str, int]:
    """The schedule `competitors.observe`: every active competitor (of one channel when given)."""
    from channels.models import Channel

    from .services import competitors_observe

    channel = None
    if channel_id is not None:
        channel = Channel.objects.filter(pk=channel_id).first()
        if channel is None:
            logger.info("competitors_observe_task: channel %s is gone", channel_id)
            return {"observed": 0, "failed": 0, "alerts": 0}
    summary = competitors_observe(channel=channel)
    return {"observed": summary.observed, "failed": summary.failed, "alerts": summary.alerts}
