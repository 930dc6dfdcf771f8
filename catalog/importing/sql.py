"""Plain-SQL helpers of the import engine: prepared INSERT/UPDATE of many rows and the SKU lookup.

The ORM's bulk paths compile every value of every row (bulk_create, bulk_update's CASE WHEN, `.values()` with
per-value converters); at 100k rows that was most of an import. These build each statement once per model and
prepare only the values that need it, the way the fields themselves would (`get_db_prep_save`, converters).
"""

import decimal
import functools
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models
from django.db.models import Model

from common.copy import copy_rows

from ..models import ImportRow


def _preparers(fields: list[Any]) -> list[Callable[[Any], Any]]:
    """Per-field value adapters: identity where the driver takes the Python value as is (most columns), the
    field's own `get_db_prep_save` otherwise (JSON, datetimes), so values match what the ORM would send."""
    plain: tuple[type, ...] = (models.CharField, models.TextField, models.IntegerField, models.DecimalField)
    plain += (models.ForeignKey, models.BooleanField, models.BigIntegerField, models.PositiveIntegerField)
    out: list[Callable[[Any], Any]] = []
    for f in fields:
        if isinstance(f, plain) and not isinstance(f, models.JSONField):
            out.append(_identity)
        elif isinstance(f, models.DateTimeField):  # every row of a chunk carries the same timestamp
            out.append(functools.lru_cache(maxsize=4)(functools.partial(f.get_db_prep_save, connection=connection)))
        elif isinstance(f, models.JSONField):
            out.append(_json_preparer(f))
        else:
            out.append(functools.partial(f.get_db_prep_save, connection=connection))
    return out


def _json_preparer(field: models.JSONField) -> Callable[[Any], Any]:
    """The field's own preparation, with the empty dict and list (most attributes, options, snapshots) prepared
    once: json.dumps through the field's encoder costs ~2.4 us a value."""
    prepare = functools.partial(field.get_db_prep_save, connection=connection)
    empty_dict, empty_list = prepare({}), prepare([])

    def prep(value: Any) -> Any:
        if not value and type(value) is dict:
            return empty_dict
        if not value and type(value) is list:
            return empty_list
        return prepare(value)

    return prep


def _identity(value: Any) -> Any:
    return value


@dataclass(slots=True)
class PreparedInsert:
    """An INSERT of many rows with its values ready for the driver, built apart from running it (`insert_prepare`),
    so that an import's checking thread can build it while a writer thread runs the previous one."""

    table: str
    names: str  # the quoted column list
    params: list[Any]  # the rows' values, or the parameters of `statement`
    count: int
    statement: str = ""  # SQLite: one INSERT ... SELECT for all the rows


def insert_prepare(model: type[Model], rows: list[dict[str, Any]]) -> PreparedInsert:
    """The values of `rows` (attname dicts, full set of columns) as the driver takes them; on SQLite one
    `INSERT ... SELECT ... FROM json_each(%s)` statement where the values allow (`_sqlite_json`)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    preparers = _preparers(fields)
    plain = [f for f, p in zip(fields, preparers, strict=True) if p is _identity]
    special_fields = [(f, p) for f, p in zip(fields, preparers, strict=True) if p is not _identity]
    special = [(f.attname, p) for f, p in special_fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(str(f.column)) for f in plain + [f for f, _ in special_fields])
    if not rows:
        return PreparedInsert(table, names, [], 0)
    take = operator.itemgetter(*[f.attname for f in plain])  # one C call per row for the plain columns
    params = [take(row) + tuple([p(row[a]) for a, p in special]) for row in rows]
    if connection.vendor == "sqlite":
        statement = _sqlite_json(list(zip(*params, strict=True)), len(params))
        if statement is not None:
            return _json_insert(table, names, statement, len(params))
    return PreparedInsert(table, names, params, len(params))


def _json_insert(table: str, names: str, statement: tuple[str, list[Any]], count: int) -> PreparedInsert:
    """SQLite's one INSERT of `count` rows from the SELECT list and parameters `_sqlite_json` gave."""
    picks, params = statement
    sql = f"INSERT INTO {table} ({names}) SELECT {picks} FROM json_each(%s) j ORDER BY j.key"  # noqa: S608
    return PreparedInsert(table, names, params, count, statement=sql)


def insert_prepare_sparse(model: type[Model], rows: list[dict[str, Any]], base: dict[str, Any]) -> PreparedInsert:
    """`insert_prepare` of rows that each hold some of the columns, the others taking their `base` value.

    On SQLite the statement is built column by column (a column no row sets is one shared value) without
    completing each row's dict first: ~3 us a row against ~13 us. Elsewhere, or when the values have no JSON
    form, the rows are completed and go to `insert_prepare`.
    """
    if connection.vendor != "sqlite" or not rows:
        return insert_prepare(model, [{**base, **row} for row in rows])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    present = set().union(*rows)
    columns: list[Sequence[Any]] = []
    for field, prepare in zip(fields, _preparers(fields), strict=True):
        name, default = field.attname, base[field.attname]
        if name not in present:
            values = [default]
        else:
            try:
                values = list(map(operator.itemgetter(name), rows))
            except KeyError:  # some rows leave it to the default
                values = [row.get(name, default) for row in rows]
        columns.append(values if prepare is _identity else [prepare(v) for v in values])
    statement = _sqlite_json(columns, len(rows))
    if statement is None:
        return insert_prepare(model, [{**base, **row} for row in rows])
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in fields)
    return _json_insert(quote(model._meta.db_table), names, statement, len(rows))


def executemany_insert(
    model: type[Model],
    rows: list[dict[str, Any]],
    *,
    want_ids: bool = True,
    prepared: PreparedInsert | None = None,
) -> list[int] | None:
    """INSERT rows (attname dicts, full set of columns; or `prepared` from them) in one or few statements.

    bulk_create compiles every value through the ORM and splits SQLite inserts into ~40-row statements (999
    parameters); with 24 columns that was 70 % of a 100k-row import. Returns the new ids in row order where
    they are known without reading them back (see `_sqlite_new_ids`), else None: the caller reads them back.
    """
    if prepared is None:
        prepared = insert_prepare(model, rows)
    if not prepared.count:
        return []
    table, names, params = prepared.table, prepared.names, prepared.params
    if connection.vendor == "postgresql":
        # COPY streams the rows in one command; executemany was ~5x slower here (benchmarks/bench_import.py).
        # COPY returns no ids: take them from the table's sequence first (one query) and send them along.
        pk = connection.ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]
        ids = _postgres_next_ids(model, len(params)) if want_ids else None
        if ids is not None:
            names, params = (
                f"{pk}, {names}",
                [(pk_value, *values) for pk_value, values in zip(ids, params, strict=True)],
            )
        copy_rows(f"COPY {table} ({names}) FROM STDIN", params)
        return ids
    with connection.cursor() as cursor:
        if prepared.statement:
            # one statement takes the write lock for all its rows: they get consecutive ids, in the array's order
            cursor.execute(prepared.statement, params)
            last, count = cursor.lastrowid, cursor.rowcount
            return list(range(last - count + 1, last + 1)) if last and count == prepared.count else None
        marks = ", ".join(["%s"] * len(params[0]))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", params)  # noqa: S608
        return _sqlite_new_ids(cursor, model, prepared.count)


_JSON_TYPES = frozenset({str, int, float, type(None), bool})
_ROWS_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)  # plain values only


def _json_plain(value: Any) -> Any:
    if value.__class__ in _JSON_TYPES:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__int__(value)
    return value


def _sqlite_json(columns: list[Sequence[Any]], count: int) -> tuple[str, list[Any]] | None:
    """The SELECT list and parameters that give `count` rows of these column values from `json_each(%s)` (the
    rows' JSON, the last parameter); a column of one value gives it to every row.

    executemany hands the GIL back and forth once per row (bind in Python, step in C), so a thread writing
    with it beside a thread converting rows gets one row through per GIL switch interval; one statement runs
    the whole chunk in C without the GIL. Columns holding the same value on every row (timestamps, actor,
    defaults) are bound once as parameters and only the others travel in the JSON array of rows, each picked
    with `->>` (which gives SQL text, integers and reals, NULL for null, 1/0 for booleans: what executemany
    binds). Decimals go as their text, as Django's adapter sends them. None when a value has no such JSON form
    (bytes, NaN, a string with NUL, an integer beyond 64 bits): the caller uses executemany.
    """
    shared: list[Any] = []
    varying: list[Sequence[Any]] = []
    picks: list[str] = []
    for values in columns:
        kinds = set(map(type, values))
        if not _JSON_TYPES.issuperset(kinds):
            if Decimal in kinds:  # as their text, which Django's adapter sends too
                values = [str(v) if v.__class__ is Decimal else v for v in values]
            values = list(map(_json_plain, values))  # choices (str and int enums) as their plain values
            kinds = set(map(type, values))
            if not _JSON_TYPES.issuperset(kinds):
                return None
        first = values[0]
        if str in kinds and "\x00" in "".join([v for v in values if v.__class__ is str] if len(kinds) > 1 else values):
            return None
        if int in kinds:
            ints = [v for v in values if v.__class__ is int] if len(kinds) > 1 else values
            if min(ints) < -(2**63) or max(ints) >= 2**63:
                return None
        if len(kinds) == 1 and values.count(first) == len(values):
            shared.append(first)
            picks.append("%s")
        else:
            varying.append(values)
            picks.append(f"j.value ->> {len(varying) - 1}")
    try:
        rows = _ROWS_ENCODER.encode(list(zip(*varying, strict=True)) if varying else [[]] * count)
    except ValueError:  # NaN or infinity
        return None
    return ", ".join(picks), [*shared, rows]


def _postgres_next_ids(model: type[Model], count: int) -> list[int] | None:
    """`count` ids drawn from the sequence of `model`'s identity column (None if it has none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],  # type: ignore[union-attr]
        )
        found = [row[0] for row in cursor.fetchall()]
    return found if len(found) == count and None not in found else None


def _sqlite_new_ids(cursor: Any, model: type[Model], count: int) -> list[int] | None:
    """The ids SQLite gave the `count` rows just inserted, or None when they cannot be known for certain.

    Inside a transaction SQLite holds the database's write lock from BEGIN (IMMEDIATE) to COMMIT, so nothing
    else inserts in between and each row of one executemany takes the next rowid: they are the `count` ids
    ending at last_insert_rowid(). A count of the rows in that range confirms it, cheaper than looking the
    1,000 SKUs up again (an IN list of 1,000 upper-cased keys).
    """
    if not connection.in_atomic_block:
        return None
    table = connection.ops.quote_name(model._meta.db_table)
    cursor.execute(
        f"SELECT last_insert_rowid(), COUNT(*) FROM {table} "  # noqa: S608
        "WHERE id BETWEEN last_insert_rowid() - %s + 1 AND last_insert_rowid()",
        [count],
    )
    last, found = cursor.fetchone()
    return list(range(last - count + 1, last + 1)) if found == count else None


def executemany_update(model: type[Model], rows: list[dict[str, Any]], names: list[str]) -> None:
    """UPDATE many rows with one prepared statement (`rows` are attname dicts with "id").

    One round trip per chunk, unlike `bulk_update`, whose CASE WHEN per column is ~5x slower on SQLite
    (docs/imports.md#background).
    """
    if not rows:
        return
    fields = [cast(models.Field, model._meta.get_field(n)) for n in names]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE id = %s"  # noqa: S608 - names from model meta
    prep = list(zip([f.attname for f in fields], _preparers(fields), strict=True))
    params = [[p(row[a]) for a, p in prep] + [row["id"]] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def insert_import_rows(rows: list[ImportRow]) -> None:
    """Insert undo/error rows in one statement (bulk_create needs ~10 statements per 1,000 on SQLite)."""
    fields = [f.attname for f in ImportRow._meta.concrete_fields if not f.primary_key]
    executemany_insert(ImportRow, [{name: getattr(row, name) for name in fields} for row in rows], want_ids=False)


class RowReader:
    """Fetch rows of a model by upper-case SKU as attname dicts, with one prepared SELECT per chunk.

    The ORM's `.values()` spent ~10 ms per 1,000 SKUs compiling the IN list and running per-value converters,
    three times the query itself; this builds the SQL once and converts only the columns that need it (JSON
    text, and on SQLite decimals stored as REAL), exactly as the ORM's converters would.
    """

    def __init__(self, model: type[Model], names: tuple[str, ...], parent_sku: tuple[Any, str, str] | None = None):
        quote = connection.ops.quote_name
        fields = [cast(models.Field, model._meta.get_field(n)) for n in names]
        self.names = [f.attname for f in fields]
        columns = [f"t.{quote(str(f.column))}" for f in fields]
        joins = ""
        if parent_sku:  # the parent's SKU, for messages such as "Variant 'X' belongs to product Y"
            parent, fk, column = parent_sku
            joins = f" JOIN {quote(parent._meta.db_table)} p ON p.id = t.{quote(fk)}"
            columns.append(f"p.{quote(column)}")
            self.names.append("parent_sku")
        self.sql = f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t{joins} WHERE "
        self.id_sql = f"SELECT UPPER(t.sku), t.id FROM {quote(model._meta.db_table)} t WHERE "
        self.exists_sql = f"SELECT 1 FROM {quote(model._meta.db_table)} t WHERE "
        self.converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f)) is not None]

    def by_sku(self, keys: set[str], *, lock: bool = False) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        where, params = sku_in(keys)
        with connection.cursor() as cursor:
            cursor.execute(self.sql + where + (" FOR UPDATE OF t" if lock else ""), params)
            rows = cursor.fetchall()
        return self._convert(rows)

    def any_stored(self, keys: set[str], *others: "RowReader") -> bool:
        """Whether a row of this reader's model (or of the `others`') has one of these upper-case SKUs."""
        where, params = sku_in(keys)
        parts = [reader.exists_sql + where for reader in (self, *others)]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts) + " LIMIT 1", params * len(parts))
            return cursor.fetchone() is not None

    def ids_by_sku(self, keys: set[str]) -> dict[str, int]:
        """Upper-case SKU -> id (the ids of rows just inserted, which executemany and COPY do not return)."""
        if not keys:
            return {}
        where, params = sku_in(keys)
        with connection.cursor() as cursor:
            cursor.execute(self.id_sql + where, params)
            return dict(cursor.fetchall())

    def _convert(self, rows: list[Any]) -> dict[str, dict[str, Any]]:
        names, converters, out = self.names, self.converters, {}
        for values in rows:
            if converters:
                values = list(values)
                for i, convert in converters:
                    if values[i] is not None:
                        values[i] = convert(values[i])
            row = dict(zip(names, values, strict=True))
            out[row["sku"].upper()] = row
        return out


def sku_in(keys: set[str]) -> tuple[str, list[Any]]:
    """`UPPER(t.sku)` among `keys` (both forms use the unique UPPER(sku) index). PostgreSQL gets one text
    parameter split by the server: an IN list of 1,000 placeholders took 30-40 % longer to bind and plan (2.4 vs
    1.7 ms, 8.8 vs 6.2 ms for 1,000 SKUs missing / found), and a list parameter is quoted by psycopg's
    client-side binding one element at a time (~1 s of a 100k-row import). SKUs never contain a comma
    (SKU_PATTERN); keys that do are not SKUs and are left out. SQLite gets one JSON array read by json_each:
    1,000 placeholders cost Django's placeholder rewrite and the binding more than the lookup itself."""
    if connection.vendor == "postgresql":
        joined = ",".join(k for k in keys if "," not in k and "\x00" not in k)
        return "UPPER(t.sku) = ANY(string_to_array(%s, ','))", [joined]
    return "UPPER(t.sku) IN (SELECT value FROM json_each(%s))", [json.dumps(list(keys), ensure_ascii=False)]


def _json_value(value: Any) -> Any:
    """JSON text as Python; the empty object and list (most rows' attributes/options) without the decoder."""
    if value == "{}":
        return {}
    if value == "[]":
        return []
    return json.loads(value) if isinstance(value, str | bytes) else value


_SQLITE_DECIMALS = decimal.Context(prec=15)  # what Django's SQLite converter uses for REAL-stored decimals


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        return _json_value
    if isinstance(field, models.DecimalField) and connection.vendor == "sqlite":
        step = Decimal(1).scaleb(-int(field.decimal_places or 0))

        def to_decimal(value: Any) -> Decimal:
            if isinstance(value, float):
                return _SQLITE_DECIMALS.create_decimal_from_float(value).quantize(step)
            return Decimal(value).quantize(step)

        return to_decimal
    return None


def instances_insert(model: type[Model], objs: Sequence[Model], *, want_ids: bool = True) -> None:
    """INSERT unsaved model instances with `executemany_insert` and give them their ids (auto_now_add fields
    are filled as `save` would). For the batched writers outside the import (orders' ingest, the stock ledger):
    bulk_create compiles every value and splits SQLite inserts into ~40-row statements. `want_ids=False`: rows
    nobody refers to afterwards (ledger movements) keep no id, which saves PostgreSQL a sequence query."""
    if not objs:
        return
    if not connection.in_atomic_block:  # the new ids are known only inside a transaction (_sqlite_new_ids)
        model._default_manager.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [{f.attname: f.pre_save(obj, add=True) for f in fields} for obj in objs]
    ids = executemany_insert(model, rows, want_ids=want_ids)
    if not want_ids:
        return
    if ids is None:
        raise RuntimeError(f"The ids of the {len(objs)} new {model.__name__} rows are not known.")
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def instances_update(model: type[Model], objs: Sequence[Model], names: Sequence[str]) -> None:
    """UPDATE these fields of saved model instances with one prepared statement (`executemany_update`)."""
    attnames = [cast(models.Field, model._meta.get_field(name)).attname for name in names]
    rows = [{**{a: getattr(obj, a) for a in attnames}, "id": obj.pk} for obj in objs]
    executemany_update(model, rows, list(names))
