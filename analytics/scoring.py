"""The listing score: a versioned set of explainable rules (docs/analytics.md#listing-score). No database here.

`listing_score(facts, weights)` turns the facts of one listing (`ScoreFacts`, gathered in bulk by
analytics.services.scores) into five sub-scores, each the share of points its rules gave out of the points they
could give, and a total weighted by the runtime setting `scoring.weights`. Every rule hit says what it observed,
what it expected, how many of its points it gave and how to fix it. Compliance is the readiness verdict: any
blocking issue makes it 0 and caps the total (a gate, not one more average).
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from accounts.runtime_settings import runtime_setting
from common.errors import ApplicationError

# Bump on any change to a rule, a weight inside a sub-score or a threshold: stored scores keep the version used.
SCORING_VERSION = "2026.12-1"

WEIGHTS_SETTING = "scoring.weights"
SUB_SCORES = ("seo", "content", "images", "competitive", "compliance")
# sub-score name -> ListingScore column
SCORE_COLUMNS = {
    "seo": "seo_score",
    "content": "content_score",
    "images": "image_score",
    "competitive": "competitive_score",
    "compliance": "compliance_score",
}
GATE_TOTAL_CAP = Decimal("40")  # a listing with a blocking readiness issue scores at most this in total

# Title length bands (recommended min, recommended max) per marketplace; the hard limit is the channel's
# title_max_length. Amazon asks for concise titles (docs/marketplaces/amazon.md#listing-limits); the others are
# our starting points, within their limits.
TITLE_BANDS: Mapping[str, tuple[int, int]] = {
    "amazon": (50, 80),
    "etsy": (40, 100),
    "shopee": (40, 100),
    "lazada": (40, 120),
    "tiktok": (40, 120),
    "shopify": (30, 70),
}
DEFAULT_TITLE_BAND = (40, 100)
BULLETS_EXPECTED = 5
BULLET_LENGTH_BAND = (40, 250)
DESCRIPTION_GOOD_LENGTH = 300
IMAGES_RECOMMENDED = 6
MAIN_IMAGE_ZOOM_PX = 1000
PRICE_NEAR = Decimal("0.05")  # within 5 % above the buy box / lowest competitor gets half the points
RATING_FULL = Decimal("4.5")
RATING_ZERO = Decimal("3.0")
WARNING_PENALTY = 10  # compliance points taken per readiness warning
WARNING_FLOOR = 50

WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "for",
        "with",
        "in",
        "on",
        "to",
        "by",
        "at",
        "from",
        "as",
        "is",
        "are",
        "this",
        "that",
        "your",
        "our",
        "you",
        "it",
        "its",
        "new",
    ]
)


class ScoringWeightsError(ApplicationError):
    """The `scoring.weights` setting cannot be used."""


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    white_background: bool | None  # None: not checked


@dataclass(frozen=True)
class ScoreFacts:
    """Everything the rules read about one listing, already resolved (effective values, channel rules)."""

    marketplace: str  # connector code
    marketplace_label: str
    title: str
    title_max_length: int
    bullets: tuple[str, ...]
    description: str
    search_terms: str
    keywords: tuple[str, ...]
    images: tuple[ImageFacts, ...]  # main image first
    min_images: int
    max_images: int
    main_image_min_px: int
    white_background_required: bool
    price: Decimal | None
    buy_box_price: Decimal | None = None
    lowest_competitor_price: Decimal | None = None
    rating: Decimal | None = None
    review_count: int | None = None
    readiness_issues: tuple[Mapping[str, Any], ...] = ()
    readiness_checked: bool = True


@dataclass(frozen=True)
class Hit:
    """One rule's verdict: `points` of its `weight` given; `applicable` False when the data cannot tell."""

    rule: str
    weight: int
    points: float
    observed: Any
    expected: str
    fix: str = ""
    evidence: str = ""
    field: str = ""  # the listing field the fix concerns (pages link it to where it is edited)
    applicable: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "weight": self.weight,
            "points": round(self.points, 2),
            "observed": _jsonable(self.observed),
            "expected": self.expected,
            "fix": self.fix,
            "evidence": self.evidence,
            "field": self.field,
            "applicable": self.applicable,
        }


@dataclass(frozen=True)
class SubScore:
    name: str
    score: Decimal | None
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class ScoreResult:
    total: Decimal
    sub_scores: dict[str, SubScore]
    gate: dict[str, Any]
    weights: dict[str, float]
    version: str = SCORING_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def column_values(self) -> dict[str, Decimal | None]:
        values: dict[str, Decimal | None] = {"total_score": self.total}
        for name, column in SCORE_COLUMNS.items():
            values[column] = self.sub_scores[name].score
        return values

    def breakdown(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: {"score": _jsonable(sub.score), "hits": [hit.as_dict() for hit in sub.hits]}
            for name, sub in self.sub_scores.items()
        }
        data["gate"] = self.gate
        data["weights"] = self.weights
        return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def _two(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Weights ---


def weights_validate(value: Any) -> dict[str, float]:
    """The five weights as floats, or ScoringWeightsError naming the setting and what is wrong."""
    prefix = f"Setting '{WEIGHTS_SETTING}'"
    if not isinstance(value, Mapping):
        raise ScoringWeightsError(f"{prefix} must be an object of the five weights {', '.join(SUB_SCORES)}.")
    keys = set(value)
    missing, unknown = set(SUB_SCORES) - keys, keys - set(SUB_SCORES)
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(sorted(missing))}")
        if unknown:
            parts.append(f"unknown {', '.join(sorted(map(str, unknown)))}")
        raise ScoringWeightsError(f"{prefix}: {'; '.join(parts)} (expected exactly {', '.join(SUB_SCORES)}).")
    weights: dict[str, float] = {}
    for name in SUB_SCORES:
        raw = value[name]
        if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
            raise ScoringWeightsError(f"{prefix}: '{name}' must be a number between 0 and 1, not {raw!r}.")
        number = float(raw)
        if not 0 <= number <= 1:
            raise ScoringWeightsError(f"{prefix}: '{name}' is {number}; each weight must be between 0 and 1.")
        weights[name] = number
    total = sum(weights.values())
    if abs(total - 1) > 1e-6:
        raise ScoringWeightsError(f"{prefix}: the weights sum to {total:g}; they must sum to 1.")
    return weights


def scoring_weights() -> dict[str, float]:
    """The current weights, validated."""
    return weights_validate(runtime_setting(WEIGHTS_SETTING))


# --- Helpers ---


def words(text: str) -> list[str]:
    return WORD.findall(text.lower()) if text else []


def keywords_from(texts: Iterable[str], limit: int = 5) -> tuple[str, ...]:
    """Distinct meaningful words of `texts`, in order (the stand-in for tracked primary keywords)."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            if len(word) > 2 and word not in STOP_WORDS and not word.isdigit():
                seen.setdefault(word, None)
    return tuple(seen)[:limit]


def _share(found: int, total: int) -> float:
    return found / total if total else 0.0


# --- SEO ---


def rule_title_length(f: ScoreFacts) -> Hit:
    weight, length, limit = 30, len(f.title.strip()), f.title_max_length
    low, high = TITLE_BANDS.get(f.marketplace, DEFAULT_TITLE_BAND)
    high = min(high, limit)
    expected = f"{low}–{high} characters ({f.marketplace_label} allows {limit})"
    if length == 0:
        return Hit("title_length", weight, 0, 0, expected, "Write a title.", "The title is empty.", "title")
    if length > limit:
        return Hit(
            "title_length",
            weight,
            0,
            length,
            expected,
            f"Shorten the title by {length - limit} characters.",
            f"{length} characters is over the limit of {limit}.",
            "title",
        )
    if length < low:
        return Hit(
            "title_length",
            weight,
            weight * length / low,
            length,
            expected,
            f"Add about {low - length} characters: product type, brand, key attribute.",
            f"{length} characters, below the recommended {low}.",
            "title",
        )
    if length > high:
        return Hit(
            "title_length",
            weight,
            weight / 2,
            length,
            expected,
            f"Cut the title to about {high} characters; move details to the bullets.",
            f"{length} characters, above the recommended {high}.",
            "title",
        )
    return Hit("title_length", weight, weight, length, expected, evidence=f"{length} characters.", field="title")


def _keywords_hit(rule: str, weight: int, keywords: tuple[str, ...], text: str, where: str, field_name: str) -> Hit:
    if not keywords:
        return Hit(rule, weight, 0, [], "primary keywords known", evidence="No primary keywords.", applicable=False)
    present = set(words(text))
    found = [k for k in keywords if all(w in present for w in words(k))]
    missing = [k for k in keywords if k not in found]
    return Hit(
        rule,
        weight,
        weight * _share(len(found), len(keywords)),
        found,
        f"all of {', '.join(keywords)} in the {where}",
        f"Use {', '.join(missing)} in the {where}." if missing else "",
        f"{len(found)} of {len(keywords)} primary keywords in the {where}.",
        field_name,
    )


def rule_keywords_in_title(f: ScoreFacts) -> Hit:
    return _keywords_hit("keywords_in_title", 35, f.keywords, f.title, "title", "title")


def rule_keywords_in_bullets(f: ScoreFacts) -> Hit:
    text = " ".join((*f.bullets, f.description))
    return _keywords_hit("keywords_in_bullets", 20, f.keywords, text, "bullets or description", "bullet_points")


def rule_search_terms(f: ScoreFacts) -> Hit:
    weight = 15
    if f.marketplace != "amazon":
        return Hit("search_terms", weight, 0, None, "Amazon only", applicable=False, field="search_terms")
    size = len(f.search_terms.encode())
    if not f.search_terms.strip():
        return Hit("search_terms", weight, 0, 0, "1–250 bytes", "Fill the search terms.", "None set.", "search_terms")
    if size > 250:
        return Hit(
            "search_terms", weight, 0, size, "1–250 bytes", "Cut the search terms to 250 bytes.", "", "search_terms"
        )
    return Hit("search_terms", weight, weight, size, "1–250 bytes", evidence=f"{size} bytes.", field="search_terms")


# --- Content ---


def rule_bullet_count(f: ScoreFacts) -> Hit:
    weight, count = 30, len(f.bullets)
    return Hit(
        "bullet_count",
        weight,
        weight * min(count, BULLETS_EXPECTED) / BULLETS_EXPECTED,
        count,
        f"{BULLETS_EXPECTED} bullet points",
        f"Add {BULLETS_EXPECTED - count} bullet point(s)." if count < BULLETS_EXPECTED else "",
        f"{count} bullet point(s).",
        "bullet_points",
    )


def rule_bullet_length(f: ScoreFacts) -> Hit:
    weight, (low, high) = 30, BULLET_LENGTH_BAND
    if not f.bullets:
        return Hit(
            "bullet_length", weight, 0, [], f"each {low}–{high} characters", "Write bullet points.", "", "bullet_points"
        )
    lengths = [len(b) for b in f.bullets]
    good = [n for n in lengths if low <= n <= high]
    bad = [i + 1 for i, n in enumerate(lengths) if not low <= n <= high]
    return Hit(
        "bullet_length",
        weight,
        weight * _share(len(good), len(lengths)),
        lengths,
        f"each {low}–{high} characters",
        f"Rewrite bullet(s) {', '.join(map(str, bad))} to {low}–{high} characters." if bad else "",
        f"{len(good)} of {len(lengths)} bullets in range.",
        "bullet_points",
    )


def rule_description_length(f: ScoreFacts) -> Hit:
    weight, length = 40, len(f.description.strip())
    return Hit(
        "description_length",
        weight,
        weight * min(length, DESCRIPTION_GOOD_LENGTH) / DESCRIPTION_GOOD_LENGTH,
        length,
        f"at least {DESCRIPTION_GOOD_LENGTH} characters",
        f"Add about {DESCRIPTION_GOOD_LENGTH - length} characters to the description."
        if length < DESCRIPTION_GOOD_LENGTH
        else "",
        f"{length} characters.",
        "description",
    )


# --- Images ---


def rule_image_count(f: ScoreFacts) -> Hit:
    weight, count = 40, len(f.images)
    wanted = max(f.min_images, min(IMAGES_RECOMMENDED, f.max_images))
    points = 0.0 if count < f.min_images else weight * min(count, wanted) / wanted
    return Hit(
        "image_count",
        weight,
        points,
        count,
        f"{wanted} images (at least {f.min_images})",
        f"Add {wanted - count} image(s)." if count < wanted else "",
        f"{count} image(s).",
        "images",
    )


def rule_main_image_size(f: ScoreFacts) -> Hit:
    weight = 35
    expected = f"shorter side ≥ {MAIN_IMAGE_ZOOM_PX} px (at least {f.main_image_min_px})"
    if not f.images:
        return Hit("main_image_size", weight, 0, None, expected, "Upload a main image.", "No image.", "images")
    main = f.images[0]
    side = min(main.width, main.height)
    observed = f"{main.width}×{main.height}"
    if side >= MAIN_IMAGE_ZOOM_PX:
        return Hit("main_image_size", weight, weight, observed, expected, evidence=f"{side} px.", field="images")
    if side >= f.main_image_min_px:
        return Hit(
            "main_image_size",
            weight,
            weight / 2,
            observed,
            expected,
            f"Use a main image of {MAIN_IMAGE_ZOOM_PX} px or more so shoppers can zoom.",
            f"{side} px.",
            "images",
        )
    return Hit(
        "main_image_size",
        weight,
        0,
        observed,
        expected,
        f"Replace the main image with one of at least {f.main_image_min_px} px.",
        f"{side} px.",
        "images",
    )


def rule_main_image_white(f: ScoreFacts) -> Hit:
    weight = 25
    if not f.white_background_required:
        return Hit("main_image_white_background", weight, 0, None, "not required", applicable=False, field="images")
    if not f.images:
        return Hit("main_image_white_background", weight, 0, None, "white", "Upload a main image.", "", "images")
    white = f.images[0].white_background
    if white is None:
        return Hit(
            "main_image_white_background",
            weight,
            0,
            None,
            "white",
            "Upload the main image again so its background can be checked.",
            "Background not checked.",
            "images",
            applicable=False,
        )
    return Hit(
        "main_image_white_background",
        weight,
        weight if white else 0,
        white,
        "white",
        "" if white else "Use a main image on a pure white background.",
        "White border." if white else "Border is not white.",
        "images",
    )


# --- Competitive ---


def _price_hit(rule: str, weight: int, price: Decimal | None, other: Decimal | None, label: str) -> Hit:
    expected = f"at or below the {label}"
    if price is None or other is None:
        return Hit(rule, weight, 0, None, expected, evidence=f"No {label} known.", field="price", applicable=False)
    observed = f"{price} vs {other}"
    if price <= other:
        return Hit(rule, weight, weight, observed, expected, evidence=f"Ours {price} ≤ {other}.", field="price")
    over = (price - other) / other if other else Decimal(1)
    points = weight / 2 if over <= PRICE_NEAR else 0
    return Hit(
        rule,
        weight,
        points,
        observed,
        expected,
        f"Price at {other} or below to match the {label} (a price rule can do it).",
        f"Ours is {over * 100:.1f} % above.",
        "price",
    )


def rule_price_vs_buy_box(f: ScoreFacts) -> Hit:
    return _price_hit("price_vs_buy_box", 40, f.price, f.buy_box_price, "buy box")


def rule_price_vs_lowest(f: ScoreFacts) -> Hit:
    return _price_hit("price_vs_lowest_competitor", 35, f.price, f.lowest_competitor_price, "lowest competitor")


def rule_review_rating(f: ScoreFacts) -> Hit:
    weight = 25
    expected = f"{RATING_FULL} stars or more"
    if f.rating is None:
        return Hit("review_rating", weight, 0, None, expected, evidence="No rating known.", applicable=False)
    share = (f.rating - RATING_ZERO) / (RATING_FULL - RATING_ZERO)
    points = weight * float(min(max(share, Decimal(0)), Decimal(1)))
    reviews = f" from {f.review_count} reviews" if f.review_count is not None else ""
    return Hit(
        "review_rating",
        weight,
        points,
        f.rating,
        expected,
        "" if f.rating >= RATING_FULL else "Read the low reviews and fix what they name.",
        f"{f.rating} stars{reviews}.",
    )


# --- Compliance ---


def compliance_hits(f: ScoreFacts) -> tuple[Hit, ...]:
    if not f.readiness_checked:
        return (Hit("readiness", 100, 0, None, "readiness checked", applicable=False),)
    blocking = [i for i in f.readiness_issues if i.get("severity") == "blocking"]
    warnings = [i for i in f.readiness_issues if i.get("severity") != "blocking"]
    if blocking:
        return tuple(
            Hit(
                f"readiness:{issue.get('code', '')}",
                100,
                0,
                issue.get("message", ""),
                "no blocking readiness issue",
                issue.get("fix") or "Fix this before publishing.",
                "Blocking: compliance is 0 and the total is capped.",
                str(issue.get("field", "")),
            )
            for issue in blocking
        )
    points = max(100 - WARNING_PENALTY * len(warnings), WARNING_FLOOR)
    return (
        Hit(
            "readiness_warnings",
            100,
            points,
            len(warnings),
            "no readiness warning",
            "; ".join(str(i.get("message", "")) for i in warnings),
            f"{len(warnings)} warning(s), {WARNING_PENALTY} points each.",
            str(warnings[0].get("field", "")) if warnings else "",
        ),
    )


RULES: Mapping[str, tuple[Callable[[ScoreFacts], Hit], ...]] = {
    "seo": (rule_title_length, rule_keywords_in_title, rule_keywords_in_bullets, rule_search_terms),
    "content": (rule_bullet_count, rule_bullet_length, rule_description_length),
    "images": (rule_image_count, rule_main_image_size, rule_main_image_white),
    "competitive": (rule_price_vs_buy_box, rule_price_vs_lowest, rule_review_rating),
}


def _sub_score(name: str, hits: tuple[Hit, ...]) -> SubScore:
    judged = [h for h in hits if h.applicable]
    possible = sum(h.weight for h in judged)
    if not possible:
        return SubScore(name, None, hits)
    if name == "compliance":  # blocking hits are a gate: any one makes it 0
        return SubScore(name, _two(min(h.points for h in judged)), hits)
    return SubScore(name, _two(100 * sum(h.points for h in judged) / possible), hits)


def listing_score(facts: ScoreFacts, weights: Mapping[str, float]) -> ScoreResult:
    """Score one listing with the current rule set; `weights` as `scoring_weights()` returns them."""
    subs = {name: _sub_score(name, tuple(rule(facts) for rule in rules)) for name, rules in RULES.items()}
    subs["compliance"] = _sub_score("compliance", compliance_hits(facts))
    blocking = [h for h in subs["compliance"].hits if h.rule.startswith("readiness:")]
    scored = {name: sub.score for name, sub in subs.items() if sub.score is not None}
    weight_sum = sum(weights[name] for name in scored)
    total = (
        sum(Decimal(str(weights[name])) * value for name, value in scored.items()) / Decimal(str(weight_sum))
        if weight_sum
        else Decimal(0)
    )
    gate = {"blocked": bool(blocking), "cap": float(GATE_TOTAL_CAP), "issues": [h.observed for h in blocking]}
    if blocking:
        total = min(total, GATE_TOTAL_CAP)
    return ScoreResult(total=_two(total), sub_scores=subs, gate=gate, weights=dict(weights))
