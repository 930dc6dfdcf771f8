"""Amazon's published content rules as pure checks (docs/marketplaces/amazon.md#listing-limits and
docs/marketplaces/amazon.md#content-fields); `listings/readiness.py` turns their findings into readiness issues.

Each check returns findings `(code, message, fix)`; nothing here reads the database.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator

from catalog.validators import BULLET_COUNT, BULLET_MAX_LENGTH, SEARCH_TERMS_MAX_BYTES, utf8_length

Finding = tuple[str, str, str]  # (code, message, fix)

TITLE_PROHIBITED = "!$?_{}^¬¦"  # Amazon: not allowed in item_name
# Function words exempt from "no word more than twice": articles, prepositions and conjunctions.
EXEMPT_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "nor",
        "but",
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
        "for",
        "per",
        "via",
        "as",
        "about",
        "above",
        "across",
        "after",
        "against",
        "along",
        "among",
        "around",
        "before",
        "behind",
        "below",
        "beneath",
        "beside",
        "between",
        "beyond",
        "during",
        "except",
        "inside",
        "near",
        "off",
        "out",
        "outside",
        "since",
        "through",
        "throughout",
        "till",
        "toward",
        "towards",
        "until",
        "up",
        "upon",
        "within",
        "without",
        "&",
        "+",
        "-",
        "x",
        "/",
        "und",
        "oder",
        "mit",
        "für",
        "de",
        "la",
        "le",
        "les",
        "et",
        "ou",
        "pour",
        "avec",
    ]
)
PROMOTIONAL_PHRASES = (
    "free shipping",
    "free delivery",
    "best seller",
    "bestseller",
    "best-seller",
    "100% quality",
    "100% satisfaction",
    "hot sale",
    "sale",
    "limited time",
    "buy now",
    "top rated",
    "money back",
    "guaranteed",
)
# Upper-case words that are not shouting: units, standards and common acronyms (warning otherwise).
KNOWN_ACRONYMS = frozenset(
    [
        "USB",
        "HDMI",
        "LED",
        "LCD",
        "OLED",
        "UV",
        "UK",
        "US",
        "USA",
        "EU",
        "XL",
        "XXL",
        "XS",
        "XXS",
        "SM",
        "ML",
        "MM",
        "CM",
        "KG",
        "LB",
        "OZ",
        "GB",
        "TB",
        "MB",
        "PC",
        "PCS",
        "SSD",
        "HDD",
        "CPU",
        "GPU",
        "AC",
        "DC",
        "TV",
        "HD",
        "UHD",
        "4K",
        "8K",
        "NFC",
        "GPS",
        "BPA",
        "PVC",
        "ABS",
        "RGB",
        "DIY",
        "ID",
        "AAA",
        "AA",
        "PH",
        "SPF",
        "II",
        "III",
        "IV",
    ]
)
BULLET_ADVISED_LENGTH = 250  # most categories' style guides advise shorter bullets than the 500 allowed [S]
_WORD = re.compile(r"[\w'&+%-]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text) is not None


def title_findings(title: str) -> Iterator[Finding]:
    """Blocking findings of Amazon's title rules: prohibited characters, a word more than twice, promotions."""
    bad = sorted({ch for ch in title if ch in TITLE_PROHIBITED}, key=TITLE_PROHIBITED.index)
    if bad:
        yield (
            "title_prohibited_characters",
            f"The title contains {' '.join(bad)}, which Amazon does not allow in titles.",
            f"Remove {' '.join(bad)} from the title (or set an Amazon title override without them).",
        )
    counts = Counter(w.lower() for w in _words(title))
    repeated = sorted(w for w, n in counts.items() if n > 2 and w not in EXEMPT_WORDS and not w.isdigit())
    if repeated:
        listed = ", ".join(f"'{w}' ({counts[w]}×)" for w in repeated)
        yield (
            "title_word_repeated",
            f"The title repeats {listed}; Amazon allows a word at most twice.",
            "Reword the title so no word other than articles, prepositions and conjunctions appears more than twice.",
        )
    lowered = title.lower()
    promos = [p for p in PROMOTIONAL_PHRASES if _phrase_in(p, lowered)]
    if promos:
        yield (
            "title_promotional",
            f"The title has promotional wording ({', '.join(repr(p) for p in promos)}), which Amazon does not allow.",
            "Remove offers, shipping and quality claims from the title; describe the product instead.",
        )


def title_caps_words(title: str) -> list[str]:
    """Words written in capitals that are not known acronyms (Amazon: no ALL-CAPS words; a warning here)."""
    out = []
    for word in _words(title):
        letters = [c for c in word if c.isalpha()]
        shouting = len(letters) >= 2 and all(c.isupper() for c in letters)
        if shouting and word.upper() not in KNOWN_ACRONYMS and word not in out:
            out.append(word)
    return out


def bullet_findings(bullets: Iterable[str]) -> Iterator[tuple[str, str, str, bool]]:
    """Findings on the bullet points: (code, message, fix, blocking)."""
    items = list(bullets)
    if len(items) > BULLET_COUNT:
        yield (
            "bullets_too_many",
            f"{len(items)} bullet points; Amazon takes at most {BULLET_COUNT}.",
            f"Keep the {BULLET_COUNT} most useful bullet points.",
            True,
        )
    for n, text in enumerate(items, start=1):
        if len(text) > BULLET_MAX_LENGTH:
            yield (
                "bullet_too_long",
                f"Bullet {n} has {len(text)} characters; Amazon takes at most {BULLET_MAX_LENGTH}.",
                f"Shorten bullet {n} to {BULLET_MAX_LENGTH} characters or fewer.",
                True,
            )
        elif len(text) > BULLET_ADVISED_LENGTH:
            yield (
                "bullet_long",
                f"Bullet {n} has {len(text)} characters; most Amazon categories advise at most "
                f"{BULLET_ADVISED_LENGTH}.",
                f"Shorten bullet {n} so it reads completely on mobile.",
                False,
            )


def search_terms_finding(terms: str) -> Finding | None:
    size = utf8_length(terms or "")
    if size <= SEARCH_TERMS_MAX_BYTES:
        return None
    return (
        "search_terms_too_long",
        f"Search terms are {size} bytes in UTF-8; Amazon indexes at most {SEARCH_TERMS_MAX_BYTES} bytes.",
        "Remove words, starting with those already in the title (Amazon needs no repeats of title words).",
    )
