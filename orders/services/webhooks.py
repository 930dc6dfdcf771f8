"""Order webhooks: verify a marketplace's signed push with the channel's secret, then read the order in a task
(docs/orders.md#webhooks).

One endpoint per channel, `/webhooks/<channel id>/<marketplace>/`. The signature is checked by the connector's
pure `verify_webhook` with a secret from the channel's encrypted credentials; a missing or bad signature raises
`WebhookRefused` (401, nothing written), a body that is not the marketplace's JSON too (400). A verified push only
starts (or joins) the channel's incremental order pull, whose task reads the order
with the marketplace's own calls and ingests it idempotently, so a webhook and a poll of the same order, twice or
out of order, never duplicate it or move stock twice. Amazon has no HTTP push (its notifications go to SQS or
EventBridge): its orders are polled only.
"""

import logging
from collections.abc import Callable, Mapping
from typing import Any

import requests
from django.db import transaction

from channels.models import Channel
from common.errors import ApplicationError
from orders.choices import PullTrigger
from orders.models import OrderPull, OrderPullState
from syncing.connectors.etsy.orders import verify_webhook as etsy_verify
from syncing.connectors.lazada.orders import verify_webhook as lazada_verify
from syncing.connectors.orders import WebhookEvent, WebhookRejected
from syncing.connectors.shopee.orders import verify_webhook as shopee_verify
from syncing.connectors.shopify.orders import verify_webhook as shopify_verify
from syncing.connectors.tiktok.orders import verify_webhook as tiktok_verify

from .pull import channel_orders_pull

logger = logging.getLogger(__name__)

# The key of a signing secret made by the webhook subscription (Etsy's `whsec_…`), kept encrypted on the channel's
# OrderPullState; for the other marketplaces the app's own secret (channel credentials) signs, and this one, when
# set, takes precedence.
WEBHOOK_SECRET_KEY = "webhook_secret"
POLLED_ONLY = {"amazon": "Amazon does not push orders over HTTP (its notifications go to SQS or EventBridge); "
               "its orders are pulled every few minutes."}  # fmt: skip


class WebhookRefused(ApplicationError):
    """A webhook that is not accepted: `status` 401 (signature) or 400 (body), with the reason code."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _secret(credentials: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = str(credentials.get(name) or "")
        if value:
            return value
    raise WebhookRejected("No webhook secret is stored for this channel.", code="missing_secret")


Verifier = Callable[[bytes, Mapping[str, str], Mapping[str, Any], str], WebhookEvent]

VERIFIERS: dict[str, Verifier] = {
    "shopify": lambda body, headers, c, url: shopify_verify(
        body, headers, _secret(c, WEBHOOK_SECRET_KEY, "client_secret")
    ),
    "lazada": lambda body, headers, c, url: lazada_verify(
        body, headers, str(c.get("app_key") or ""), _secret(c, WEBHOOK_SECRET_KEY, "app_secret")
    ),
    "shopee": lambda body, headers, c, url: shopee_verify(
        body, headers, url, _secret(c, WEBHOOK_SECRET_KEY, "partner_key")
    ),
    "tiktok": lambda body, headers, c, url: tiktok_verify(
        body, headers, str(c.get("app_key") or ""), _secret(c, WEBHOOK_SECRET_KEY, "app_secret")
    ),
    "etsy": lambda body, headers, c, url: etsy_verify(body, headers, _secret(c, WEBHOOK_SECRET_KEY)),
}


def order_webhook_verify(*, channel: Channel, raw_body: bytes, headers: Mapping[str, str], url: str) -> WebhookEvent:
    """The verified event, or WebhookRefused (401 signature, 400 body). `url` is the endpoint's URL as called
    (Shopee signs it). Never logs a secret or a signature."""
    verify = VERIFIERS.get(channel.marketplace)
    if verify is None:
        raise WebhookRefused(f"{channel.get_marketplace_display()} has no order webhooks.", status=404, code="none")
    try:
        state = OrderPullState.objects.filter(channel=channel).first()
        secrets = {**channel.get_credentials(), **(state.webhook_secrets() if state else {})}
        return verify(raw_body, headers, secrets, url)
    except WebhookRejected as exc:
        status = 400 if exc.code == "malformed_body" else 401
        logger.warning(
            "Order webhook refused (%s) for channel %s (%s): %s", status, channel.pk, channel.marketplace, exc.code
        )
        raise WebhookRefused(exc.message, status=status, code=exc.code) from None


def order_webhook_accept(*, channel: Channel, event: WebhookEvent) -> OrderPull | None:
    """A verified webhook: start or join the channel's incremental order pull, whose task reads and ingests the
    announced order (only the run and its queue row are written here, so the answer is immediate; one queue hop
    instead of two keeps the order-to-other-marketplaces time short). A paused channel's order waits for the pull
    after it is reconnected."""
    if not channel.is_active:
        logger.info("Order webhook for paused channel %s left to the next pull.", channel.pk)
        return None
    return channel_orders_pull(channel=channel, trigger=PullTrigger.WEBHOOK)


def sandbox_webhooks_point(*, channel: Channel, url: str) -> str:
    """Point the sandbox shop of `channel` at our webhook endpoint `url` (the sandbox's `/_control/webhooks`), and
    keep the signing secret it answers (encrypted) when the marketplace makes one per subscription (Etsy).

    For demo channels and tests only: a real marketplace is subscribed in its own console."""
    if channel.marketplace in POLLED_ONLY:
        raise ApplicationError(POLLED_ONLY[channel.marketplace])
    root = channel.base_url.rstrip("/").removesuffix(f"/{channel.marketplace}")
    try:
        answer = requests.post(
            f"{root}/_control/webhooks",
            json={"marketplace": channel.marketplace, "shop_id": channel.shop_id, "url": url},
            timeout=10,
        )
    except requests.RequestException as exc:
        raise ApplicationError(f"The sandbox at {root} did not answer: {type(exc).__name__}.") from None
    if answer.status_code != 200:
        raise ApplicationError(f"The sandbox refused the webhook address ({answer.status_code}): {answer.text[:200]}")
    secret = str(answer.json().get("secret") or "")
    if channel.marketplace == "etsy" and secret:
        webhook_secret_store(channel=channel, secret=secret)
    return url


@transaction.atomic
def webhook_secret_store(*, channel: Channel, secret: str) -> None:
    """Keep the signing secret a webhook subscription gave (encrypted); an empty one removes it."""
    state, _ = OrderPullState.objects.select_for_update().get_or_create(channel=channel)
    state.set_webhook_secrets({WEBHOOK_SECRET_KEY: secret.strip()})
    state.save(update_fields=["webhook_secrets_encrypted", "updated_at"])
