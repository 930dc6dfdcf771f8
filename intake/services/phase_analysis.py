"""Phase 1, analysis: barcodes -> GTIN -> catalog match; label text by OCR -> brand, model, size, condition words;
dominant colours; a category from a classifier trained on our catalog. Every field keeps its evidence, a confidence
and the engine that produced it; the phase confidence is the minimum over the required fields (docs/intake.md).

Output schema (version 2): {"fields": {name: {"value", "display", "confidence", "evidence": [...], "engine"}},
"confidence": int, "review_reasons": [...], "barcodes": [...], "gtins": [...], "ocr_lines": [...],
"ocr_skew": [{"photo_id", "degrees"}], "colours": [...], "category_candidates": [...]}; version 2 added "ocr_skew",
the angle each photo's text was turned level from before OCR (docs/intake.md#phase-1).
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from catalog.models import Category
from catalog.selectors import category_full_names
from catalog.validators import validate_gtin

from ..analysis import barcodes as barcode_rules
from ..analysis import ocr
from ..analysis.engines import get_engine
from ..models import IntakeItem
from ..selectors import (
    catalog_fingerprint,
    catalog_match_by_gtin,
    catalog_training_examples,
    product_visible_to,
)
from .control import REQUIRED_FIELDS
from .items import photo_image

OUTPUT_VERSION = 2
MATCH_CONFIDENCE = 95  # a product found by a valid GTIN that the user may see
HINT_CONFIDENCE = 90  # what the uploader typed
OCR_CAP = 75  # a field read from label text is never trusted above this without a review
CONDITION_WORD_CAP = 85  # "new"/"sealed" printed on the item


def input_for(item: IntakeItem) -> dict[str, Any]:
    engine = get_engine()
    return {
        "photos": [[p.pk, p.sha256] for p in item.photos.order_by("position")],
        "hints": {"name": item.hint_name, "model": item.hint_model, "condition": item.hint_condition},
        "engine": engine.code,
        "catalog": catalog_fingerprint(),
    }


def _field(value: Any, confidence: float, evidence: list[dict[str, Any]], engine: str, display: Any = None) -> dict:
    return {
        "value": value,
        "display": value if display is None else display,
        "confidence": max(0, min(100, round(confidence))),
        "evidence": evidence,
        "engine": engine,
    }


def _gtins(found: list[dict[str, Any]], owner: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Each barcode's GTIN verdict, and the first visible catalog match."""
    verdicts, match = [], None
    for barcode in found:
        digits = barcode_rules.gtin_candidate(barcode["symbology"], barcode["text"])
        if digits is None:
            continue
        verdict: dict[str, Any] = {"gtin": digits, "symbology": barcode["symbology"], "photo_id": barcode["photo_id"]}
        try:
            validate_gtin(digits)
        except ValidationError as exc:
            verdict["problem"] = " ".join(exc.messages)
            verdicts.append(verdict)
            continue
        product, variant = catalog_match_by_gtin(digits)
        if product is not None and not product_visible_to(product, owner):
            verdict["problem"] = "This GTIN belongs to a product you may not see; it was not matched."
        elif product is not None:
            verdict["product_id"] = product.pk
            verdict["variant_id"] = variant.pk if variant else None
            if match is None:
                match = {"product": product, "variant": variant, "barcode": barcode, "gtin": digits}
        verdicts.append(verdict)
    return verdicts, match


def compute(item: IntakeItem, payload: dict[str, Any], checkpoint: Callable[[str], None]) -> dict[str, Any]:
    engine = get_engine(payload["engine"])
    photos = {p.pk: p for p in item.photos.all()}
    found: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    skews: list[dict[str, Any]] = []
    colours: list[dict[str, Any]] = []
    for photo_id, _ in payload["photos"]:
        checkpoint(f"barcodes and text of photo {photo_id}")
        photo = photos[photo_id]
        img = photo_image(photo)
        for barcode in engine.read_barcodes(img):
            found.append({**barcode, "photo_id": photo_id})
        reading = engine.read_label(img)
        skews.append({"photo_id": photo_id, "degrees": reading.skew_degrees})
        for line in ocr.lines_of(reading.words):
            lines.append({**line, "photo_id": photo_id})
        if not colours and photo.verdict != "retake":
            colours = engine.dominant_colours(img)
    if not colours and photos:
        colours = engine.dominant_colours(photo_image(photos[payload["photos"][0][0]]))
    checkpoint("catalog match")
    gtins, match = _gtins(found, item.owner)
    facts = ocr.label_facts(lines)
    fields = _fields(item, engine.code, found, gtins, match, facts, colours)
    checkpoint("category")
    candidates = _category(item, engine, fields, lines, match)
    if candidates["field"]:
        fields["category"] = candidates["field"]
    confidence = min((fields.get(name) or {}).get("confidence", 0) for name in REQUIRED_FIELDS)
    return {
        "fields": fields,
        "confidence": confidence,
        "review_reasons": _reasons(fields, found, lines, gtins),
        "barcodes": found,
        "gtins": gtins,
        "ocr_lines": lines,
        "ocr_skew": skews,
        "colours": colours,
        "category_candidates": candidates["candidates"],
    }


def _ocr_field(fact: dict[str, Any], engine: str, cap: int = OCR_CAP) -> dict[str, Any]:
    line = fact["line"]
    evidence = [
        {
            "kind": "ocr",
            "text": line["text"],
            "box": line["box"],
            "photo_id": line["photo_id"],
            "confidence": line["confidence"],
        }
    ]
    return _field(fact["value"], min(cap, line["confidence"]), evidence, engine)


def _fields(
    item: IntakeItem, engine: str, found: list, gtins: list, match: dict | None, facts: dict, colours: list
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    valid = [g for g in gtins if "problem" not in g]
    if valid:
        source = next(b for b in found if b["photo_id"] == valid[0]["photo_id"])
        evidence = [
            {
                "kind": "barcode",
                "symbology": source["symbology"],
                "text": source["text"],
                "box": source["box"],
                "photo_id": source["photo_id"],
            }
        ]
        fields["barcode"] = _field(valid[0]["gtin"], 100, evidence, engine)
    if match is not None:
        product = match["product"]
        evidence = [{"kind": "catalog", "product_id": product.pk, "sku": product.sku, "gtin": match["gtin"]}]
        fields["name"] = _field(product.title, MATCH_CONFIDENCE, evidence, engine)
        if product.brand:
            fields["brand"] = _field(product.brand, MATCH_CONFIDENCE, evidence, engine)
        if product.mpn:
            fields["model"] = _field(product.mpn, MATCH_CONFIDENCE, evidence, engine)
    hint = [{"kind": "hint", "text": "typed by the uploader"}]
    if "name" not in fields and item.hint_name:
        fields["name"] = _field(item.hint_name, HINT_CONFIDENCE, hint, "hint")
    if "model" not in fields and item.hint_model:
        fields["model"] = _field(item.hint_model, HINT_CONFIDENCE, hint, "hint")
    if item.hint_condition:
        fields["condition"] = _field(item.hint_condition, HINT_CONFIDENCE, hint, "hint")
    for name in ("brand", "model", "size"):
        if name not in fields and name in facts:
            fields[name] = _ocr_field(facts[name], engine)
    if "condition" not in fields and "condition" in facts:
        fields["condition"] = _ocr_field(facts["condition"], engine, CONDITION_WORD_CAP)
    if "name" not in fields:
        label = facts.get("name")
        if label is None and ("brand" in facts or "model" in facts):
            parts = [facts[k] for k in ("brand", "model") if k in facts]
            value = " ".join(p["value"] for p in parts)
            label = {"value": value, "line": min((p["line"] for p in parts), key=lambda line: line["confidence"])}
        if label is not None:
            fields["name"] = _ocr_field(label, engine)
    if colours:
        evidence = [{"kind": "colour", "hex": c["hex"], "name": c["name"], "share": c["share"]} for c in colours]
        fields["colour"] = _field(colours[0]["name"], 60 + 40 * colours[0]["share"], evidence, engine)
    return fields


def _category(item: IntakeItem, engine: Any, fields: dict, lines: list, match: dict | None) -> dict[str, Any]:
    if match is not None and match["product"].category_id:
        category = match["product"].category
        evidence = [{"kind": "catalog", "product_id": match["product"].pk, "sku": match["product"].sku}]
        field = _field(category.pk, MATCH_CONFIDENCE, evidence, engine.code, display=category.full_name)
        return {"field": field, "candidates": []}
    text = " ".join(
        [
            *(str((fields.get(n) or {}).get("value", "")) for n in ("name", "brand", "model")),
            item.hint_name,
            *(line["text"] for line in lines),
        ]
    )
    guesses = engine.suggest_category(
        text, fingerprint=catalog_fingerprint(), examples=catalog_training_examples, categories=category_full_names
    )
    names = {c.pk: c.full_name for c in Category.objects.filter(pk__in=[g.label for g in guesses])}
    candidates = [
        {"category_id": g.label, "name": names.get(g.label, "?"), "probability": round(g.probability, 3)}
        for g in guesses
    ]
    if not candidates or not text.strip():
        return {"field": None, "candidates": candidates}
    best = candidates[0]
    evidence = [{"kind": "classifier", "text": text[:300], "candidates": candidates}]
    field = _field(best["category_id"], best["probability"] * 100, evidence, engine.code, display=best["name"])
    return {"field": field, "candidates": candidates}


def _reasons(fields: dict, found: list, lines: list, gtins: list) -> list[str]:
    reasons = []
    if not found and not lines:
        reasons.append("no barcode or readable label: add a label close-up")
    for gtin in gtins:
        if "problem" in gtin:
            reasons.append(f"barcode {gtin['gtin']}: {gtin['problem']}")
    for name in REQUIRED_FIELDS:
        field = fields.get(name)
        if field is None:
            reasons.append(f"{name} unknown")
        elif field["confidence"] < 80:
            reasons.append(f"{name} uncertain ({field['confidence']}%)")
    return reasons


def apply(item: IntakeItem, output: dict[str, Any]) -> None:
    item.fields = output["fields"]
    item.confidence = output["confidence"]
    item.save(update_fields=["fields", "confidence", "updated_at"])


def summary(output: dict[str, Any]) -> dict[str, Any]:
    return {
        "confidence": output["confidence"],
        "fields": {k: [v["display"], v["confidence"]] for k, v in output["fields"].items()},
        "barcodes": [b["text"] for b in output["barcodes"]],
        "review_reasons": output["review_reasons"],
        # photo id -> the angle its label was turned level from before OCR (an output of version 1 has none)
        "ocr_skew_degrees": {str(s["photo_id"]): s["degrees"] for s in output.get("ocr_skew", []) if s["degrees"]},
    }
