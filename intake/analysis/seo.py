"""SEO text rules (docs/intake.md#phase-3): keywords, titles within a marketplace's limit and Amazon's title rules,
backend search terms within 250 bytes. Pure functions on strings; the SEO phase decides what goes in (only fields
with evidence).
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence

AMAZON_TITLE_MAX = 200
AMAZON_FORBIDDEN_CHARS = "!$?_{}^¬¦"
SEARCH_TERMS_MAX_BYTES = 250
MAX_WORD_REPEATS = 2  # Amazon: no word more than twice in a title, except the small words below
# Articles, prepositions and conjunctions, which Amazon lets repeat (and which make no keyword).
SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "for",
        "so",
        "yet",
        "of",
        "in",
        "on",
        "at",
        "to",
        "by",
        "with",
        "from",
        "into",
        "onto",
        "over",
        "under",
        "per",
        "as",
        "&",
    ]
)
# Promotional or subjective phrases Amazon refuses in titles (and which we never put anywhere).
PROMO_PHRASES = (
    "free shipping", "free delivery", "best seller", "best-seller", "bestseller", "best selling", "100% quality",
    "100% satisfaction", "satisfaction guaranteed", "money back guarantee", "hot sale", "on sale", "best price",
    "lowest price", "cheapest", "limited time", "top rated", "top seller", "hot item", "great deal", "#1",
)  # fmt: skip
WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ][0-9A-Za-zÀ-ÖØ-öø-ÿ'.\-]*")


def _norm(word: str) -> str:
    return word.lower().strip(".'-")


def words(text: str) -> list[str]:
    return [w.strip(".'-") for w in WORD.findall(text or "") if w.strip(".'-")]


def promo_phrases_in(text: str) -> list[str]:
    lower = f" {(text or '').lower()} "
    return [p for p in PROMO_PHRASES if re.search(rf"(?<![0-9a-z]){re.escape(p)}(?![0-9a-z])", lower)]


def repeated_words(text: str) -> list[str]:
    counts = Counter(_norm(w) for w in words(text))
    return sorted(w for w, n in counts.items() if n > MAX_WORD_REPEATS and w not in SMALL_WORDS)


def title_issues(title: str, limit: int, *, amazon: bool) -> list[str]:
    """What is wrong with `title` on a marketplace: its length limit, and on Amazon the title rules."""
    issues = []
    if not title.strip():
        issues.append("empty")
    if len(title) > limit:
        issues.append(f"{len(title)} characters; at most {limit}")
    if amazon:
        bad = sorted({c for c in title if c in AMAZON_FORBIDDEN_CHARS})
        if bad:
            issues.append("forbidden characters: " + " ".join(bad))
        repeats = repeated_words(title)
        if repeats:
            issues.append("words more than twice: " + ", ".join(repeats))
        promos = promo_phrases_in(title)
        if promos:
            issues.append("promotional phrases: " + ", ".join(promos))
    return issues


def strip_promotions(text: str) -> str:
    for phrase in PROMO_PHRASES:
        text = re.sub(rf"(?i)(?<![0-9a-z]){re.escape(phrase)}(?![0-9a-z])", " ", text)
    return _tidy(text)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,;:])", r"\1", text)
    return re.sub(r"^[,;:\-\s]+|[,;:\-\s]+$", "", text)


def compose_title(parts: Sequence[str]) -> str:
    """Join title parts in order, skipping a part a later part contains (the brand inside the name) or whose words
    all appear already."""
    tidy = [_tidy(str(part or "")) for part in parts]
    out: list[str] = []
    seen: set[str] = set()
    for index, part in enumerate(tidy):
        part_words = {_norm(w) for w in words(part)}
        if not part or (part_words and part_words <= seen):
            continue
        if any(_contains(later, part) for later in tidy[index + 1 :]):
            continue  # "ACME" before "ACME Kettle KT-200": the later part says it
        out.append(part)
        seen |= part_words
    return " ".join(out)


def _contains(text: str, part: str) -> bool:
    return bool(re.search(rf"(?i)(?<![0-9a-z]){re.escape(part)}(?![0-9a-z])", text))


def fit_title(title: str, limit: int, *, amazon: bool) -> str:
    """`title` made to pass `title_issues`: on Amazon without forbidden characters, promotional phrases or a word's
    third use; then cut at a word boundary within `limit` characters (Amazon: also within 200)."""
    if amazon:
        limit = min(limit, AMAZON_TITLE_MAX)
        title = "".join(" " if c in AMAZON_FORBIDDEN_CHARS else c for c in title)
        title = strip_promotions(title)
        kept, counts = [], Counter[str]()
        for token in title.split(" "):
            key = " ".join(_norm(w) for w in words(token))
            counts[key] += 1
            if key and key not in SMALL_WORDS and counts[key] > MAX_WORD_REPEATS:
                continue
            kept.append(token)
        title = " ".join(kept)
    title = _tidy(title)
    if len(title) <= limit:
        return title
    cut = title[: limit + 1].rsplit(" ", 1)[0] if " " in title[: limit + 1] else title[:limit]
    return _tidy(cut[:limit])


def keywords(sources: Iterable[tuple[str, str]], *, exclude: Iterable[str] = (), top: int = 40) -> list[dict]:
    """Keywords from (source, text) pairs: words of 3+ characters (or with a digit), not small words or promotions,
    ranked by how many sources and times they occur; each with the sources it came from."""
    excluded = {_norm(w) for w in exclude}
    count: Counter[str] = Counter()
    origin: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for source, text in sources:
        for word in words(strip_promotions(text)):
            key = _norm(word)
            if key in SMALL_WORDS or key in excluded or (len(key) < 3 and not any(c.isdigit() for c in key)):
                continue
            count[key] += 1
            shown.setdefault(key, word.lower())
            if source not in origin.setdefault(key, []):
                origin[key].append(source)
    ranked = sorted(count, key=lambda k: (-len(origin[k]), -count[k], k))[:top]
    return [{"word": shown[k], "sources": origin[k]} for k in ranked]


def search_terms(candidates: Iterable[str], *, title: str = "", max_bytes: int = SEARCH_TERMS_MAX_BYTES) -> str:
    """Backend search terms: space-separated, lower case, each word once, none already in the title, no
    punctuation, cut at a word so the UTF-8 encoding is at most `max_bytes` bytes."""
    in_title = {_norm(w) for w in words(title)}
    out: list[str] = []
    size = 0
    for candidate in candidates:
        for word in words(candidate):
            key = _norm(word)
            if not key or key in in_title or key in SMALL_WORDS or key in out:
                continue
            cost = len(key.encode()) + (1 if out else 0)
            if size + cost > max_bytes:
                return " ".join(out)
            out.append(key)
            size += cost
    return " ".join(out)
