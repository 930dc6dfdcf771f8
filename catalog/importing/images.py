"""Fetch the `image_urls` of an import in the background and add them with the catalog's image checks."""

import logging
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError

from common.actors import Actor
from common.netguard import HostRefused, host_check

from ..models import ImportBatch, ImportRow, Product
from ..services import image_add

logger = logging.getLogger(__name__)
FETCH_TIMEOUT = (5, 30)  # seconds: connect, read


class FetchError(Exception):
    pass


def _check_host(url: str) -> None:
    """Refuse addresses inside our own network (SSRF) unless the setting allows them (tests, intranets)."""
    try:
        host_check(url, allow_private=settings.IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS)
    except HostRefused as exc:
        raise FetchError(str(exc)) from exc


def image_fetch(url: str) -> bytes:
    """Download at most IMAGE_MAX_BYTES from `url` (no redirects to other hosts are followed)."""
    _check_host(url)
    limit = settings.IMAGE_MAX_BYTES
    try:
        with requests.get(url, timeout=FETCH_TIMEOUT, stream=True, allow_redirects=False) as response:
            if response.status_code != 200:
                raise FetchError(_status_reason(response.status_code))
            data = bytearray()
            for block in response.iter_content(64 * 1024):
                data += block
                if len(data) > limit:
                    raise FetchError(f"the image is larger than {limit // 1024 // 1024} MB")
            return bytes(data)
    except requests.Timeout as exc:
        raise FetchError("the server did not answer in time; check the address or host the image elsewhere") from exc
    except requests.RequestException as exc:
        raise FetchError(f"download failed ({exc.__class__.__name__}); check the address opens in a browser") from exc


def _status_reason(code: int) -> str:
    """What a seller can do about an HTTP answer other than 200."""
    if 300 <= code < 400:
        return f"the address redirects (HTTP {code}); put the image's final address in the file"
    if code in (401, 403):
        return f"the server refused access (HTTP {code}); make the image public or host it elsewhere"
    if code in (404, 410):
        return f"no image at this address (HTTP {code}); check the URL"
    return f"the server answered HTTP {code}; try again later or host the image elsewhere"


def import_image_errors(*, batch: ImportBatch, limit: int | None = None) -> list[dict[str, Any]]:
    """The image URLs of `batch` that could not be added, one entry per URL, by row: the batch page's and the
    error workbook's list (docs/imports.md#what-an-operator-sees)."""
    rows = batch.rows.filter(kind=ImportRow.Kind.IMAGES).exclude(errors=[]).order_by("row_number")
    found: list[dict[str, Any]] = []
    for row in rows.only("row_number", "sku", "errors").iterator():
        for error in row.errors:
            if limit is not None and len(found) >= limit:
                return found
            found.append({"sheet": batch.sheet_name, "row": row.row_number, "sku": row.sku, **error})
    return found


def import_images_fetch(*, batch: ImportBatch, user: Actor = None) -> dict[str, int]:
    """Fetch each pending image row once; failures are kept on the row (`errors`) and counted."""
    added = failed = 0
    for row in batch.rows.filter(kind=ImportRow.Kind.IMAGES, after={}).order_by("row_number").iterator():
        product = Product.objects.filter(pk=row.object_id or 0).first()
        errors: list[dict[str, Any]] = []
        if product is None:
            errors.append({"column": "image_urls", "value": None, "message": "The product was deleted."})
        for url in row.values:
            if product is None:
                break
            try:
                image_add(product=product, upload=image_fetch(url), filename=url.rsplit("/", 1)[-1][:200], user=user)
                added += 1
            except (FetchError, ValidationError) as exc:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                errors.append({"column": "image_urls", "value": url, "message": message})
                failed += 1
        row.errors, row.after = errors, {"done": True}
        row.save(update_fields=["errors", "after"])
    logger.info("import %s: %s image(s) added, %s failed", batch.pk, added, failed)
    return {"added": added, "failed": failed}
