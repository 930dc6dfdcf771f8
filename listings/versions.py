"""Content versions, the read side: what a snapshot holds, a listing's effective content, and diffs.

Pure functions over plain dicts (no queries), shared by the versions service, the history pages and the API
(docs/catalog.md#versions).
"""

import contextvars
import difflib
import html
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

BULLET_FIELDS = tuple(f"bullet_point_{n}" for n in range(1, 6))
# Content only the product holds (a listing has no override for it).
PRODUCT_ONLY_FIELDS = (
    "handle",
    "brand",
    "manufacturer",
    "model_number",
    "mpn",
    "category_id",
    "attributes",
    "metafields",
)
SEO_AND_TERMS = ("search_terms", "seo_title", "seo_description")
# A product version's snapshot: everything a marketplace shows that the product holds.
PRODUCT_SNAPSHOT_FIELDS = (
    "title",
    "description",
    "short_description",
    *BULLET_FIELDS,
    *SEO_AND_TERMS,
    *PRODUCT_ONLY_FIELDS,
)
IMAGES = "images"  # image ids in display order, beside the fields above
# A listing's own content overrides (NULL = inherit), as on listings.models.Listing.
LISTING_OVERRIDE_CONTENT_FIELDS = ("title", "description", "bullet_points", "short_description", *SEO_AND_TERMS)
# The fields of a listing's effective content, in display order.
LISTING_CONTENT_FIELDS = (
    "title",
    "description",
    "short_description",
    "bullet_points",
    *SEO_AND_TERMS,
    *PRODUCT_ONLY_FIELDS,
    IMAGES,
)
PRODUCT_CONTENT_FIELDS = (*PRODUCT_SNAPSHOT_FIELDS, IMAGES)
LONG_TEXT_FIELDS = frozenset({"description", "short_description"})

FIELD_LABELS = {
    "category_id": "Category",
    "seo_title": "SEO title",
    "seo_description": "SEO description",
    "mpn": "MPN",
    IMAGES: "Images (in order)",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def listing_effective_content(product_snapshot: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """What a listing shows: the product's snapshot with the listing's non-null overrides on top."""
    content: dict[str, Any] = {}
    for name in LISTING_CONTENT_FIELDS:
        if name == "bullet_points":
            content[name] = [product_snapshot.get(f) for f in BULLET_FIELDS if product_snapshot.get(f)]
        else:
            content[name] = product_snapshot.get(name)
    for name, value in overrides.items():
        if value is not None and name in content:
            content[name] = list(value) if name == "bullet_points" else value
    return content


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any], fields: tuple[str, ...]) -> list[str]:
    """The fields whose values differ (every field when there is no `before`)."""
    if before is None:
        return [name for name in fields if after.get(name) not in (None, "", [], {})]
    return [name for name in fields if before.get(name) != after.get(name)]


# --- Diffs (server rendered) ---


@dataclass(frozen=True)
class FieldDiff:
    """One field of a comparison: old and new values as display text, and the side-by-side HTML of each."""

    name: str
    label: str
    old: str
    new: str
    old_html: str
    new_html: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.name, "label": self.label, "old": self.old, "new": self.new}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {value[k]}" for k in sorted(value))
    return str(value)


_WORDS = re.compile(r"\S+\s*|\s+")  # a word with the spaces after it


def _marked(tag: str, text: str) -> str:
    """`text` in the tag, the spaces after its last word left outside."""
    words = text.rstrip()
    return f"<{tag}>{words}</{tag}>{text[len(words) :]}" if words else text


def _words_marked(old: str, new: str) -> tuple[str, str]:
    """Both texts as escaped HTML with the changed words wrapped in <del> (old) and <ins> (new)."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old_part, new_part = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if old_part:
            left.append(_marked("del", old_part))
        if new_part:
            right.append(_marked("ins", new_part))
    return "".join(left), "".join(right)


def content_diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], fields: tuple[str, ...]
) -> list[FieldDiff]:
    """Field-by-field differences between two contents, changed words highlighted (long texts by word too)."""
    diffs = []
    for name in changed_fields(before or {}, after, fields):
        old, new = _text((before or {}).get(name)), _text(after.get(name))
        old_html, new_html = _words_marked(old, new)
        diffs.append(FieldDiff(name, field_label(name), old, new, old_html, new_html))
    return diffs


# --- Who is changing content, and how (read by the versions service; set by pages, the API and bulk paths) ---


@dataclass(frozen=True)
class ContentChange:
    """How the current writes change content: the version's `change_type`, `source`, reason and changeset."""

    change_type: str = "manual"  # listings.choices.ChangeType
    source: str = "user"
    reason: str = ""
    changeset_id: int | None = None
    # Writers inside a rollback or an undo leave the version to it: one version per restored object.
    hold: bool = False


_current: contextvars.ContextVar[ContentChange | None] = contextvars.ContextVar("content_change", default=None)


def current_change() -> ContentChange:
    return _current.get() or ContentChange()


@contextmanager
def content_change(**fields: Any) -> Iterator[ContentChange]:
    """Versions written inside this block carry these fields (the others stay as the enclosing block set them)."""
    change = replace(current_change(), **fields)
    token = _current.set(change)
    try:
        yield change
    finally:
        _current.reset(token)
