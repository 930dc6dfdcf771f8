"""Comments cite only documents inside the repository, and the documents' own links resolve.

A comment or docstring may point at `docs/<page>.md` (optionally `#<section>`): the page and the section must
exist. It may not cite a document outside the repository: a section sign (the outside research notes are
numbered that way), a path into the shared notes, a Markdown file the repository does not have, or a web
address. Facts taken from outside documents live in `docs/marketplaces/*.md` with their public sources.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", ".git", "node_modules", "__pycache__", "vendor", "media", "staticfiles"}
# Files whose `#` comments are read besides Python: configuration and scripts.
OTHER_COMMENTED = ("pyproject.toml", "Makefile", ".ci/run", "scripts/*.sh", ".env.example")
# Addresses that are our own runtime values given as examples (the local sandbox, the dev server), not citations.
ALLOWED_URL = re.compile(r"https?://(127\.0\.0\.1|localhost)[:/]")

SECTION_SIGN = "\N{SECTION SIGN}"
URL = re.compile(r"https?://[^\s)>\"'`]+")
MD_REF = re.compile(r"(?<![\w/.-])([\w./-]*[\w-]\.md)(#[\w-]+)?")
OUTSIDE = re.compile(r"(^|[\s(`'\"])(\.\./)+shared/|shared/docs/")
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


def python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not SKIPPED_DIRS & set(p.relative_to(ROOT).parts))


def commented_files() -> list[Path]:
    return sorted({p for pattern in OTHER_COMMENTED for p in ROOT.glob(pattern) if p.is_file()})


def python_comments(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment and every module/class/function docstring."""
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                first = node.body[0].lineno
                for offset, line in enumerate(docstring.splitlines()):
                    yield first + offset, line


def other_comments(path: Path) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            yield number, stripped
        elif " #" in line:
            yield number, line[line.index(" #") :]


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.MULTILINE)}


def citation_problems(text: str) -> list[str]:
    """What is wrong with the citations in one comment line (empty when nothing)."""
    problems = []
    if SECTION_SIGN in text:
        problems.append("cites a numbered section of an outside document; point to docs/<page>.md#<section>")
    if OUTSIDE.search(text):
        problems.append("cites the shared notes outside the repository")
    problems += [f"cites {url}" for url in URL.findall(text) if not ALLOWED_URL.match(url)]
    for path, anchor in MD_REF.findall(text):
        page = (ROOT / path).resolve()
        if not page.is_file() or not page.is_relative_to(ROOT):
            problems.append(f"cites {path}, which the repository does not have")
        elif anchor and anchor[1:] not in anchors(page):
            problems.append(f"cites {path}{anchor}, which has no such section")
    return problems


def all_problems() -> list[str]:
    found = []
    for path in python_files():
        for line, text in python_comments(path):
            found += [f"{path.relative_to(ROOT)}:{line}: {p}" for p in citation_problems(text)]
    for path in commented_files():
        for line, text in other_comments(path):
            found += [f"{path.relative_to(ROOT)}:{line}: {p}" for p in citation_problems(text)]
    return found


def test_comments_cite_only_documents_in_the_repository():
    assert all_problems() == []


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("# restore 100 points/s (docs/marketplaces/shopify.md#rate-limits)", []),
        ("# see docs/sandbox.md", []),
        ("# e.g. http://127.0.0.1:8100/lazada", []),
        ("# restore 100 points/s (\N{SECTION SIGN}1.4)", ["numbered section"]),
        ("# defaults from marketplaces.md", ["does not have"]),
        ("# see ../shared/docs/house-style.md", ["shared notes", "does not have"]),
        ("# per https://shopify.dev/api/usage/rate-limits", ["cites https://shopify.dev"]),
        ("# docs/marketplaces/shopify.md#no-such-section", ["no such section"]),
        ("# docs/connectors.md", ["does not have"]),
    ],
)
def test_the_checker_tells_citations_apart(comment, expected):
    problems = citation_problems(comment)
    assert len(problems) == len(expected)
    for problem, words in zip(problems, expected, strict=True):
        assert words in problem


def markdown_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_between_documents_resolve(page):
    broken = []
    for target in MD_LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # a web address or mailto: a public source, allowed in documents
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []
