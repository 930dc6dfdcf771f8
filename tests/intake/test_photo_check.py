"""Phase 0: each photo's verdict and retake reason, on generated photos."""

import pytest

from intake.analysis.quality import BLUR_VARIANCE_MIN
from intake.choices import PhaseName
from intake.models import IntakePhase
from intake.services import intake_item_create, intake_phase_run
from tests.intake.photos import label_photo, plain_photo, upload

pytestmark = pytest.mark.django_db
LINES = ("Brand: ACME", "Kettle KT-200")


def test_each_photo_gets_a_verdict_with_the_reason_to_retake(intake_user):
    # given a sharp label, the same label blurred, a dim one, a tiny one and a near-duplicate of the first
    photos = [
        upload(label_photo(lines=LINES), "sharp.png"),
        upload(label_photo(barcode="4006381333931", blur=3, box_colour=None), "blurred.png"),
        upload(label_photo(lines=("Model: ZX-9", "500 ml", "Made in MY"), brightness=0.2, box_colour=None), "dim.png"),
        upload(plain_photo(size=(300, 200)), "small.png"),
        upload(label_photo(lines=LINES, fmt="JPEG"), "again.jpg"),
    ]
    item = intake_item_create(owner=intake_user, photos=photos)
    # when the photo check runs
    intake_phase_run(item_id=item.pk, phase=PhaseName.PHOTO_CHECK)
    # then every photo has its verdict, and the retake reasons say why
    verdicts = [(p.original_filename, p.verdict, p.retake_reasons) for p in item.photos.all()]
    assert verdicts == [
        ("sharp.png", "ok", []),
        ("blurred.png", "retake", ["blurry"]),
        ("dim.png", "retake", ["too dark"]),
        ("small.png", "retake", ["resolution too low"]),
        ("again.jpg", "retake", ["near-duplicate of photo 1"]),
    ]
    sharp = item.photos.get(original_filename="sharp.png")
    assert sharp.metrics["white_background_share"] == 1.0
    assert sharp.metrics["sharpness"] > 2 * BLUR_VARIANCE_MIN
    record = IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK)
    assert record.output["usable"] == 1
    assert record.output_version == 2
    assert record.engine == "offline"
    assert record.duration_ms is not None
    assert record.item.current_phase == PhaseName.ANALYSIS
