"""The analysis engine interface and the offline engine, the default (docs/intake.md#engines).

An engine turns photos and text into raw observations (barcodes, words, colours, category guesses); the analysis
phase turns those into fields with evidence and confidence, whichever engine ran. An OpenAI-compatible HTTP engine
would implement the same methods.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
from importlib.metadata import version as package_version
from typing import Any

from PIL import Image

from . import barcodes, classifier, colours, ocr


class AnalysisEngine(ABC):
    code: str = ""
    label: str = ""

    @property
    @abstractmethod
    def version(self) -> str: ...

    @abstractmethod
    def read_barcodes(self, img: Image.Image) -> list[dict[str, Any]]: ...

    @abstractmethod
    def read_words(self, img: Image.Image) -> list[dict[str, Any]]: ...

    @abstractmethod
    def dominant_colours(self, img: Image.Image) -> list[dict[str, Any]]: ...

    @abstractmethod
    def suggest_category(
        self, text: str, *, fingerprint: str, examples: Callable[[], tuple[list[str], list[int]]]
    ) -> list[classifier.CategoryGuess]: ...


class OfflineEngine(AnalysisEngine):
    """Runs on this machine's CPU: zxing-cpp, tesseract, NumPy/Pillow and a scikit-learn model of our catalog."""

    code = "offline"
    label = "Offline (zxing-cpp, tesseract, scikit-learn)"

    @property
    def version(self) -> str:
        return f"offline-1; zxing-cpp {package_version('zxing-cpp')}; tesseract {ocr.tesseract_version() or '-'}"

    def read_barcodes(self, img: Image.Image) -> list[dict[str, Any]]:
        return barcodes.read_barcodes(img)

    def read_words(self, img: Image.Image) -> list[dict[str, Any]]:
        if not ocr.tesseract_version():
            return []
        return ocr.read_words(img)

    def dominant_colours(self, img: Image.Image) -> list[dict[str, Any]]:
        return colours.dominant_colours(img)

    def suggest_category(
        self, text: str, *, fingerprint: str, examples: Callable[[], tuple[list[str], list[int]]]
    ) -> list[classifier.CategoryGuess]:
        return classifier.suggest_category(text, fingerprint=fingerprint, examples=examples)


ENGINES: dict[str, type[AnalysisEngine]] = {OfflineEngine.code: OfflineEngine}
DEFAULT_ENGINE = OfflineEngine.code


def get_engine(code: str = DEFAULT_ENGINE) -> AnalysisEngine:
    return ENGINES[code]()
