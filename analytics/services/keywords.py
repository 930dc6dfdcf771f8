"""Keywords of a listing (docs/analytics.md#keywords): add, change, delete, mark primary or tracked; extract them
from the listing's own content; suggest more from competitors' titles and our catalog (offline); show which
tracked keywords the content covers; import Amazon's Search Terms and Search Query Performance rows.
Pages, API and admin call these."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.keyword_selectors import primary_keywords, primary_keywords_bulk
from analytics.keyword_text import KeywordError, coverage_of, keyword_check, normalize, phrases, words
from analytics.models import Keyword, KeywordSource
from analytics.services.keyword_imports import (
    KeywordImportResult,
    keywords_import_query_performance,
    keywords_import_search_terms,
)
from catalog.selectors import product_list
from common.actors import Actor as User
from common.errors import ApplicationError
from competitors.selectors import competitor_list
from listings.effective import effective_bullet_points, effective_text, effective_title
from listings.models import Listing

# Re-exported: the listing score reads the primary keywords; the report wiring calls the imports from here.
__all__ = [
    "KeywordImportResult",
    "keywords_import_query_performance",
    "keywords_import_search_terms",
    "primary_keywords",
    "primary_keywords_bulk",
]

# The fields each entry point (form, serializer, admin) may set, in the order they are shown.
KEYWORD_FIELDS: tuple[str, ...] = (
    "keyword",
    "source",
    "is_tracked",
    "is_primary",
    "search_volume",
    "search_volume_trend",
    "organic_rank",
    "sponsored_rank",
    "relevance_score",
    "conversion_rate",
)
EXTRACT_LIMIT = 30  # keywords taken from one listing's content; a title and five bullets give ~150 candidates
SUGGESTION_LIMIT = 20
CATALOG_SAMPLE = 300  # products of the same category read for co-occurrence; bounds the page's work
SUGGESTION_CANDIDATES = 200  # best-scored candidates kept before removing phrases a longer one covers
BULLET_BREAK = "\u2029"  # between bullets, so a phrase never runs from one bullet into the next


def _normalized(text: str) -> str:
    try:
        return keyword_check(text)
    except KeywordError as exc:
        raise ValidationError({"keyword": str(exc)}) from exc


def _save(keyword: Keyword) -> Keyword:
    keyword.last_updated = timezone.now()
    keyword.full_clean()
    keyword.save()
    return keyword


def _check_fields(fields: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields).difference(allowed)
    if unknown:
        raise ApplicationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")


# --- add, change, delete ---


@transaction.atomic
def keyword_add_or_merge(*, listing: Listing, keyword: str, user: User = None, **fields: Any) -> tuple[Keyword, bool]:
    """Add a keyword to a listing; one that normalises like an existing one ("Kettle", "KETTLE") is that row:
    the given flags and figures go onto it, its spelling and source stay. Returns (row, created)."""
    _check_fields(fields, KEYWORD_FIELDS)
    normalized = _normalized(keyword)
    existing = Keyword.objects.select_for_update().filter(listing=listing, keyword_normalized=normalized).first()
    if existing is not None:
        for name, value in fields.items():
            if name != "source":
                setattr(existing, name, value)
        if fields.get("is_primary") and "is_tracked" not in fields:
            existing.is_tracked = True
        return _save(existing), False
    row = Keyword(listing=listing, keyword=keyword, **fields)
    if row.is_primary and "is_tracked" not in fields:
        row.is_tracked = True  # primary implies tracked; an explicit is_tracked=False is refused by clean()
    return _save(row), True


def keyword_add(*, listing: Listing, keyword: str, user: User = None, **fields: Any) -> Keyword:
    """Add a keyword (a case duplicate of an existing one merges into it, see keyword_add_or_merge)."""
    return keyword_add_or_merge(listing=listing, keyword=keyword, user=user, **fields)[0]


@transaction.atomic
def keyword_update(*, row: Keyword, user: User = None, **fields: Any) -> Keyword:
    """Change a keyword (`row`): its text, source, flags or figures; new text that normalises like another
    keyword of the same listing is refused on `keyword`."""
    _check_fields(fields, KEYWORD_FIELDS)
    if "keyword" in fields:
        normalized = _normalized(fields["keyword"])
        clash = Keyword.objects.filter(listing_id=row.listing_id, keyword_normalized=normalized)
        if clash.exclude(pk=row.pk).exists():
            raise ValidationError({"keyword": f"This listing already has the keyword {normalized!r}."})
    for name, value in fields.items():
        setattr(row, name, value)
    return _save(row)


@transaction.atomic
def keyword_delete(*, row: Keyword, user: User = None) -> None:
    row.delete()


@transaction.atomic
def keyword_primary_set(*, row: Keyword, is_primary: bool, user: User = None) -> Keyword:
    """Mark or unmark primary; a primary keyword is always tracked."""
    row.is_primary = is_primary
    row.is_tracked = row.is_tracked or is_primary
    return _save(row)


@transaction.atomic
def keyword_tracked_set(*, row: Keyword, is_tracked: bool, user: User = None) -> Keyword:
    """Track or stop tracking; a keyword no longer tracked is no longer primary either."""
    row.is_tracked = is_tracked
    row.is_primary = row.is_primary and is_tracked
    return _save(row)


# --- the listing's own content ---


@dataclass(frozen=True)
class ListingContent:
    """The texts a marketplace searches: the effective title, bullet points and search terms (backend)."""

    title: str
    bullets: tuple[str, ...]
    search_terms: str

    @property
    def title_words(self) -> list[str]:
        return words(self.title)

    @property
    def bullet_words(self) -> list[str]:
        out: list[str] = []
        for bullet in self.bullets:
            out += [*words(bullet), BULLET_BREAK]
        return out

    @property
    def search_term_words(self) -> list[str]:
        return words(self.search_terms)

    def phrases(self) -> set[str]:
        return phrases(self.title) | phrases(self.search_terms) | set().union(*(phrases(b) for b in self.bullets))


def listing_content(listing: Listing) -> ListingContent:
    return ListingContent(
        title=effective_title(listing).value,
        bullets=effective_bullet_points(listing).value,
        search_terms=effective_text(listing, "search_terms").value,
    )


EXTRACT_WEIGHTS = ((KeywordSource.TITLE, 3), (KeywordSource.BULLETS, 2), (KeywordSource.BACKEND, 1))


@transaction.atomic
def keywords_extract(*, listing: Listing, user: User = None, limit: int = EXTRACT_LIMIT) -> list[Keyword]:
    """Add the listing's own phrases (title, bullets, search terms) as untracked keywords, best first.

    A phrase scores 3 for the title, 2 for the bullets, 1 for the search terms (relevance = score / 6 as 0-100);
    ties go to the phrase used more often, then the longer one. Its source is the first field it is in. Phrases
    already kept as keywords are left alone. Returns the rows added."""
    content = listing_content(listing)
    found = {
        KeywordSource.TITLE: phrases(content.title),
        KeywordSource.BULLETS: set().union(*(phrases(b) for b in content.bullets)),
        KeywordSource.BACKEND: phrases(content.search_terms),
    }
    everything = " ".join((content.title, *content.bullets, content.search_terms))
    all_words = words(everything)
    kept = set(Keyword.objects.filter(listing=listing).values_list("keyword_normalized", flat=True))
    scored = []
    for phrase in set().union(*found.values()) - kept:
        score = sum(weight for source, weight in EXTRACT_WEIGHTS if phrase in found[source])
        uses = _occurrences(all_words, phrase.split())
        scored.append((-score, -uses, -len(phrase.split()), phrase))
    rows = []
    for neg_score, _uses, _size, phrase in sorted(scored)[:limit]:
        source = next(s for s, _w in EXTRACT_WEIGHTS if phrase in found[s])
        relevance = (Decimal(-neg_score) * 100 / 6).quantize(Decimal("0.01"))
        row = Keyword(listing=listing, keyword=phrase, source=source, is_tracked=False, relevance_score=relevance)
        row.last_updated = timezone.now()
        row.full_clean(validate_constraints=False)
        rows.append(row)
    return Keyword.objects.bulk_create(rows)


def _occurrences(text_words: list[str], phrase_words: list[str]) -> int:
    size = len(phrase_words)
    return sum(1 for i in range(len(text_words) - size + 1) if text_words[i : i + size] == phrase_words)


# --- coverage ---


@dataclass(frozen=True)
class KeywordCoverage:
    """Where a tracked keyword occurs: per field "phrase" (its words in order), "words" (all its words, apart)
    or "" (missing)."""

    keyword: Keyword
    title: str
    bullets: str
    search_terms: str

    @property
    def is_covered(self) -> bool:
        return any((self.title, self.bullets, self.search_terms))


def keyword_coverage(*, listing: Listing, content: ListingContent | None = None) -> list[KeywordCoverage]:
    """Which tracked keywords the listing's title, bullets and search terms contain (docs/analytics.md#coverage)."""
    content = content or listing_content(listing)
    title, bullets, terms = content.title_words, content.bullet_words, content.search_term_words
    tracked = Keyword.objects.filter(listing=listing, is_tracked=True).order_by("-is_primary", "keyword_normalized")
    return [
        KeywordCoverage(
            keyword=row,
            title=coverage_of(row.keyword_normalized, title),
            bullets=coverage_of(row.keyword_normalized, bullets),
            search_terms=coverage_of(row.keyword_normalized, terms),
        )
        for row in tracked
    ]


# --- suggestions ---


@dataclass(frozen=True)
class KeywordSuggestion:
    """A phrase our listing lacks, with the evidence for it: how many of its competitors' titles and of the
    related catalog products (same category, sharing a title word) use it. `score` 0-100 = 60 x competitor
    share + 40 x catalog share."""

    keyword: str
    score: Decimal
    competitor_hits: int
    competitor_total: int
    catalog_hits: int
    catalog_total: int

    @property
    def source(self) -> str:
        return KeywordSource.COMPETITOR if self.competitor_hits else KeywordSource.SUGGESTED

    @property
    def evidence(self) -> str:
        parts = []
        if self.competitor_hits:
            parts.append(f"in {self.competitor_hits} of {self.competitor_total} competitors' titles")
        if self.catalog_hits:
            parts.append(f"in {self.catalog_hits} of {self.catalog_total} related products")
        return "; ".join(parts)


def _competitor_titles(listing: Listing) -> list[str]:
    rows = competitor_list().filter(listings=listing).values_list("title", "name")
    return [title or name for title, name in rows if title or name]


def _catalog_texts(listing: Listing, own_words: set[str]) -> list[str]:
    """Texts of the related products: same category, at least one title word in common with ours."""
    product = listing.product
    if not product.category_id:
        return []
    fields = ("title", "search_terms", *(f"bullet_point_{n}" for n in range(1, 6)))
    rows = (
        product_list()
        .filter(category_id=product.category_id)
        .exclude(pk=product.pk)
        .order_by("-id")
        .values_list(*fields)[:CATALOG_SAMPLE]
    )
    return [" , ".join(row) for row in rows if own_words & set(words(row[0]))]


def _document_frequency(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(phrases(text))
    return counts


def _subsumed(phrase: str, longer: Iterable[str]) -> bool:
    padded = f" {phrase} "
    return any(padded in f" {other} " for other in longer)


def keyword_suggestions(*, listing: Listing, limit: int = SUGGESTION_LIMIT) -> list[KeywordSuggestion]:
    """Phrases worth adding, computed offline from the competitors linked to the listing and the related
    products of our catalog (term frequency and co-occurrence); none the listing already has, as a keyword or in
    its content. A phrase is dropped when a longer suggested phrase containing it has the same evidence."""
    content = listing_content(listing)
    own = content.phrases() | set(Keyword.objects.filter(listing=listing).values_list("keyword_normalized", flat=True))
    titles = _competitor_titles(listing)
    catalog = _catalog_texts(listing, set(content.title_words) - {BULLET_BREAK})
    by_competitors = _document_frequency(titles)
    by_catalog = _document_frequency(catalog)
    scored = []
    for phrase in (set(by_competitors) | set(by_catalog)) - own:
        hits, related = by_competitors[phrase], by_catalog[phrase]
        if not hits and related < 2:  # one other product's phrase is no pattern
            continue
        score = Decimal(60 * hits) / max(len(titles), 1) + Decimal(40 * related) / max(len(catalog), 1)
        scored.append((score.quantize(Decimal("0.01")), hits, related, phrase))
    scored.sort(key=lambda s: (-s[0], -len(s[3].split()), s[3]))
    kept: dict[tuple[int, int], list[str]] = {}
    out = []
    for score, hits, related, phrase in scored[:SUGGESTION_CANDIDATES]:
        same_evidence = kept.setdefault((hits, related), [])
        if _subsumed(phrase, same_evidence):
            continue
        same_evidence.append(phrase)
        out.append(KeywordSuggestion(phrase, score, hits, len(titles), related, len(catalog)))
    return out[:limit]


def keyword_normalize(text: str) -> str:
    """The normalised form of a keyword (NFKC, casefold, trim, single spaces), no checks."""
    return normalize(text)
