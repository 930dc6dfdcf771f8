"""The analysis engine interface, the offline engine (the default) and the OpenAI-compatible HTTP engine
(docs/intake.md#engines).

An engine turns photos and text into raw observations (barcodes, words, colours, category guesses); the analysis
phase turns those into fields with evidence and confidence, whichever engine ran.
"""

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from importlib.metadata import version as package_version
from typing import Any

import requests
from django.conf import settings
from PIL import Image

from . import barcodes, classifier, colours, ocr

Examples = Callable[[], tuple[list[str], list[int]]]  # our catalog's (texts, category ids), read when needed
CategoryNames = Callable[[], dict[int, str]]  # category id -> full name, read when needed


class AnalysisEngine(ABC):
    code: str = ""
    label: str = ""

    @property
    @abstractmethod
    def version(self) -> str: ...

    @abstractmethod
    def read_barcodes(self, img: Image.Image) -> list[dict[str, Any]]: ...

    @abstractmethod
    def read_label(self, img: Image.Image) -> ocr.LabelReading:
        """The words on the photo and the angle its text was turned level from (docs/intake.md#phase-1)."""

    @abstractmethod
    def dominant_colours(self, img: Image.Image) -> list[dict[str, Any]]: ...

    @abstractmethod
    def suggest_category(
        self, text: str, *, fingerprint: str, examples: Examples, categories: CategoryNames
    ) -> list[classifier.CategoryGuess]:
        """The likeliest categories of `text`; `examples()` gives our catalog's (texts, category ids) and
        `categories()` the category names, each read only if the engine needs it."""


class OfflineEngine(AnalysisEngine):
    """Runs on this machine's CPU: zxing-cpp, tesseract, NumPy/Pillow and a scikit-learn model of our catalog."""

    code = "offline"
    label = "Offline (zxing-cpp, tesseract, scikit-learn)"

    @property
    def version(self) -> str:
        return f"offline-1; zxing-cpp {package_version('zxing-cpp')}; tesseract {ocr.tesseract_version() or '-'}"

    def read_barcodes(self, img: Image.Image) -> list[dict[str, Any]]:
        return barcodes.read_barcodes(img)

    def read_label(self, img: Image.Image) -> ocr.LabelReading:
        if not ocr.tesseract_version():
            return ocr.LabelReading()
        return ocr.read_label(img)

    def dominant_colours(self, img: Image.Image) -> list[dict[str, Any]]:
        return colours.dominant_colours(img)

    def suggest_category(
        self, text: str, *, fingerprint: str, examples: Examples, categories: CategoryNames
    ) -> list[classifier.CategoryGuess]:
        return classifier.suggest_category(text, fingerprint=fingerprint, examples=examples)


class HttpEngine(OfflineEngine):
    """An OpenAI-compatible chat-completions endpoint chooses the category among ours; barcodes, text and colours
    stay offline, so their evidence is the same. URL, model and key come from the environment (INTAKE_HTTP_*)."""

    code = "http"
    label = "HTTP (OpenAI-compatible)"

    @property
    def version(self) -> str:
        return f"http-1; {settings.INTAKE_HTTP_ENGINE_MODEL}"

    def suggest_category(
        self, text: str, *, fingerprint: str, examples: Examples, categories: CategoryNames
    ) -> list[classifier.CategoryGuess]:
        names = categories()
        if not text.strip() or not names:
            return []
        answer = chat_json(
            system="You classify products into one of the seller's categories. Answer with JSON only: "
            '{"category_id": <one of the ids>, "confidence": <0 to 1>}.',
            user=f"Item text: {text[:2000]}\nCategories:\n" + "\n".join(f"{pk}: {n}" for pk, n in names.items()),
        )
        try:
            label, probability = int(answer["category_id"]), float(answer["confidence"])
        except (KeyError, TypeError, ValueError) as exc:
            raise EngineError(f"The HTTP engine answered without a category_id and confidence: {answer!r}") from exc
        if label not in names:
            raise EngineError(f"The HTTP engine chose category {label}, which is not one of ours.")
        return [classifier.CategoryGuess(label=label, probability=max(0.0, min(1.0, probability)))]


class EngineError(Exception):
    """The engine could not answer; the phase fails with this message and can be retried."""

    @property
    def message(self) -> str:
        return str(self)


def chat_json(*, system: str, user: str) -> dict[str, Any]:
    """POST one chat completion asking for a JSON object; the parsed object."""
    url = settings.INTAKE_HTTP_ENGINE_URL.rstrip("/")
    if not url or not settings.INTAKE_HTTP_ENGINE_MODEL:
        raise EngineError("The HTTP engine needs INTAKE_HTTP_ENGINE_URL and INTAKE_HTTP_ENGINE_MODEL.")
    body = {
        "model": settings.INTAKE_HTTP_ENGINE_MODEL,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "temperature": 0,
        "response_format": {"type": "json_object"},
    }
    headers = {"Content-Type": "application/json"}
    if settings.INTAKE_HTTP_ENGINE_KEY:
        headers["Authorization"] = f"Bearer {settings.INTAKE_HTTP_ENGINE_KEY}"
    try:
        response = requests.post(
            f"{url}/chat/completions", json=body, headers=headers, timeout=settings.INTAKE_HTTP_ENGINE_TIMEOUT
        )
    except requests.RequestException as exc:
        raise EngineError(f"The HTTP engine did not answer: {type(exc).__name__}.") from exc
    if response.status_code != 200:
        raise EngineError(f"The HTTP engine answered {response.status_code}: {response.text[:200]}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
        answer = json.loads(content)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise EngineError("The HTTP engine's answer is not a chat completion with a JSON object.") from exc
    if not isinstance(answer, dict):
        raise EngineError("The HTTP engine's answer is not a JSON object.")
    return answer


ENGINES: dict[str, type[AnalysisEngine]] = {OfflineEngine.code: OfflineEngine, HttpEngine.code: HttpEngine}


def get_engine(code: str | None = None) -> AnalysisEngine:
    """The engine named `code`, or the configured one (INTAKE_ENGINE, "offline" by default)."""
    return ENGINES[code or settings.INTAKE_ENGINE]()
