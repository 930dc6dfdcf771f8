"""Phase 0, photo check: per photo sharpness, exposure, resolution, white background; near-duplicates among the
item's photos. Output schema (version 1): {"photos": [{"photo_id", "position", "verdict": "ok"|"retake",
"reasons": [...], "metrics": {...}}], "usable": int}. Version 2: the metrics hold "phash", a perceptual hash of
the photo's subject, in place of version 1's whole-frame "dhash" (docs/intake.md#phase-0)."""

from collections.abc import Callable
from typing import Any

from ..analysis import quality
from ..models import IntakeItem, IntakePhoto
from .items import photo_image

OUTPUT_VERSION = 2


def input_for(item: IntakeItem) -> dict[str, Any]:
    return {"photos": [[p.pk, p.sha256] for p in item.photos.order_by("position")]}


def compute(item: IntakeItem, payload: dict[str, Any], checkpoint: Callable[[str], None]) -> dict[str, Any]:
    photos = {p.pk: p for p in item.photos.all()}
    results = []
    for photo_id, _ in payload["photos"]:
        checkpoint(f"photo {photo_id}")
        photo = photos[photo_id]
        metrics = quality.photo_metrics(photo_image(photo))
        results.append(
            {
                "photo_id": photo_id,
                "position": photo.position,
                "metrics": metrics,
                "reasons": quality.photo_reasons(metrics),
            }
        )
    duplicates = quality.near_duplicates([r["metrics"]["phash"] for r in results])
    for index, earlier in duplicates.items():
        results[index]["reasons"].append(f"near-duplicate of photo {results[earlier]['position'] + 1}")
    for result in results:
        result["verdict"] = "retake" if result["reasons"] else "ok"
    return {"photos": results, "usable": sum(1 for r in results if r["verdict"] == "ok")}


def apply(item: IntakeItem, output: dict[str, Any]) -> None:
    for result in output["photos"]:
        IntakePhoto.objects.filter(pk=result["photo_id"], item=item).update(
            verdict=result["verdict"], retake_reasons=result["reasons"], metrics=result["metrics"]
        )


def summary(output: dict[str, Any]) -> dict[str, Any]:
    return {
        "usable": output["usable"],
        "retake": {str(r["position"] + 1): r["reasons"] for r in output["photos"] if r["reasons"]},
    }
