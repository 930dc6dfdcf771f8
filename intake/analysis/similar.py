"""Similar items by text: TF-IDF cosine similarity of a query against candidate titles (scikit-learn, offline)."""

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

MIN_SIMILARITY = 0.1  # cosine of character 3-4-grams below which a title is not "similar" (set on tests/intake titles)


def most_similar(query: str, titles: Sequence[str], *, top: int = 5) -> list[tuple[int, float]]:
    """(index into `titles`, similarity) of the `top` titles most like `query`, best first, above the floor."""
    if not query.strip() or not titles:
        return []
    vectorizer = TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 4))
    matrix = vectorizer.fit_transform([*titles, query])
    scores = linear_kernel(matrix[-1], matrix[:-1]).ravel()
    ranked = sorted(enumerate(scores), key=lambda pair: -pair[1])[:top]
    return [(int(i), round(float(s), 3)) for i, s in ranked if s >= MIN_SIMILARITY]
