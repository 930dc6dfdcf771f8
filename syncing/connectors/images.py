"""Downloading our product images for marketplaces that want the file itself (TikTok, Etsy uploads)."""

from .base import Rejected, RetryableError
from .http import HttpClient


def fetch_image(http: HttpClient, url: str) -> tuple[str, bytes, str]:
    """(file name, bytes, content type) of one image URL; 5xx is retryable, any other failure rejects the image."""
    resp = http.request("GET", url)
    if resp.status_code >= 500:
        raise RetryableError(f"{http.marketplace}: image {url} answered HTTP {resp.status_code}.")
    if resp.status_code != 200 or not resp.content:
        raise Rejected(
            f"Image {url} could not be downloaded (HTTP {resp.status_code}).", field_errors={"images": [url]}
        )
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "image.jpg"
    content_type = resp.headers.get("content-type", "image/jpeg").split(";", 1)[0]
    return name, resp.content, content_type
