"""Small SQL builders shared by bulk writers (audit entries, imports, listing assignment)."""

from collections.abc import Iterable

MAX_PK_RANGES = 20


def sql_text(text: str) -> str:
    """A string literal for SQL run with parameters (quotes doubled, % doubled for the placeholder syntax)."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def id_ranges(pks: Iterable[int], into: list[list[int]] | None = None) -> list[list[int]]:
    """`pks` as sorted [first, last] runs of consecutive ids, appended to `into` (merged with its last run)."""
    ranges = [] if into is None else into
    for pk in sorted(set(pks)):
        if ranges and ranges[-1][1] + 1 == pk:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return ranges


def pk_ranges_sql(column: str, pks: list[int]) -> tuple[str, list[int]]:
    """A WHERE condition selecting `pks` from `column`: `BETWEEN` per run of consecutive ids when there are few.

    Rows inserted together get consecutive ids, so 1,000 new rows are usually one range: two parameters for
    the planner and the driver instead of an IN list of 1,000 (which psycopg's client-side binding quotes one
    value at a time, and which PostgreSQL may plan as a sequential scan while a new table has no statistics).
    """
    ranges = id_ranges(pks)
    if len(ranges) > MAX_PK_RANGES:
        ordered = sorted(set(pks))
        return f"{column} IN ({', '.join(['%s'] * len(ordered))})", ordered
    condition = " OR ".join(f"{column} BETWEEN %s AND %s" for _ in ranges)
    return f"({condition})", [bound for pair in ranges for bound in pair]
