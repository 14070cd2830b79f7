"""Statements written by hand for the deadline rush's submission, built from the models' own metadata.

Reading: a row, or rows aggregated as JSON beside it, made into model instances with the ORM's own conversions
(`from_row`, `from_json`), without a queryset's per-statement work; several such reads in one round trip
(`fetch_together`). Writing: several rows of one transaction in one statement, PostgreSQL's data-modifying WITH
(`write_together`), with the values `save()` would write. Both are for PostgreSQL; elsewhere the callers use the ORM.

These statements are sent with their parameters apart (server-side binding), so that their text is the same on
every call and psycopg prepares each once per connection (after `prepare_threshold`, 5, uses): the server parses
and plans them once, not on every submission. The rest of the project keeps Django's default client-side binding.
The statements name their columns rather than `*`, so a prepared statement's result stays valid while a migration
adds a column.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.db.models import Model
from django.db.transaction import TransactionManagementError


def _prepared_cursor():
    """A cursor of the current connection that binds on the server, wrapped as Django wraps its own (errors
    translated, `execute_wrapper`s applied, queries logged where they are being captured)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def fetch_together(*statements: tuple[str, list]) -> list[tuple[list[str], tuple | None]]:
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
                cursor = _prepared_cursor()
                cursors.append(cursor)
                cursor.execute(sql, params)
        with connection.wrap_database_errors:
            return [([column.name for column in cursor.description], cursor.fetchone()) for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


@lru_cache(maxsize=64)
def _conversions(model: type[Model], columns: tuple[str, ...], vendor: str) -> list[tuple[int, str, list, object]]:
    """For each field of `model` among the columns of a result: the column's position, the field's attname, and
    the converters the ORM applies to it (e.g. a JSON field's decoding), as a queryset would."""
    positions = {column: position for position, column in enumerate(columns)}
    plan = []
    for f in model._meta.concrete_fields:  # in the model's order, which `from_db` expects
        position = positions.get(f.column)
        if position is None:
            continue
        expression = f.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        plan.append((position, f.attname, converters, expression))
    return plan


def from_row(model: type[Model], columns: list[str], row) -> Model:
    """The instance of `model` in a result row (`columns` as the cursor describes them; other columns ignored)."""
    attnames, values = [], []
    for position, attname, converters, expression in _conversions(model, tuple(columns), connection.vendor):
        value = row[position]
        for converter in converters:
            value = converter(value, expression, connection)
        attnames.append(attname)
        values.append(value)
    return model.from_db(connection.alias, attnames, values)


def json_column(value):
    """A JSON column of a result as Python values (it may come as its text)."""
    return json.loads(value) if isinstance(value, str) else value


def from_json(model: type[Model], rows) -> list[Model]:
    """Instances of `model` from rows aggregated as JSON objects by column (`json_agg(to_json(c))`): each value
    is read by its field as a form's value would be (a timestamp's text, a UUID's text)."""
    rows = json_column(rows)
    fields = model._meta.concrete_fields
    attnames = [f.attname for f in fields]
    return [
        model.from_db(connection.alias, attnames, [f.to_python(row[f.column]) for f in fields]) for row in rows or ()
    ]


@dataclass
class Insert:
    """A new row. `expressions` replaces the value of some fields by SQL, which may read an earlier part's row
    (`(SELECT id FROM <name>)`); the instance's primary key is set from the row written."""

    name: str
    instance: Model
    expressions: dict[str, tuple[str, list]] = field(default_factory=dict)


@dataclass
class Update:
    """The named fields of an existing row, written only where `where` (field: value) still holds; the count of
    rows written (0 or 1) is what the statement answers for it."""

    name: str
    instance: Model
    fields: list[str]
    where: dict[str, object] = field(default_factory=dict)


_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def write_together(*parts: Insert | Update) -> dict[str, int]:
    """Write the parts in one statement; answers the new primary key of each Insert and the row count of each
    Update, by name. A constraint violation raises IntegrityError for the whole statement, as a save would."""
    quote = connection.ops.quote_name
    clauses, params, answers = [], [], []
    # Every name in the statement comes from the code (the parts' names, the models' tables and columns); each
    # value is a parameter.
    for part in parts:
        if not _NAME.fullmatch(part.name):
            raise ValueError(f"not a name for a part of a statement: {part.name!r}")
        meta = part.instance._meta
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        if isinstance(part, Insert):
            columns, values = [], []
            for f in meta.local_concrete_fields:
                if f.primary_key and getattr(part.instance, f.attname) is None:
                    continue
                columns.append(quote(f.column))
                if f.attname in part.expressions:
                    sql, extra = part.expressions[f.attname]
                    values.append(sql)
                    params.extend(extra)
                else:
                    values.append("%s")
                    params.append(f.get_db_prep_save(f.pre_save(part.instance, True), connection))
            clauses.append(
                f"{part.name} AS (INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)}) "  # noqa: S608
                f"RETURNING {pk})"
            )
            answers.append(f"(SELECT {pk} FROM {part.name})")  # noqa: S608
        else:
            assignments, conditions = [], [f"{pk} = %s"]
            for name in part.fields:
                f = meta.get_field(name)
                assignments.append(f"{quote(f.column)} = %s")
                params.append(f.get_db_prep_save(f.pre_save(part.instance, False), connection))
            params.append(part.instance.pk)
            for name, value in part.where.items():
                conditions.append(f"{quote(meta.get_field(name).column)} = %s")
                params.append(value)
            clauses.append(
                f"{part.name} AS (UPDATE {table} SET {', '.join(assignments)} WHERE {' AND '.join(conditions)} "  # noqa: S608
                f"RETURNING {pk})"
            )
            answers.append(f"(SELECT count(*) FROM {part.name})")  # noqa: S608
    with _prepared_cursor() as cursor:
        cursor.execute(f"WITH {', '.join(clauses)} SELECT {', '.join(answers)}", params)
        row = cursor.fetchone()
    written = {}
    for part, value in zip(parts, row, strict=True):
        written[part.name] = value
        if isinstance(part, Insert):
            part.instance.pk = value
            part.instance._state.adding = False
            part.instance._state.db = connection.alias
    return written
