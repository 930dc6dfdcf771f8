"""Category suggestion: a text classifier trained at run time on the seller's own catalog (titles -> category).

Nothing is downloaded: TF-IDF of word and character n-grams and a logistic regression (scikit-learn), fitted on
the products of our database. The model is cached per catalog fingerprint (count and last change) in the process.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

MIN_EXAMPLES = 4  # below this many labelled products there is nothing to learn from
_cache: dict[str, Any] = {}


@dataclass(frozen=True)
class CategoryGuess:
    label: int
    probability: float


def _train(texts: Sequence[str], labels: Sequence[int]) -> Any:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), min_df=1)),
            ("chars", TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 4), min_df=1)),
        ]
    )
    model = make_pipeline(features, LogisticRegression(max_iter=300, C=10.0))
    model.fit(list(texts), list(labels))
    return model


def suggest_category(text: str, *, fingerprint: str, examples: Any, top: int = 3) -> list[CategoryGuess]:
    """The `top` likeliest categories of `text`; `examples()` gives (texts, labels) when the model is not cached."""
    if not text.strip():
        return []
    model = _cache.get(fingerprint)
    if model is None:
        texts, labels = examples()
        if len(texts) < MIN_EXAMPLES or len(set(labels)) < 2:
            return []
        _cache.clear()
        model = _cache[fingerprint] = _train(texts, labels)
    probabilities = model.predict_proba([text])[0]
    ranked = sorted(zip(model.classes_, probabilities, strict=True), key=lambda pair: -pair[1])[:top]
    return [CategoryGuess(label=int(label), probability=float(p)) for label, p in ranked]
