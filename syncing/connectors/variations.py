"""Variation families: what a marketplace will refuse about a product's variants, before anything is sent.

Pure functions over a connector's `ListingRules` and the variants' options, used by readiness (listings) and by
the connectors themselves before their first call. The limits are each marketplace's own
(docs/marketplaces/amazon.md#variation-families, docs/marketplaces/shopee.md#variation-families).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations

from .base import ListingRules

# Our option names (lower case) -> Amazon's variation attribute; the theme is the attributes' names upper-cased and
# joined by "/" (SIZE, COLOR, SIZE/COLOR).
THEME_ATTRIBUTES = {
    "size": "size",
    "color": "color",
    "colour": "color",
    "style": "style",
    "material": "material",
    "pattern": "pattern",
    "flavor": "flavor",
    "flavour": "flavor",
    "scent": "scent",
}


@dataclass(frozen=True)
class FamilyProblem:
    """One reason the marketplace would refuse the family: `code` for machines, `message` for people."""

    code: str
    message: str


def option_names(variants: Sequence[Mapping[str, str]]) -> list[str]:
    """The family's option names in first-seen order (e.g. ["Size", "Color"])."""
    names: list[str] = []
    for options in variants:
        for name in options:
            if name not in names:
                names.append(name)
    return names


def variation_theme(names: Sequence[str], allowed: Sequence[str]) -> str:
    """The allowed Amazon theme that covers exactly these option names ("" when none does)."""
    parts = [THEME_ATTRIBUTES.get(name.strip().lower(), "") for name in names]
    if not parts or "" in parts:
        return ""
    for order in permutations(parts):
        theme = "/".join(part.upper() for part in order)
        if theme in allowed:
            return theme
    return ""


def family_problems(
    rules: ListingRules, variants: Sequence[tuple[str, Mapping[str, str]]], *, product_type: str = ""
) -> list[FamilyProblem]:
    """Everything about a family (variants as (sku, options)) that the marketplace of `rules` refuses."""
    options = [dict(opts) for _sku, opts in variants]
    names = option_names(options)
    problems = _missing_values(variants, names)
    problems += _duplicates(variants, names)
    if rules.variation_themes is not None:
        problems += _theme(rules.variation_themes, product_type, names)
    problems += _limits(rules, options, names)
    return problems


def _missing_values(variants: Sequence[tuple[str, Mapping[str, str]]], names: list[str]) -> list[FamilyProblem]:
    problems = []
    if not names:
        return [
            FamilyProblem("variant_options_missing", "The variants have no options (e.g. Size: M) to tell them apart.")
        ]
    for sku, opts in variants:
        missing = [name for name in names if not str(opts.get(name) or "").strip()]
        if missing:
            problems.append(
                FamilyProblem("variant_option_value_missing", f"Variant {sku} has no value for {', '.join(missing)}.")
            )
    return problems


def _duplicates(variants: Sequence[tuple[str, Mapping[str, str]]], names: list[str]) -> list[FamilyProblem]:
    seen: dict[tuple[str, ...], str] = {}
    problems: list[FamilyProblem] = []
    if not names:
        return problems
    for sku, opts in variants:
        key = tuple(str(opts.get(name) or "").strip().lower() for name in names)
        if key in seen:
            problems.append(
                FamilyProblem("variant_options_duplicate", f"Variants {seen[key]} and {sku} have the same options.")
            )
        seen.setdefault(key, sku)
    return problems


def _theme(themes: Mapping[str, tuple[str, ...]], product_type: str, names: list[str]) -> list[FamilyProblem]:
    allowed = themes.get(product_type, ())
    if not names:
        return []
    if not allowed:
        return [
            FamilyProblem(
                "variation_theme_not_allowed",
                f"Product type {product_type or '(none)'} takes no variation family; list each variant separately.",
            )
        ]
    if variation_theme(names, allowed):
        return []
    return [
        FamilyProblem(
            "variation_theme_not_allowed",
            f"Options {' + '.join(names)} match no variation theme of product type {product_type} "
            f"(allowed: {', '.join(allowed)}).",
        )
    ]


def _limits(rules: ListingRules, options: list[dict[str, str]], names: list[str]) -> list[FamilyProblem]:
    problems = []
    if rules.variation_max_tiers is not None and len(names) > rules.variation_max_tiers:
        problems.append(
            FamilyProblem(
                "variation_too_many_options",
                f"The variants use {len(names)} options ({', '.join(names)}); at most {rules.variation_max_tiers} "
                "are allowed.",
            )
        )
    if rules.variation_max_models is not None and len(options) > rules.variation_max_models:
        problems.append(
            FamilyProblem(
                "variation_too_many_variants",
                f"The product has {len(options)} variants; at most {rules.variation_max_models} are allowed.",
            )
        )
    for name in names:
        values = {str(opts.get(name) or "").strip() for opts in options} - {""}
        problems += _name_limits(rules, name, values)
    return problems


def _name_limits(rules: ListingRules, name: str, values: set[str]) -> list[FamilyProblem]:
    problems = []
    if rules.variation_name_max_length is not None and len(name) > rules.variation_name_max_length:
        problems.append(
            FamilyProblem(
                "variation_name_too_long",
                f"Option name '{name}' has {len(name)} characters; at most {rules.variation_name_max_length}.",
            )
        )
    if rules.variation_max_options is not None and len(values) > rules.variation_max_options:
        problems.append(
            FamilyProblem(
                "variation_too_many_values",
                f"Option '{name}' has {len(values)} values; at most {rules.variation_max_options}.",
            )
        )
    limit = rules.variation_option_max_length
    for value in sorted(values):
        if limit is not None and len(value) > limit:
            problems.append(
                FamilyProblem(
                    "variation_value_too_long",
                    f"Option value '{value}' ({name}) has {len(value)} characters; at most {limit}.",
                )
            )
    return problems
