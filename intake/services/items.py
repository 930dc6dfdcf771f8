"""Create an intake item from its photos and hints; write its pipeline log."""

import io
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from accounts.roles import can_edit, channel_access_check
from catalog.imaging import inspect_image
from channels.models import Channel
from common.actors import Actor as User
from common.actors import actor_or_none as _actor
from common.errors import ApplicationError

from ..choices import IntakeStatus, ItemCondition
from ..models import IntakeItem, IntakePhoto
from .control import intake_start
from .log import intake_log

MAX_PHOTOS = 20
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def _read(upload: Any) -> bytes:
    if isinstance(upload, bytes):
        return upload
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read()  # type: ignore[no-any-return]


def _checked_photos(uploads: Sequence[Any]) -> list[tuple[str, bytes, Any]]:
    """(name, bytes, facts) of every upload, or one ApplicationError naming each bad photo; nothing is stored."""
    if not uploads:
        raise ApplicationError("Add at least one photo of the item.", extra={"field": "photos"})
    if len(uploads) > MAX_PHOTOS:
        raise ApplicationError(
            f"{len(uploads)} photos were sent; an item takes at most {MAX_PHOTOS}.", extra={"field": "photos"}
        )
    checked: list[tuple[str, bytes, Any]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, upload in enumerate(uploads, start=1):
        name = getattr(upload, "name", "") or f"photo {number}"
        data = _read(upload)
        try:
            facts = inspect_image(data, max_bytes=settings.IMAGE_MAX_BYTES, max_pixels=settings.IMAGE_MAX_PIXELS)
        except ValidationError as exc:
            problems.append(f"Photo {number} ({name}): {' '.join(exc.messages)}")
            continue
        if facts.sha256 in seen:
            problems.append(f"Photo {number} ({name}) is the same file as photo {seen[facts.sha256]}.")
            continue
        seen[facts.sha256] = number
        checked.append((name, data, facts))
    if problems:
        raise ApplicationError(" ".join(problems), extra={"field": "photos", "errors": problems})
    return checked


@transaction.atomic
def intake_item_create(
    *,
    owner: User,
    photos: Sequence[Any],
    hint_name: str = "",
    hint_model: str = "",
    hint_condition: str = "",
    hint_channels: Sequence[Channel] = (),
    start: bool = True,
) -> IntakeItem:
    """Store a new item with its 1-20 photos and hints, then start its phases (unless `start` is False).

    Every photo is checked before anything is written: one bad photo refuses the whole upload with a message per
    photo, so nothing is half-written.
    """
    if not can_edit(owner, "intake"):
        raise ApplicationError("Your role does not allow photo intake.", extra={"code": "permission_denied"})
    if hint_condition and hint_condition not in ItemCondition.values:
        raise ApplicationError(
            f"Unknown condition '{hint_condition}'; use one of {', '.join(ItemCondition.values)}.",
            extra={"field": "hint_condition"},
        )
    channel_access_check(owner, hint_channels)
    checked = _checked_photos(photos)
    item = IntakeItem(
        owner=owner,
        status=IntakeStatus.UPLOADED,
        hint_name=hint_name.strip()[:255],
        hint_model=hint_model.strip()[:120],
        hint_condition=hint_condition,
        created_by=_actor(owner),
        updated_by=_actor(owner),
    )
    item.full_clean()
    item.save()
    item.hint_channels.set(hint_channels)
    for position, (name, data, facts) in enumerate(checked):
        photo = IntakePhoto(
            item=item,
            original_filename=name[:255],
            sha256=facts.sha256,
            content_type=CONTENT_TYPES[facts.format],
            width=facts.width,
            height=facts.height,
            file_size=facts.size_bytes,
            position=position,
        )
        photo.image.save(f"{facts.sha256}.{facts.extension}", ContentFile(data), save=False)
        photo.full_clean()
        photo.save()
    intake_log(
        item=item,
        message=f"Uploaded {len(checked)} photo(s).",
        details={
            "photos": [name for name, _, _ in checked],
            "hint_name": item.hint_name,
            "hint_model": item.hint_model,
        },
        action="upload",
        user=owner,
    )
    if start:
        item = intake_start(item=item, user=owner)
    return item


def photo_bytes(photo: IntakePhoto) -> bytes:
    with photo.image.open("rb") as handle:
        return handle.read()  # type: ignore[no-any-return]


def photo_image(photo: IntakePhoto) -> Image.Image:
    """The photo decoded by Pillow."""
    img = Image.open(io.BytesIO(photo_bytes(photo)))
    img.load()
    return img
