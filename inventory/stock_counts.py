"""The stock-count sheet (`sku, on_hand`): a kind of the catalog's import machinery (catalog/importing/kinds.py).

Upload, dry run and preview, per-row errors, the error workbook, confirm and undo are the import's; this module
checks the rows and, on commit, sets each SKU's on hand through `stock_count`: one `stock_count` movement per row,
keyed by the batch and the row (`import:<batch>:row:<n>`), so a commit run again after a worker died counts each
row once. Undo reverses the batch's movements with new movements (the ledger is append-only).
See docs/orders.md#stock-count-upload.
"""

import time
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.db.models.functions import Upper

from catalog.importing.kinds import KindRun, Rows, SheetKind
from catalog.models import ImportBatch, Product, Variant
from common.actors import Actor

from .choices import Bucket, Reason
from .models import Stock, StockMovement
from .services import movement_apply, stock_count, stock_for_product, stock_for_variant

SOURCE_TYPE = "catalog.importbatch"
FIRST_ERRORS_KEPT = 50
SAMPLE_DIFFS_KEPT = 20

Item = tuple[Product, Variant | None]


def _cell(cells: list[Any], index: dict[str, int], name: str) -> Any:
    at = index[name]
    return cells[at] if at < len(cells) else None


def _whole(value: Any) -> int | None:
    """The cell as a whole number, or None when it is not one (text, a fraction, a date...)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = Decimal(text)
        except ArithmeticError:
            return None
        return int(number) if number == number.to_integral_value() and text else None
    return None


def _items(skus: set[str]) -> dict[str, Item | str]:
    """Upper SKU -> (product, variant), or the reason it cannot be counted."""
    found: dict[str, Item | str] = {}
    variants = Variant.objects.select_related("product").annotate(key=Upper("sku")).filter(key__in=skus)
    for variant in variants:
        found[variant.key] = (variant.product, variant)  # type: ignore[attr-defined]
    has_variants = Exists(Variant.objects.filter(product_id=OuterRef("pk")))
    products = Product.objects.annotate(key=Upper("sku"), with_variants=has_variants).filter(key__in=skus)
    for product in products:
        if product.key in found:  # type: ignore[attr-defined]
            continue
        found[product.key] = (  # type: ignore[attr-defined]
            f"{product.sku} is a product with variants: count each variant's SKU."
            if product.with_variants  # type: ignore[attr-defined]
            else (product, None)
        )
    return found


def _current(items: list[Item]) -> dict[tuple[int, int | None], int]:
    """On hand now per (product, variant): the stock row's, or the catalog quantity its opening count will be."""
    variant_ids = [v.pk for _, v in items if v is not None]
    product_ids = [p.pk for p, v in items if v is None]
    rows = Stock.objects.filter(variant_id__in=variant_ids) | Stock.objects.filter(
        product_id__in=product_ids, variant__isnull=True
    )
    stored = {(s.product_id, s.variant_id): s.on_hand for s in rows}
    return {(p.pk, v.pk if v else None): stored.get((p.pk, v.pk if v else None), (v or p).quantity) for p, v in items}


def _error(column: str, value: Any, message: str) -> dict[str, Any]:
    return {"column": column, "value": value, "message": message}


Valid = list[tuple[int, Item, int]]
Failed = list[tuple[int, list[Any], list[dict[str, Any]]]]


def _check(rows: Rows, index: dict[str, int]) -> tuple[Valid, Failed]:
    """Valid rows (number, item, on hand) and failed rows (number, cells, errors)."""
    parsed: list[tuple[int, list[Any], str, int | None, list[dict[str, Any]]]] = []
    seen: dict[str, list[int]] = {}
    for number, cells in rows:
        sku = str(_cell(cells, index, "sku") or "").strip()
        raw = _cell(cells, index, "on_hand")
        errors = []
        if not sku:
            errors.append(_error("sku", "", "SKU is required."))
        quantity = _whole(raw)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors.append(_error("on_hand", "", "on_hand is required."))
        elif quantity is None:
            errors.append(_error("on_hand", str(raw), f"on_hand must be a whole number, not '{raw}'."))
        elif quantity < 0:
            errors.append(_error("on_hand", quantity, f"on_hand cannot be negative ({quantity})."))
        if sku:
            seen.setdefault(sku.upper(), []).append(number)
        parsed.append((number, cells, sku, quantity, errors))
    items = _items(set(seen))
    valid: Valid = []
    failed: Failed = []
    for number, cells, sku, quantity, errors in parsed:
        key = sku.upper()
        if sku and len(seen[key]) > 1:
            rows_text = ", ".join(str(n) for n in seen[key])
            errors.append(_error("sku", sku, f"{sku} is counted on rows {rows_text}: count it once."))
        found = items.get(key) if sku else None
        if sku and found is None:
            errors.append(_error("sku", sku, f"No variant, and no product without variants, has the SKU '{sku}'."))
        elif isinstance(found, str):
            errors.append(_error("sku", sku, found))
        if errors or not isinstance(found, tuple) or quantity is None:
            failed.append((number, cells, errors))
        else:
            valid.append((number, found, quantity))
    return valid, failed


def stock_count_sheet_run(
    *, batch: ImportBatch, rows: Rows, index: dict[str, int], commit: bool, user: Actor = None
) -> KindRun:
    """Check every row; on a commit (unless rejected as a whole) count the valid ones. `update` = on hand changes,
    `unchanged` = the count equals on hand."""
    started = time.perf_counter()
    run = KindRun(commit=commit)
    valid, run.failed = _check(rows, index)
    current = _current([item for _, item, _ in valid])
    run.counts["error"] = len(run.failed)
    for number, _, errors in run.failed:
        for error in errors:
            if len(run.first_errors) < FIRST_ERRORS_KEPT:
                run.first_errors.append({"sheet": batch.sheet_name, "row": number, **error})
    write = commit and not (run.failed and batch.on_error == "reject-all")
    for number, (product, variant), on_hand in valid:
        before = current[(product.pk, variant.pk if variant else None)]
        action = "unchanged" if before == on_hand else "update"
        run.counts[action] += 1
        if action == "update" and len(run.sample_diffs) < SAMPLE_DIFFS_KEPT:
            sku = variant.sku if variant is not None else product.sku
            run.sample_diffs.append({"row": number, "sku": sku, "changes": {"on_hand": [before, on_hand]}})
        if write:
            stock = stock_for_variant(variant) if variant is not None else stock_for_product(product)
            stock_count(
                stock=stock,
                on_hand=on_hand,
                user=user,
                note=f"Stock count import #{batch.pk}, row {number}",
                idempotency_key=f"import:{batch.pk}:row:{number}",
                source_type=SOURCE_TYPE,
                source_id=str(batch.pk),
            )
    run.processed = len(rows)
    elapsed = time.perf_counter() - started
    run.rows_per_second = round(run.processed / elapsed, 1) if elapsed > 0 else 0.0
    return run


def stock_count_sheet_undo(*, batch: ImportBatch, user: Actor = None) -> str:
    """Reverse each movement the batch made by a new movement (keyed, so an undo run twice reverses once)."""
    movements = StockMovement.objects.filter(
        source_type=SOURCE_TYPE, source_id=str(batch.pk), reason=Reason.STOCK_COUNT
    )
    reversed_count = 0
    for movement in movements.select_related("stock").order_by("pk"):
        if movement.idempotency_key.endswith(":undo"):
            continue
        done = movement_apply(
            stock=movement.stock,
            bucket=Bucket.ON_HAND,
            delta=-movement.delta,
            reason=Reason.STOCK_COUNT,
            idempotency_key=f"{movement.idempotency_key}:undo",
            source_type=SOURCE_TYPE,
            source_id=str(batch.pk),
            user=user,
            note=f"Undo of stock count import #{batch.pk}",
        )
        reversed_count += done is not None
    return f"Undone: {reversed_count} stock count(s) reversed by new movements in the ledger."


STOCK_COUNT_SHEET = SheetKind(
    code="stock_count",
    label="stock count",
    columns=("sku", "on_hand"),
    marker="on_hand",
    run=stock_count_sheet_run,
    undo=stock_count_sheet_undo,
)
