"""Sandbox core: request/response objects, the marketplace module base class, faults, throttling and the log.

Extension API (stable; see docs/sandbox.md#adding-a-marketplace-module):

* Write `syncing/sandbox/marketplaces/<code>.py` defining one subclass of `MarketplaceModule` and assign it to
  a module-level name `MODULE`. It is discovered automatically; its URL prefix is `/<code>`.
* Implement `reset()` (clear your state: call `super().reset()`), `add_account(shop_id, credentials, **options)`,
  `handle(req) -> Response`, `server_error(req, status) -> Response`, `items() -> list[dict]` and
  `edit_item(item_id, changes) -> dict`.
* Keep tokens in a `TokenStore(self)` (issue/valid/expire with sandbox-time lifetimes).
* Use the helpers: `self.now()` (sandbox time for lifetimes), `self.wall()` (real time for timestamp windows),
  `self.throttle(shop_id, cost=1.0) -> float` (seconds to wait, 0.0 when allowed), `self.review_due(item)`,
  `self.start_review(item)`, `self.new_request_id()`, `self.lock` (hold it while touching your state),
  `json_response(...)`.
* Mark a response `created=True` when the request created an object, so the "response lost after create"
  fault can drop the connection after the object exists.

The sandbox never imports `syncing.connectors`: it implements the documented rules independently.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs

from .clock import Clock

# Query/body keys redacted in the request log (the log is readable by anyone who can reach the sandbox).
REDACTED_KEYS = frozenset(
    {"access_token", "refresh_token", "sign", "client_secret", "code", "app_secret", "partner_key", "hmac"}
)
LOG_LIMIT = 5000  # entries kept; older ones are dropped


@dataclass
class Request:
    """One HTTP request as seen by a marketplace module (`path` is relative to the module's prefix)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""
    log: dict[str, Any] = field(default_factory=dict)  # modules may add e.g. {"shop_id": ..., "op": ...}

    def arg(self, name: str, default: str = "") -> str:
        """First value of a query parameter (or of a form field for form-encoded POSTs)."""
        values = self.query.get(name) or self.form().get(name)
        return values[0] if values else default

    def args(self) -> dict[str, str]:
        """Query + form parameters, first value of each."""
        merged = {k: v[0] for k, v in self.form().items() if v}
        merged.update({k: v[0] for k, v in self.query.items() if v})
        return merged

    def header(self, name: str, default: str = "") -> str:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    def form(self) -> dict[str, list[str]]:
        if "application/x-www-form-urlencoded" not in self.header("Content-Type"):
            return {}
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def json(self) -> Any:
        """Parsed JSON body; raises ValueError on a malformed body."""
        if not self.body:
            return {}
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    created: bool = False  # set when the request created an object ("response lost after create" fault)


def json_response(
    status: int, payload: Any, headers: Mapping[str, str] | None = None, created: bool = False
) -> Response:
    out = {"Content-Type": "application/json; charset=utf-8"}
    out.update(headers or {})
    return Response(status, json.dumps(payload).encode("utf-8"), out, created)


# --- Faults ---


@dataclass
class Faults:
    """Fault injection for one marketplace. `times` limits how many matching requests are hit (None: all)."""

    error_rate: float = 0.0  # fraction of requests answered with a marketplace-shaped 5xx (status_5xx or 500)
    latency_ms: int = 0  # sleep before answering (a value above the client timeout simulates a timeout)
    status_5xx: int = 0  # answer every matching request with this 5xx status
    drop_connection: bool = False  # close the socket without an answer
    lose_response_after_create: bool = False  # process a create, then close the socket without an answer
    malformed_json: bool = False  # answer 200 with a truncated JSON body
    path_contains: str = ""  # only requests whose path contains this text
    times: int | None = None  # remaining requests to affect (creates only, for lose_response alone); None = all

    FIELDS: ClassVar[tuple[str, ...]] = (
        "error_rate",
        "latency_ms",
        "status_5xx",
        "drop_connection",
        "lose_response_after_create",
        "malformed_json",
        "path_contains",
        "times",
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Faults:
        unknown = set(data) - set(cls.FIELDS) - {"marketplace"}
        if unknown:
            raise ValueError(f"Unknown fault option(s): {', '.join(sorted(unknown))}; known: {', '.join(cls.FIELDS)}.")
        faults = cls(**{k: v for k, v in data.items() if k in cls.FIELDS})
        if not 0.0 <= float(faults.error_rate) <= 1.0:
            raise ValueError("error_rate must be between 0 and 1.")
        if faults.status_5xx and not 500 <= int(faults.status_5xx) <= 599:
            raise ValueError("status_5xx must be a 5xx status code.")
        return faults

    def active(self) -> bool:
        return self.times is None or self.times > 0

    def only_lose_response(self) -> bool:
        """True when the only fault is "response lost after create" (it then counts creates only)."""
        return self.lose_response_after_create and not (
            self.error_rate or self.latency_ms or self.status_5xx or self.drop_connection or self.malformed_json
        )


# --- Throttling ---


class TokenBucket:
    """Classic token bucket: `rate` tokens per second, at most `burst` stored. Time comes from a callable."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = float(burst)
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now

    def take(self, now: float, cost: float = 1.0) -> float:
        """Take `cost` tokens; return 0.0 when allowed, else the seconds until enough tokens exist."""
        self._refill(now)
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        if self.rate <= 0:
            return 3600.0
        return (cost - self.tokens) / self.rate

    def available(self, now: float) -> float:
        self._refill(now)
        return self.tokens


@dataclass
class RateSetting:
    rate: float
    burst: float


# --- Tokens ---


@dataclass
class Token:
    value: str
    kind: str  # "access" or "refresh" (modules may add others, e.g. "code")
    shop_id: str
    expires_at: float | None  # sandbox time; None = never expires
    used: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class TokenStore:
    """Issued tokens of one marketplace, with expiry in sandbox time. Not locked: callers hold module.lock."""

    def __init__(self, module: MarketplaceModule) -> None:
        self.module = module
        self._tokens: dict[tuple[str, str], Token] = {}

    def issue(self, kind: str, shop_id: str, ttl: float | None, value: str | None = None, **extra: Any) -> Token:
        value = value or f"{kind[:3]}-{uuid.uuid4().hex}"
        expires_at = None if ttl is None else self.module.now() + ttl
        token = self._tokens[(kind, value)] = Token(value, kind, shop_id, expires_at, extra=dict(extra))
        return token

    def get(self, kind: str, value: str) -> Token | None:
        """The token whatever its state (None when never issued)."""
        return self._tokens.get((kind, value))

    def valid(self, kind: str, value: str) -> Token | None:
        """The token when issued, unused and not expired; else None."""
        token = self._tokens.get((kind, value))
        if token is None or token.used or self.expired(token):
            return None
        return token

    def expired(self, token: Token) -> bool:
        return token.expires_at is not None and self.module.now() >= token.expires_at

    def expire(self, shop_id: str, kind: str) -> None:
        """Expire every token of `kind` ("access", "refresh" or "both") held by a shop."""
        for token in self._tokens.values():
            if token.shop_id == shop_id and kind in (token.kind, "both"):
                token.expires_at = self.module.now() - 1

    def clear(self) -> None:
        self._tokens.clear()


# --- Marketplace modules ---


class MarketplaceModule:
    """One simulated marketplace. Subclasses live in `syncing/sandbox/marketplaces/<code>.py` as `MODULE`."""

    code: ClassVar[str]
    default_rate: ClassVar[RateSetting] = RateSetting(rate=50.0, burst=50.0)  # per shop; tests lower it

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.lock = sandbox.lock
        self.reset()

    # --- to implement ---

    def reset(self) -> None:
        """Forget every item, account and token. Subclasses call super().reset() then clear their own state."""
        self.review_delay = 0.0  # sandbox seconds an item stays in review; 0 = live at once
        self.review_outcome = "approve"  # or "reject"
        self.review_reasons: list[str] = []  # the marketplace's reasons when a review rejects
        from .orders import OrderBook  # orders.py imports this module's names lazily

        self.order_book = OrderBook(self)  # buyer orders (docs/sandbox.md#orders)

    def add_account(self, shop_id: str, credentials: Mapping[str, str], **options: Any) -> dict[str, str]:
        """Register an app/shop with these credentials; return the credentials a connector should use."""
        raise NotImplementedError

    def handle(self, req: Request) -> Response:
        raise NotImplementedError

    def server_error(self, req: Request, status: int) -> Response:
        """The marketplace's own body for an internal error (used by fault injection)."""
        return json_response(status, {"error": "internal error", "request_id": self.new_request_id()})

    def items(self) -> list[dict[str, Any]]:
        """Snapshot of the stored items (for tests and GET /_control/items)."""
        return []

    def edit_item(self, item_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change an item as if the seller edited it on the marketplace (drift). Return the item."""
        raise NotImplementedError

    def expire_tokens(self, shop_id: str, which: str = "access") -> None:
        """Expire the access (or "refresh", or "both") token of one shop at once."""
        raise NotImplementedError

    def set_competitor(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Set a competing seller's price, shipping, stock or an item's rank (docs/sandbox.md#competitors)."""
        raise ValueError(f"{self.code} has no competing sellers in the sandbox.")

    def set_reports(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Seed report data (traffic, missing days, search terms) and report processing (docs/sandbox.md)."""
        raise ValueError(f"{self.code} has no Reports API in the sandbox.")

    def operation_rate(self, key: str) -> RateSetting | None:
        """A documented per-operation rate for the bucket `key` (None: the module's default_rate)."""
        return None

    def set_remote_state(self, item_id: str, state: str, reasons: list[str]) -> dict[str, Any]:
        """The marketplace acts on an item by itself: `state` is one of REMOTE_STATES (see Sandbox).

        Each module writes it in its own vendor shape (status values, reasons, issues) and bumps the item's
        update time; a state the marketplace does not have raises ValueError naming the ones it has.
        """
        raise NotImplementedError(f"{self.code}: the sandbox cannot change an item's state on this marketplace.")

    # --- helpers ---

    def now(self) -> float:
        return self.sandbox.clock.now()

    def wall(self) -> float:
        return self.sandbox.clock.wall()

    def new_request_id(self) -> str:
        return uuid.uuid4().hex

    def throttle(self, shop_id: str, cost: float = 1.0) -> float:
        """Charge one call (or `cost` points) to the shop's bucket; return the wait in seconds (0.0 = allowed)."""
        return self.sandbox.throttle(self.code, shop_id, cost)

    def bucket_state(self, shop_id: str) -> tuple[float, RateSetting]:
        """(currently available, setting) of the shop's bucket, for marketplaces that report it."""
        return self.sandbox.bucket_state(self.code, shop_id)

    def start_review(self, item: dict[str, Any]) -> bool:
        """Put an item into review when a review delay is configured; return True when it is now in review."""
        if self.review_delay <= 0:
            return False
        item["_review_until"] = self.now() + self.review_delay
        return True

    def review_due(self, item: dict[str, Any]) -> str | None:
        """When an item's review has finished, clear it and return "approve" or "reject"; else None."""
        until = item.get("_review_until")
        if until is None or self.now() < until:
            return None
        del item["_review_until"]
        item["_reviewed_at"] = until  # modules use it as the item's update time
        return self.review_outcome

    def rejection_reasons(self) -> list[str]:
        return list(self.review_reasons) or ["The item does not meet the marketplace's listing policy."]


# --- The sandbox ---


class Sandbox:
    """All shared state of one sandbox instance: modules, clock, faults, throttles, request log."""

    def __init__(self, modules: Iterable[type[MarketplaceModule]], *, clock: Clock | None = None, seed: int = 0):
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self._random = random.Random(seed)
        self.seed = seed  # also seeds the competing sellers' moves (competition.py)
        self._faults: dict[str, Faults] = {}
        self._rates: dict[tuple[str, str], RateSetting] = {}  # (code, shop or "*") -> setting
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._log: list[dict[str, Any]] = []
        self._seq = 0
        self._demo_accounts: dict[str, dict[str, dict[str, Any]]] = {}  # code -> shop id -> account
        self.modules: dict[str, MarketplaceModule] = {}
        for cls in modules:
            self.modules[cls.code] = cls(self)

    def module(self, code: str) -> MarketplaceModule:
        try:
            return self.modules[code]
        except KeyError:
            raise ValueError(f"Unknown marketplace '{code}'; known: {', '.join(sorted(self.modules))}.") from None

    # --- accounts ---

    def load_accounts(self, accounts: Mapping[str, Mapping[str, Any]]) -> None:
        """Register demo accounts ({code: {"shop_id", "credentials", "options"?}}); kept for reset(). Called again
        with another shop of a marketplace, it adds that shop beside the first."""
        for code, account in accounts.items():
            if code not in self.modules:
                continue
            self._demo_accounts.setdefault(code, {})[str(account["shop_id"])] = dict(account)
            self._add_demo(code)

    def _add_demo(self, code: str) -> None:
        for account in self._demo_accounts[code].values():
            self.modules[code].add_account(
                str(account["shop_id"]), dict(account["credentials"]), **dict(account.get("options") or {})
            )

    def add_account(self, code: str, shop_id: str, credentials: Mapping[str, str], **options: Any) -> dict[str, str]:
        with self.lock:
            return self.module(code).add_account(shop_id, credentials, **options)

    # --- reset ---

    def reset(self, code: str | None = None) -> None:
        """Back to the start-up state: demo accounts only, no items, no faults, default rates, empty log."""
        with self.lock:
            codes = [code] if code else list(self.modules)
            for one in codes:
                self.module(one).reset()
                self._faults.pop(one, None)
                for key in [k for k in self._rates if k[0] == one]:
                    del self._rates[key]
                for key in [k for k in self._buckets if k[0] == one]:
                    del self._buckets[key]
                if one in self._demo_accounts:
                    self._add_demo(one)
            if code is None:
                self._log.clear()
                self.clock.reset()
            else:
                self._log = [e for e in self._log if e["marketplace"] != code]

    # --- faults ---

    def set_faults(self, code: str, **options: Any) -> Faults:
        faults = Faults.from_dict(options)
        with self.lock:
            self.module(code)
            self._faults[code] = faults
        return faults

    def clear_faults(self, code: str | None = None) -> None:
        with self.lock:
            if code is None:
                self._faults.clear()
            else:
                self._faults.pop(code, None)

    def take_fault(self, code: str, path: str) -> Faults | None:
        """The faults applying to this request (consuming one of `times`), or None."""
        with self.lock:
            faults = self._faults.get(code)
            if faults is None or not faults.active() or faults.path_contains not in path:
                return None
            if faults.times is not None:
                faults.times -= 1
            return faults

    def refund_fault(self, code: str) -> None:
        """Give back one of `times` (a lose-response fault met a request that created nothing)."""
        with self.lock:
            faults = self._faults.get(code)
            if faults is not None and faults.times is not None:
                faults.times += 1

    def roll(self, rate: float) -> bool:
        with self.lock:
            return self._random.random() < rate

    # --- throttling ---

    def set_rate(self, code: str, rate: float, burst: float | None = None, shop_id: str = "*") -> None:
        """Set the per-shop rate (requests or cost points per second) of a marketplace, or of one shop."""
        if rate < 0 or (burst is not None and burst <= 0):
            raise ValueError("rate must be >= 0 and burst > 0.")
        with self.lock:
            self.module(code)
            self._rates[(code, shop_id)] = RateSetting(float(rate), float(burst if burst is not None else max(rate, 1)))
            for key in [k for k in self._buckets if k[0] == code and (shop_id == "*" or k[1] == shop_id)]:
                del self._buckets[key]

    def _setting(self, code: str, shop_id: str) -> RateSetting:
        return (
            self._rates.get((code, shop_id))
            or self._rates.get((code, "*"))
            or self.modules[code].operation_rate(shop_id)
            or self.modules[code].default_rate
        )

    def _bucket(self, code: str, shop_id: str) -> TokenBucket:
        key = (code, shop_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            setting = self._setting(code, shop_id)
            bucket = self._buckets[key] = TokenBucket(setting.rate, setting.burst, self.clock.wall())
        return bucket

    def throttle(self, code: str, shop_id: str, cost: float = 1.0) -> float:
        # Throttling runs on wall time: it is about real request rates, not token lifetimes.
        with self.lock:
            return self._bucket(code, shop_id).take(self.clock.wall(), cost)

    def bucket_state(self, code: str, shop_id: str) -> tuple[float, RateSetting]:
        with self.lock:
            bucket = self._bucket(code, shop_id)
            return bucket.available(self.clock.wall()), RateSetting(bucket.rate, bucket.burst)

    # --- review ---

    def set_review(
        self, code: str, delay_seconds: float, outcome: str = "approve", reasons: Iterable[str] = ()
    ) -> None:
        if outcome not in ("approve", "reject"):
            raise ValueError("outcome must be 'approve' or 'reject'.")
        if delay_seconds < 0:
            raise ValueError("delay_seconds must be >= 0.")
        with self.lock:
            module = self.module(code)
            module.review_delay = float(delay_seconds)
            module.review_outcome = outcome
            module.review_reasons = [str(r) for r in reasons]

    # --- the marketplace acting on its own (docs/sandbox.md#control-api) ---

    REMOTE_STATES = ("live", "inactive", "suppressed", "rejected", "deleted")

    def set_remote_state(self, code: str, item_id: str, state: str, reasons: Iterable[str] = ()) -> dict[str, Any]:
        """Suppress (with issues), deactivate, delete, reject or reinstate an item as the marketplace would."""
        if state not in self.REMOTE_STATES:
            raise ValueError(f"state must be one of {', '.join(self.REMOTE_STATES)}.")
        with self.lock:
            return self.module(code).set_remote_state(str(item_id), state, [str(r) for r in reasons])

    def set_competitor(self, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """A competing seller changes price, shipping or stock, or an item's sales rank changes."""
        with self.lock:
            return self.module(code).set_competitor(data)

    def set_reports(self, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Seed what the marketplace's reports will contain (docs/sandbox.md#amazon-reports)."""
        with self.lock:
            return self.module(code).set_reports(data)

    # --- drift, tokens, items ---

    def edit_item(self, code: str, item_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            return self.module(code).edit_item(str(item_id), changes)

    def expire_tokens(self, code: str, shop_id: str, which: str = "access") -> None:
        if which not in ("access", "refresh", "both"):
            raise ValueError("which must be 'access', 'refresh' or 'both'.")
        with self.lock:
            self.module(code).expire_tokens(str(shop_id), which)

    def items(self, code: str) -> list[dict[str, Any]]:
        with self.lock:
            return [{k: v for k, v in item.items() if not k.startswith("_")} for item in self.module(code).items()]

    # --- log ---

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._log.append(entry)
            if len(self._log) > LOG_LIMIT:
                del self._log[: len(self._log) - LOG_LIMIT]

    def log(self, code: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(e) for e in self._log if code is None or e["marketplace"] == code]


def redact_query(query: Mapping[str, list[str]]) -> dict[str, str]:
    return {k: ("***" if k in REDACTED_KEYS else (v[0] if len(v) == 1 else ",".join(v))) for k, v in query.items()}


def redact_body(body: bytes) -> str:
    """Body text for the log with token-like JSON/form values masked; at most 2000 characters."""
    text = body[:2000].decode("utf-8", "replace")
    try:
        data = json.loads(body)
    except ValueError:
        if "=" in text and "{" not in text:
            pairs = parse_qs(text, keep_blank_values=True)
            return json.dumps(redact_query(pairs))[:2000]
        return text
    return json.dumps(_redact(data))[:2000]


def _redact(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: ("***" if k in REDACTED_KEYS else _redact(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_redact(v) for v in data]
    return data
