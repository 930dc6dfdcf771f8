"""Phase 3, SEO (seed 004 `seo_analysis_data`; docs/intake.md#phase-3).

Keywords come from the research titles (the same GTIN, or similar enough), the label text read by OCR and the
category. Titles, bullets and the description are built **only from fields with evidence**: a field whose evidence
list is empty makes no claim, and each bullet names the field and evidence kinds it rests on. Every marketplace
gets a title within its limit (the chosen channel's `title_max_length`, else the connector's documented
`ListingRules`), Amazon's also within its title rules; Amazon gets backend search terms of at most 250 bytes.

Output schema (version 1): {"base_title", "titles": {marketplace: {"title", "limit", "issues"}},
"channel_titles": [{"channel_id", "channel", "marketplace", "title", "limit", "issues"}], "bullets": [{"text",
"field", "evidence": [kinds], "confidence"}], "description" (HTML), "keywords": [{"word", "sources"}],
"search_terms", "search_terms_bytes", "omitted": [fields with a value but no evidence]}.
"""

from collections.abc import Callable
from html import escape
from typing import Any

from syncing.connectors import CONNECTORS

from ..analysis import seo
from ..choices import PhaseName, PhaseStatus
from ..models import IntakeItem

OUTPUT_VERSION = 1
AMAZON = "amazon"
PRODUCT_TITLE_MAX = 255  # catalog Product.title
RESEARCH_SIMILARITY_MIN = 0.3  # a keyword match less alike than this lends no keywords
TITLE_FIELDS = ("brand", "name", "model", "size", "colour")
BULLETS = (("brand", "Brand"), ("model", "Model"), ("size", "Size"), ("colour", "Colour"),
           ("condition", "Condition"), ("barcode", "GTIN"))  # fmt: skip


def _output(item: IntakeItem, phase: str) -> dict[str, Any]:
    record = item.phases.filter(phase=phase, status=PhaseStatus.COMPLETED).first()
    return record.output if record is not None else {}


def input_for(item: IntakeItem) -> dict[str, Any]:
    fields = {
        name: {
            "value": f.get("value"),
            "display": f.get("display") or f.get("value"),
            "evidence": sorted({e.get("kind", "") for e in f.get("evidence") or []}),
            "confidence": f.get("confidence"),
        }
        for name, f in sorted(item.fields.items())
    }
    research = _output(item, PhaseName.RESEARCH)
    return {
        "fields": fields,
        "ocr": [line.get("text", "") for line in _output(item, PhaseName.ANALYSIS).get("ocr_lines") or []],
        "research": [
            {
                "title": m.get("title", ""),
                "source": m.get("source", ""),
                "matched_by": m.get("matched_by", ""),
                "similarity": m.get("similarity", 0),
            }
            for m in research.get("matches") or []
        ],  # fmt: skip
        "marketplace_category": (research.get("marketplace") or {}).get("category") or "",
        "channels": [
            {"id": c.pk, "name": c.name, "marketplace": c.marketplace, "title_max_length": c.title_max_length}
            for c in item.hint_channels.order_by("name")
        ],
    }


def _evidenced(fields: dict[str, Any], name: str) -> str:
    """The field's text only when it has a value and evidence; nothing is claimed without evidence."""
    field = fields.get(name) or {}
    if field.get("value") in (None, "") or not field.get("evidence"):
        return ""
    return str(field.get("display") or field["value"])


def _title(base: str, limit: int, marketplace: str) -> dict[str, Any]:
    amazon = marketplace == AMAZON
    title = seo.fit_title(base, limit, amazon=amazon)
    return {"title": title, "limit": min(limit, seo.AMAZON_TITLE_MAX) if amazon else limit,
            "issues": seo.title_issues(title, limit, amazon=amazon)}  # fmt: skip


def compute(item: IntakeItem, payload: dict[str, Any], checkpoint: Callable[[str], None]) -> dict[str, Any]:
    checkpoint("keywords")
    fields = payload["fields"]
    omitted = sorted(n for n, f in fields.items() if f.get("value") not in (None, "") and not f.get("evidence"))
    category = _evidenced(fields, "category")
    base = seo.strip_promotions(seo.compose_title([_evidenced(fields, n) for n in TITLE_FIELDS]))
    sources: list[tuple[str, str]] = [("ocr", line) for line in payload["ocr"]]
    sources += [
        (f"{m['source']} ({m['matched_by']})", m["title"])
        for m in payload["research"]
        if m["matched_by"] == "gtin" or (m["similarity"] or 0) >= RESEARCH_SIMILARITY_MIN
    ]
    if category:
        sources.append(("category", category.replace(">", " ")))
    if payload["marketplace_category"]:
        sources.append(("marketplace category", payload["marketplace_category"]))
    keywords = seo.keywords(sources)
    checkpoint("titles")
    titles = {code: _title(base, cls.default_rules.title_max_length, code) for code, cls in CONNECTORS.items()}
    channel_titles = [
        {"channel_id": c["id"], "channel": c["name"], "marketplace": c["marketplace"],
         **_title(base, int(c["title_max_length"] or PRODUCT_TITLE_MAX), c["marketplace"])}
        for c in payload["channels"]
    ]  # fmt: skip
    bullets = []
    for name, label in BULLETS:
        text = _evidenced(fields, name)
        if text:
            claim = seo.strip_promotions(f"{label}: {text}")
            bullets.append({"text": claim, "field": name, "evidence": fields[name]["evidence"],
                            "confidence": fields[name].get("confidence")})  # fmt: skip
    terms = seo.search_terms([k["word"] for k in keywords], title=titles[AMAZON]["title"])
    return {
        "base_title": seo.fit_title(base, PRODUCT_TITLE_MAX, amazon=False),
        "titles": titles,
        "channel_titles": channel_titles,
        "bullets": bullets,
        "description": _description(base, bullets),
        "keywords": keywords,
        "search_terms": terms,
        "search_terms_bytes": len(terms.encode()),
        "omitted": omitted,
    }


def _description(title: str, bullets: list[dict[str, Any]]) -> str:
    """HTML from the title and the bullets only (each an evidenced field); empty when there is nothing to say."""
    if not title and not bullets:
        return ""
    items = "".join(f"<li>{escape(b['text'])}</li>" for b in bullets)
    return f"<p>{escape(title)}</p>" + (f"<ul>{items}</ul>" if items else "")


def apply(item: IntakeItem, output: dict[str, Any]) -> None:
    """Nothing to write besides the phase output: the listing phase reads the titles and the description."""


def summary(output: dict[str, Any]) -> dict[str, Any]:
    return {
        "base_title": output["base_title"],
        "bullets": len(output["bullets"]),
        "keywords": len(output["keywords"]),
        "search_terms_bytes": output["search_terms_bytes"],
        "omitted": output["omitted"],
    }
