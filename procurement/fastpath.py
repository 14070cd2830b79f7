"""The deadline rush's fast path: statements written by hand for the bid submission, built from the models' own
metadata, and the one place that touches Django's private APIs for it.

Reading: a row, or rows aggregated as JSON beside it, made into model instances with the ORM's own conversions
(`from_row`, `from_json`, `from_arrays`), without a queryset's per-statement work, and set as an instance's
prefetched relation (`attach_prefetched`); several such reads in one round trip (`fetch_together`). Writing: the
rows of one transaction in one statement, PostgreSQL's data-modifying WITH (`save_together`), with the values
`save()` would write. All of it is for PostgreSQL; elsewhere the callers use the ORM.

These statements are sent with their parameters apart (server-side binding), so that their text is the same on
every call and psycopg prepares each once per connection (after `prepare_threshold`, 5, uses): the server parses
and plans them once, not on every submission. The rest of the project keeps Django's default client-side binding.
The statements name their columns rather than `*` (`columns_sql`), so a prepared statement's result stays valid
while a migration adds a column.

The shim below is the only code of the project that reads or sets Django's private attributes. It was checked
against the Django version in `DJANGO_CHECKED`; `tests/procurement/test_fastpath.py` fails when requirements.txt
pins another one, so that the shim is read again against the new Django before the pin changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Field, Model
from django.db.transaction import TransactionManagementError

# ---------------------------------------------------------------------------------------------------------------
# The shim over Django's private APIs (checked against DJANGO_CHECKED; nothing else in the project uses them).

DJANGO_CHECKED = "5.2.19"


def attach_prefetched(instance: Model, name: str, objects: Iterable[Model]) -> None:
    """Set `objects` as `instance`'s prefetched relation `name`, as `prefetch_related` leaves it: `instance.name.all()`
    answers them without a query."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


def mark_saved(instance: Model, pk: object) -> None:
    """`instance` was inserted with the primary key `pk` by a statement of our own: make it what `save()` leaves."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def on_commit_registered(hook: Callable[[], object]) -> bool:
    """Whether `hook` waits for the current transaction's commit (`transaction.on_commit`), in this transaction or
    one of its savepoints still open: a hook that went with a rolled-back savepoint is no longer there."""
    pending = transaction.get_connection().run_on_commit  # [(savepoint ids, hook, robust), ...]
    return any(registered == hook for _ids, registered, _robust in pending)


def _server_binding_cursor() -> Any:
    """A cursor of the current connection that binds on the server, wrapped as Django wraps its own (errors
    translated, `execute_wrapper`s applied, queries logged where they are being captured)."""
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


# ---------------------------------------------------------------------------------------------------------------
# Statements from the models' metadata.

Row = Sequence[Any]
M = TypeVar("M", bound=Model)


def table(model: type[Model]) -> str:
    """The model's table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], field: str) -> str:
    """The column of one of the model's fields (by name), quoted."""
    return connection.ops.quote_name(_field(model, field).column)


def columns_sql(model: type[Model], alias: str, fields: Sequence[str] | None = None) -> str:
    """The model's columns (all its concrete fields, or those named) by name, qualified by `alias`."""
    chosen = model._meta.concrete_fields if fields is None else [_field(model, name) for name in fields]
    return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in chosen)


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # noqa: S101 (a concrete field, named by the code)
    return field


# ---------------------------------------------------------------------------------------------------------------
# Reading.


def fetch_together(*statements: tuple[str, Sequence[object]]) -> list[tuple[list[str], Row | None]]:
    """Run the reading statements in order, in one round trip (psycopg's pipeline mode): the server still runs
    them one after the other in the transaction, so row locks are taken in the order given. Answers each
    statement's column names and first row (None if it found none). An error in any statement is raised, as
    Django's error, once the round trip is over; the statements after it are not run."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("fetch_together reads for a transaction: run it in transaction.atomic()")
    cursors = []
    connection.ensure_connection()
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for sql, params in statements:
                cursor = _server_binding_cursor()
                cursors.append(cursor)
                cursor.execute(sql, params)
        with connection.wrap_database_errors:
            return [([c.name for c in cursor.description], cursor.fetchone()) for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


Conversion = tuple[int, str, list[Callable[..., Any]], Any]


@lru_cache(maxsize=64)
def _conversions(model: type[Model], columns: tuple[str, ...], vendor: str) -> list[Conversion]:
    """For each field of `model` among the columns of a result: the column's position, the field's attname, and
    the converters the ORM applies to it (e.g. a JSON field's decoding), as a queryset would."""
    positions = {name: position for position, name in enumerate(columns)}
    plan = []
    for f in model._meta.concrete_fields:  # in the model's order, which `from_db` expects
        position = positions.get(f.column)
        if position is None:
            continue
        expression = f.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        plan.append((position, f.attname, converters, expression))
    return plan


def from_row(model: type[M], columns: Sequence[str], row: Row) -> M:
    """The instance of `model` in a result row (`columns` as the cursor describes them; other columns ignored)."""
    attnames, values = [], []
    for position, attname, converters, expression in _conversions(model, tuple(columns), connection.vendor):
        value = row[position]
        for converter in converters:
            value = converter(value, expression, connection)
        attnames.append(attname)
        values.append(value)
    return model.from_db(connection.alias, attnames, values)


def json_column(value: Any) -> Any:
    """A JSON column of a result as Python values (it may come as its text)."""
    return json.loads(value) if isinstance(value, str) else value


def from_json(model: type[M], rows: Any) -> list[M]:
    """Instances of `model` from rows aggregated as JSON objects by column (`json_agg(to_json(c))`): each value
    is read by its field as a form's value would be (a timestamp's text, a UUID's text)."""
    fields = model._meta.concrete_fields
    attnames = [f.attname for f in fields]
    return [
        model.from_db(connection.alias, attnames, [f.to_python(row[f.column]) for f in fields])
        for row in json_column(rows) or ()
    ]


def from_arrays(model: type[M], fields: Sequence[str], rows: Any) -> list[M]:
    """Instances of `model` with only the named fields loaded (the others load on access, as with `only()`), from
    rows aggregated as JSON arrays of those fields' values in that order (`json_build_array(columns_sql(...))`)."""
    attnames = [_field(model, name).attname for name in fields]
    order = [f.attname for f in model._meta.concrete_fields if f.attname in attnames]
    instances = []
    for values in json_column(rows) or ():
        by_attname = dict(zip(attnames, values, strict=True))
        instances.append(model.from_db(connection.alias, order, [by_attname[a] for a in order]))
    return instances


# ---------------------------------------------------------------------------------------------------------------
# Writing.


def save_together(
    first: Model,
    *,
    update: Model,
    fields: Sequence[str],
    where: Mapping[str, object],
    then: Sequence[tuple[Model, Mapping[str, tuple[str, Sequence[object]]]]] = (),
) -> bool:
    """In one statement: insert `first`, update `update`'s named fields only where `where` (field: value) still
    holds, and insert each instance of `then`, some of whose fields may be SQL expressions (attname: (sql,
    parameters)) that read `first`'s new primary key as `{first_pk}`. The inserted instances get their primary keys
    as `save()` gives them; answers whether the update wrote its row. A constraint violation raises IntegrityError
    for the whole statement, as a save would."""
    quote = connection.ops.quote_name
    params: list[object] = []
    first_pk = f"(SELECT {quote(first._meta.pk.column)} FROM inserted_0)"  # noqa: S608

    def insert(instance: Model, expressions: Mapping[str, tuple[str, Sequence[object]]]) -> str:
        meta = instance._meta
        names, values = [], []
        for f in meta.local_concrete_fields:
            if f.primary_key and getattr(instance, f.attname) is None:
                continue
            names.append(quote(f.column))
            if f.attname in expressions:
                sql, extra = expressions[f.attname]
                values.append(sql.replace("{first_pk}", first_pk))
                params.extend(extra)
            else:
                values.append("%s")
                params.append(f.get_db_prep_save(f.pre_save(instance, True), connection))
        return (
            f"INSERT INTO {table(type(instance))} ({', '.join(names)}) VALUES ({', '.join(values)}) "  # noqa: S608
            f"RETURNING {quote(meta.pk.column)}"
        )

    def conditional_update() -> str:
        model = type(update)
        assignments, conditions = [], [f"{quote(update._meta.pk.column)} = %s"]
        for name in fields:
            f = _field(model, name)
            assignments.append(f"{quote(f.column)} = %s")
            params.append(f.get_db_prep_save(f.pre_save(update, False), connection))
        params.append(update.pk)
        for name, value in where.items():
            conditions.append(f"{column(model, name)} = %s")
            params.append(value)
        return (
            f"UPDATE {table(model)} SET {', '.join(assignments)} WHERE {' AND '.join(conditions)} "  # noqa: S608
            f"RETURNING {quote(update._meta.pk.column)}"
        )

    inserted = [first, *(instance for instance, _expressions in then)]
    clauses = [f"inserted_0 AS ({insert(first, {})})", f"updated AS ({conditional_update()})"]
    clauses += [f"inserted_{i} AS ({insert(instance, ex)})" for i, (instance, ex) in enumerate(then, start=1)]
    answers = ["(SELECT count(*) FROM updated)"]
    answers += [f"(SELECT {quote(o._meta.pk.column)} FROM inserted_{i})" for i, o in enumerate(inserted)]  # noqa: S608
    with _server_binding_cursor() as cursor:
        cursor.execute(f"WITH {', '.join(clauses)} SELECT {', '.join(answers)}", params)
        updated, *pks = cursor.fetchone()
    for instance, pk in zip(inserted, pks, strict=True):
        mark_saved(instance, pk)
    return bool(updated == 1)
