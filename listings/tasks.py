"""django-q2 entry points of listings: ids in, one service call."""

import logging
from datetime import datetime

from catalog.models import Category
from channels.models import Channel

logger = logging.getLogger(__name__)


def listings_readiness_refresh_task(channel_id: int | None, requested_at: str, category_id: int | None = None) -> None:
    """Refresh the readiness verdicts of a channel's listings (all listings when `channel_id` is None), only of
    products in the category's subtree when `category_id` is given."""
    if channel_id is not None and not Channel.objects.filter(pk=channel_id).exists():
        logger.info("readiness refresh: channel %s is gone; nothing to do", channel_id)
        return

    path = None
    if category_id is not None:
        path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
        if path is None:
            logger.info("readiness refresh: category %s is gone; nothing to do", category_id)
            return
    from listings.services import listings_readiness_refresh

    checked = listings_readiness_refresh(
        channel_ids=None if channel_id is None else [channel_id],
        category_path=path,
        checked_before=datetime.fromisoformat(requested_at),
    )
    logger.info("readiness refresh of channel %s: %s listing(s) checked", channel_id or "all", checked)


def listings_readiness_check_new_task(channel_id: int) -> None:
    """Give a verdict to the channel's listings that have none yet (after a large bulk assignment)."""
    from listings.services import listings_readiness_refresh

    checked = listings_readiness_refresh(channel_ids=[channel_id], unchecked_only=True)
    logger.info("readiness check of new listings on channel %s: %s listing(s) checked", channel_id, checked)


def changeset_undo_task(changeset_id: int, user_id: int | None) -> None:
    """Undo a large changeset in the background (progress on the changeset; docs/catalog.md#versions)."""
    from django.contrib.auth import get_user_model

    from listings.models import Changeset
    from listings.services import changeset_undo

    changeset = Changeset.objects.filter(pk=changeset_id).first()
    if changeset is None or changeset.status != "undoing":
        logger.info("changeset undo: #%s is gone or not waiting; nothing to do", changeset_id)
        return
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    report = changeset_undo(changeset=changeset, user=user, run_now=True)
    logger.info("changeset #%s undone: %s restored, %s conflicts", changeset_id, report.restored, len(report.conflicts))
