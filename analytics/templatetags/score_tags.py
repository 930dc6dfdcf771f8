"""`{% listing_score_panel listing as panel %}`: the listing page's score breakdown
(templates/analytics/_listing_score.html, docs/analytics.md#listing-score)."""

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse

from analytics.models import ListingScore
from analytics.scoring import SCORE_COLUMNS, ScoringWeightsError
from analytics.services.scores import listing_score_get
from listings.models import Listing

register = template.Library()

LABELS = {
    "seo": "SEO",
    "content": "Content",
    "images": "Images",
    "competitive": "Competitive",
    "compliance": "Compliance",
}
PRODUCT_FORM_FIELDS = frozenset({"title", "description", "bullet_points", "search_terms", "attributes", "brand"})


@dataclass
class ScorePanel:
    score: ListingScore | None
    sections: list[dict[str, Any]]
    gate: dict[str, Any]
    problem: str = ""


def fix_link(listing: Listing, field: str) -> str:
    """Where the field a rule names is edited."""
    name = field.split(".")[0]
    if name in PRODUCT_FORM_FIELDS:
        return reverse("catalog:product_update", args=[listing.product_id]) + f"#id_{name}"
    if name in {"images", "variants"}:
        return reverse("catalog:product_detail", args=[listing.product_id])
    if name == "price":
        return "#listing-costs"
    if name == "category":
        return reverse("channels:channel_detail", args=[listing.channel_id]) + "#mappings"
    if name in {"product", "weight_grams", "barcode", "metafields"}:
        return reverse("catalog:product_update", args=[listing.product_id])
    return ""


@register.simple_tag
def listing_score_panel(listing: Listing) -> ScorePanel:
    try:
        score = listing_score_get(listing)
    except ScoringWeightsError as exc:
        return ScorePanel(None, [], {}, exc.message)
    breakdown = score.score_breakdown or {}
    sections = []
    for name, column in SCORE_COLUMNS.items():
        part = breakdown.get(name) or {}
        hits = [
            {**hit, "link": fix_link(listing, hit.get("field", "")) if hit.get("fix") else ""}
            for hit in part.get("hits", [])
        ]
        sections.append(
            {
                "name": name,
                "label": LABELS[name],
                "score": getattr(score, column),
                "hits": hits,
                "weight": breakdown.get("weights", {}).get(name),
            }
        )
    return ScorePanel(score, sections, breakdown.get("gate", {}))
