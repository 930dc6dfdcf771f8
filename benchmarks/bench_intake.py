"""Photo intake speed (docs/intake.md): barcode decode rate per photo condition, the photo check verdict after an
upload (goal <= 2 s), upload -> draft listing for an item with a readable barcode (goal <= 15 s) and the throughput
with 2 worker processes (items per minute; a real `manage.py worker` cluster on the bench database); the
other timings run the phases in this process the way the worker runs them.
The bench makes its own photos (rendered barcodes, printed labels, product shots). It also prints the OCR facts
read on labels turned 5-30 degrees with the deskew step and without it (the floor, in the same run), and the
near-duplicate verdicts on generated pairs with the subject's DCT hash and with the former whole-frame difference
hash (the floor).
Run: `.venv/bin/python benchmarks/run.py intake`; `INTAKE_BENCH=photos` runs only the OCR and near-duplicate parts.
"""

import io
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

VERDICT_GOAL_S = 2.0
DRAFT_GOAL_S = 15.0
PHOTOS_PER_CONDITION = 20
ITEMS_PER_WORKER = 4
CLUSTER_START_S = 4.0  # `manage.py worker` imports Django and forks its workers before the clock starts
CLUSTER_WAIT_S = 600.0
THROUGHPUT_FLOOR = 8.0  # items per minute with 2 workers: 4 times the 15 s draft goal (one item per 7.5 s)
CONDITIONS = {
    "clear": {},
    "rotated 20°": {"rotate": 20},
    "blurred (1.5 px)": {"blur": 1.5},
    "blurred (2.5 px)": {"blur": 2.5},
    "dim (30 %)": {"brightness": 0.3},
}


def _gtin(rng: random.Random) -> str:
    from catalog.validators import gtin_check_digit

    body = "".join(str(rng.randrange(10)) for _ in range(12))
    return body + str(gtin_check_digit(body))


SKEW_GROUPS = {"5-12°": (-12, -8, -5, 5, 8, 12), "20-30°": (-30, -25, -20, 20, 25, 30)}
SKEW_LINES = ("Brand: Acme", "Model: XR-200", "Size: 500 ml", "Brand new")
SKEW_FACTS = {"brand": "Acme", "model": "XR-200", "size": "500 ml", "condition": "new"}
FORMER_DUPLICATE_BITS = 5  # the former whole-frame difference hash's threshold


def _ocr_skew() -> None:
    from PIL import Image, ImageOps

    from intake.analysis import deskew, ocr
    from tests.intake.photos import label_photo

    for group, angles in SKEW_GROUPS.items():
        found: dict[bool, int] = {True: 0, False: 0}
        times: dict[bool, list[float]] = {True: [], False: []}
        errors, estimate_times = [], []
        for angle in angles:
            img = Image.open(io.BytesIO(label_photo(lines=SKEW_LINES, rotate=angle, barcode="4006381333931")))
            started = time.perf_counter()
            skew = deskew.estimate_skew(ImageOps.autocontrast(img.convert("L")))
            estimate_times.append(time.perf_counter() - started)
            errors.append(abs(skew - angle))
            for levelled in (True, False):
                started = time.perf_counter()
                words = ocr.read_label(img, deskew=levelled).words
                times[levelled].append(time.perf_counter() - started)
                facts = {f: fact["value"] for f, fact in ocr.label_facts(ocr.lines_of(words)).items()}
                found[levelled] += sum(facts.get(f) == value for f, value in SKEW_FACTS.items())
        total = len(SKEW_FACTS) * len(angles)
        with_, without = statistics.median(times[True]), statistics.median(times[False])
        print(
            f"OCR labels turned {group} {angles}: facts {found[True]}/{total} with deskew, {found[False]}/{total} "
            f"without (floor); median {with_:.2f} s per photo against {without:.2f} s (ratio {with_ / without:.2f}); "
            f"skew found within {max(errors):.1f}° (median {statistics.median(estimate_times) * 1000:.0f} ms)"
        )


def _former_hash(grey) -> str:  # type: ignore[no-untyped-def]
    """The whole-frame 9x8 difference hash the photo check used before (the floor), of the 640 px grey picture."""
    import numpy as np
    from PIL import Image

    small = np.asarray(Image.fromarray(grey.astype(np.uint8)).resize((9, 8), Image.Resampling.BILINEAR), dtype=int)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def _near_duplicates() -> None:
    from PIL import Image

    from intake.analysis import quality
    from tests.intake.photos import cropped, label_photo, plain_photo, product_photo, recompressed

    product, label = product_photo(), label_photo(lines=("Brand: ACME", "Kettle KT-200"), barcode="4006381333931")
    copies = [
        (product, recompressed(product)),
        (product, cropped(product)),
        (product, cropped(product, sides="top-left")),
        (product, recompressed(cropped(product), scale=0.7)),
        (label, recompressed(label)),
        (label, cropped(label)),
        (label, cropped(label, sides="top-left")),
    ]
    others = [
        (product, product_photo(angle=15)),
        (product, product_photo(angle=-25)),
        (product, product_photo(perspective=0.15)),
        (product, product_photo(pattern="dots", colour="#8e44ad")),
        (label, label_photo(lines=("Model: ZX-9", "500 ml", "Made in MY"))),
        (label, plain_photo()),
    ]
    pairs = [(a, b, True) for a, b in copies] + [(a, b, False) for a, b in others]
    right = {"subject DCT hash": 0, "whole-frame dHash (floor)": 0}
    hash_times: list[float] = []
    former_times: list[float] = []
    for first, second, duplicate in pairs:
        images = [Image.open(io.BytesIO(data)) for data in (first, second)]
        greys = [quality.grey_at_measure_size(img) for img in images]  # decoded and scaled, as the photo check has
        started = time.perf_counter()
        new = [quality.perceptual_hash(grey) for grey in greys]
        hash_times.append((time.perf_counter() - started) / 2)
        right["subject DCT hash"] += (quality.near_duplicates(new) != {}) == duplicate
        started = time.perf_counter()
        old = [_former_hash(grey) for grey in greys]
        former_times.append((time.perf_counter() - started) / 2)
        right["whole-frame dHash (floor)"] += (quality.hamming(*old) <= FORMER_DUPLICATE_BITS) == duplicate
    verdicts = ", ".join(f"{name} {count}/{len(pairs)}" for name, count in right.items())
    print(
        f"near-duplicate verdicts right ({len(copies)} copies, {len(others)} other pictures): {verdicts}; "
        f"subject hash median {statistics.median(hash_times) * 1000:.1f} ms per photo against "
        f"{statistics.median(former_times) * 1000:.1f} ms for the former hash (of the 640 px grey picture)"
    )


def _decode_rates() -> None:
    from PIL import Image

    from intake.analysis.barcodes import read_barcodes
    from tests.intake.photos import label_photo

    rng = random.Random(25)
    for name, options in CONDITIONS.items():
        hits, times = 0, []
        for _ in range(PHOTOS_PER_CONDITION):
            gtin = _gtin(rng)
            img = Image.open(io.BytesIO(label_photo(barcode=gtin, **options)))
            started = time.perf_counter()
            found = read_barcodes(img)
            times.append(time.perf_counter() - started)
            hits += any(b["text"] == gtin for b in found)
        print(
            f"barcode decode {name}: {hits}/{PHOTOS_PER_CONDITION} ({hits / PHOTOS_PER_CONDITION:.0%}), "
            f"median {statistics.median(times) * 1000:.0f} ms per photo"
        )


def _pipeline_timings(tmp: Path) -> None:
    from django.contrib.auth.models import Group, User

    from intake.choices import IntakeStatus
    from intake.services import intake_item_create, intake_phase_run
    from tests.catalog.factories import CategoryFactory, ProductFactory
    from tests.intake.photos import label_photo, plain_photo, upload

    user = User.objects.create_user("bench-picker", password="x")
    user.groups.add(Group.objects.get(name="intake"))
    kitchen = CategoryFactory(name="Kitchen")
    ProductFactory(title="ACME kettle", barcode="4006381333931", category=kitchen)
    ProductFactory(title="Other thing", category=CategoryFactory(name="Other"))
    verdicts, drafts = [], []
    for n in range(3):
        photos = [upload(label_photo(barcode="4006381333931", lines=("ACME", f"run {n}"))), upload(plain_photo(seed=n))]
        started = time.perf_counter()
        item = intake_item_create(owner=user, photos=photos, hint_condition="new")
        intake_phase_run(item_id=item.pk, phase="photo_check")
        verdicts.append(time.perf_counter() - started)
        item = _run_to_end(item)
        drafts.append(time.perf_counter() - started)
        assert item.status == IntakeStatus.COMPLETED, item.status
    verdict, draft = statistics.median(verdicts), statistics.median(drafts)
    print(
        f"photo check verdict after upload (2 photos): median {verdict:.2f} s "
        f"(goal {VERDICT_GOAL_S} s, ratio {verdict / VERDICT_GOAL_S:.2f})"
    )
    print(
        f"upload -> draft listing, readable barcode: median {draft:.2f} s "
        f"(goal {DRAFT_GOAL_S} s, ratio {draft / DRAFT_GOAL_S:.2f})"
    )
    _throughput(user, tmp)


def _run_to_end(item):  # type: ignore[no-untyped-def]
    from intake.models import IntakeItem
    from intake.services import intake_phase_run

    for _ in range(8):
        item = IntakeItem.objects.get(pk=item.pk)
        if not item.is_running:
            break
        intake_phase_run(item_id=item.pk, phase=item.current_phase)
    return IntakeItem.objects.get(pk=item.pk)


def _throughput(user, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    """Items per minute, upload to draft, with a `manage.py worker` cluster of 1 and then 2 worker processes on
    this database: the items are created (each queues its first phase, as an upload does) once the cluster is up,
    and the clock stops when the last one is completed."""
    from django_q.models import OrmQ

    from benchmarks.databases import cluster_start, cluster_stop
    from intake.services import intake_item_create
    from tests.intake.photos import label_photo, upload

    rates = {}
    for workers in (1, 2):
        OrmQ.objects.all().delete()  # the timing runs above ran their phases in this process
        cluster = cluster_start(_cluster_env(workers), tmp / "worker.log")
        try:
            time.sleep(CLUSTER_START_S)
            started = time.perf_counter()
            items = [
                intake_item_create(
                    owner=user,
                    photos=[upload(label_photo(barcode="4006381333931", lines=("ACME", f"item {workers}-{n}")))],
                    hint_condition="new",
                )
                for n in range(ITEMS_PER_WORKER * workers)
            ]
            failures = _wait_until_done([item.pk for item in items])
            elapsed = time.perf_counter() - started
        finally:
            cluster_stop(cluster)
        rates[workers] = ITEMS_PER_WORKER * workers * 60 / elapsed
        assert not failures, failures
    print(
        f"throughput with 2 worker processes: {rates[2]:.1f} items per minute (1 worker {rates[1]:.1f}, "
        f"2/1 ratio {rates[2] / rates[1]:.2f}; floor {THROUGHPUT_FLOOR} items/min, "
        f"ratio {rates[2] / THROUGHPUT_FLOOR:.2f})"
    )


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _cluster_env(workers: int) -> dict[str, str]:
    from django.conf import settings

    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "Q_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "False",
    }


def _wait_until_done(pks: list[int]) -> list[int]:
    """Poll until no item is running (or CLUSTER_WAIT_S passed); the pks not completed."""
    from intake.choices import IntakeStatus
    from intake.models import IntakeItem

    deadline = time.monotonic() + CLUSTER_WAIT_S
    while time.monotonic() < deadline:
        states = dict(IntakeItem.objects.filter(pk__in=pks).values_list("pk", "status"))
        if all(status in (IntakeStatus.COMPLETED, IntakeStatus.ERROR, IntakeStatus.NEEDS_REVIEW)
               for status in states.values()):  # fmt: skip
            break
        time.sleep(0.2)
    return [pk for pk, status in states.items() if status != IntakeStatus.COMPLETED]


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    tmp = Path(tempfile.mkdtemp(prefix="bench_intake_"))
    settings.MEDIA_ROOT = tmp / "media"
    _near_duplicates()
    _ocr_skew()
    if os.environ.get("INTAKE_BENCH") == "photos":
        return
    _decode_rates()
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(tmp / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        _pipeline_timings(tmp)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
