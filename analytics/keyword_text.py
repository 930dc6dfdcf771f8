"""Pure text helpers of the keywords (docs/analytics.md#keywords): normalising a keyword, splitting content into
words and candidate phrases, and telling whether a keyword occurs in a text. No database here."""

import re
import unicodedata
from collections.abc import Iterable, Iterator

KEYWORD_MAX_LENGTH = 255
PHRASE_MAX_WORDS = 3  # candidate phrases are 1 to 3 words: longer runs are rarely typed as one search
WORD_RE = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*")  # letters/digits, keeping "men's" and "2.5" together
# Phrase breaks: punctuation between words, a dash between spaces, a full stop (not a decimal point). A hyphen
# inside a word ("shut-off") is no break: its parts stay one phrase.
SEGMENT_SPLIT_RE = re.compile(r"[,;:|/()\[\]{}!?•·–—+&\"]+|\s-+\s|\.(?!\d)")

# Words that carry no search intent on their own; a candidate phrase never starts or ends with one.
STOP_WORDS = frozenset(
    """a an and are as at be by for from has have in into is it its of on or our the this that to with without
    your you we will can per all any new more most very also than up out over under only just not no yes
    ideal perfect great best pcs pc x""".split()  # noqa: SIM905
)


class KeywordError(ValueError):
    """A keyword that cannot be stored (no letter or digit, too long)."""


def normalize(text: str) -> str:
    """The form keywords are compared in: NFKC (full-width letters, ligatures), casefolded, trimmed, one space
    between words. "  Ｋettle  SET " and "kettle set" normalise alike."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def clean_display(text: str) -> str:
    """The keyword as typed, trimmed and with single spaces (case kept for display)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def keyword_check(text: str) -> str:
    """The normalised keyword, or KeywordError saying why it cannot be one."""
    normalized = normalize(text)
    if not normalized:
        raise KeywordError("Enter a keyword.")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in normalized):
        raise KeywordError(f"A keyword needs at least one letter or digit; {text.strip()!r} is only punctuation.")
    if len(normalized) > KEYWORD_MAX_LENGTH:
        raise KeywordError(f"A keyword is at most {KEYWORD_MAX_LENGTH} characters (got {len(normalized)}).")
    return normalized


def words(text: str) -> list[str]:
    """The normalised words of a text, in order (punctuation dropped)."""
    return WORD_RE.findall(normalize(text))


def _segments(text: str) -> Iterator[list[str]]:
    """Runs of words between punctuation marks: a phrase never spans a comma or a dash."""
    for part in SEGMENT_SPLIT_RE.split(normalize(text)):
        found = WORD_RE.findall(part)
        if found:
            yield found


def _useful(word: str) -> bool:
    return word not in STOP_WORDS and (len(word) > 1 or word.isdigit())


def phrases(text: str, max_words: int = PHRASE_MAX_WORDS) -> set[str]:
    """Candidate keywords of a text: single useful words and runs of 2..max_words words that neither start nor
    end with a stop word, inside one punctuation-free segment."""
    found: set[str] = set()
    for segment in _segments(text):
        for start, first in enumerate(segment):
            if not _useful(first):
                continue
            for size in range(1, max_words + 1):
                run = segment[start : start + size]
                if len(run) < size:
                    break
                if _useful(run[-1]):
                    found.add(" ".join(run))
    return found


def contains_phrase(text_words: list[str], keyword_words: list[str]) -> bool:
    """True when the keyword's words occur in the text in order, next to each other."""
    size = len(keyword_words)
    if not size:
        return False
    return any(text_words[i : i + size] == keyword_words for i in range(len(text_words) - size + 1))


def coverage_of(keyword: str, text_words: Iterable[str] | list[str]) -> str:
    """ "phrase" (the words in order), "words" (every word, in another order or apart) or "" (missing)."""
    kw = words(keyword)
    listed = list(text_words)
    if contains_phrase(listed, kw):
        return "phrase"
    if kw and set(kw) <= set(listed):
        return "words"
    return ""
