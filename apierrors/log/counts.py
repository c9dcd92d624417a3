"""Log rows per code and hour, kept as rows are written: the catalog's counts without a scan.

``add()`` runs in the transaction that inserts the rows (apierrors.log.record.save_batch()), so
a count never includes a row that was rolled back. ``since()`` is a count over a period: whole
hours from these counts, the part of an hour at the period's start from the log itself, through
its (code, created_at) index.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connections, transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce
from django.utils import timezone

from apierrors.models import ErrorCount, ErrorLog

if TYPE_CHECKING:
    from apierrors.log.record import Record

HOUR = datetime.timedelta(hours=1)


def hour_of(moment: datetime.datetime) -> datetime.datetime:
    """The start of the hour ``moment`` falls in, in UTC when it is aware."""
    if timezone.is_aware(moment):
        moment = moment.astimezone(datetime.timezone.utc)
    return moment.replace(minute=0, second=0, microsecond=0)


def next_hour(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` when it starts an hour, else the start of the next hour."""
    start = hour_of(moment)
    return start if start == moment else start + HOUR


def add(records: Iterable[Record], alias: str) -> None:
    """Count ``records`` (rows just inserted, in this transaction) in their code's hours.

    One upsert for the batch, keys in sorted order: writers of several processes lock the
    same rows in the same order, and so never wait on each other in a circle.
    """
    connection = connections[alias]
    rows = _counted(records, alias)
    if not rows:
        return
    insert, params = _insert(rows, alias)
    with connection.cursor() as cursor:
        if connection.features.supports_update_conflicts_with_target:
            # PostgreSQL and SQLite.
            cursor.execute(insert + _on_conflict(alias), params)
        elif connection.vendor == "mysql":
            *_, count = _names(alias)
            cursor.execute(
                f"{insert} ON DUPLICATE KEY UPDATE {count} = {count} + VALUES({count})", params
            )
        else:
            for row in rows:
                _increment(cursor, row, alias)


def _counted(records: Iterable[Record], alias: str) -> list[tuple[Any, Any, int]]:
    """The batch's counts as (code, hour as the database stores it, count), in key order."""
    counted = Counter((item["code"], hour_of(item["created_at"])) for item in records)
    field = ErrorCount._meta.get_field("hour")
    connection = connections[alias]
    return [
        (code, field.get_db_prep_save(hour, connection), n)
        for (code, hour), n in sorted(counted.items())
    ]


def _insert(rows: list[tuple[Any, Any, int]], alias: str) -> tuple[str, list[Any]]:
    """The INSERT of ``rows``, and its params."""
    table, code, hour, count = _names(alias)
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params = [value for row in rows for value in row]
    return f"INSERT INTO {table} ({code}, {hour}, {count}) VALUES {values}", params


def _names(alias: str) -> tuple[str, str, str, str]:
    """The counts table and its code, hour and count columns, quoted for ``alias``."""
    quote = connections[alias].ops.quote_name
    return quote(ErrorCount._meta.db_table), quote("code"), quote("hour"), quote("count")


def _on_conflict(alias: str) -> str:
    table, code, hour, count = _names(alias)
    return (
        f" ON CONFLICT ({code}, {hour}) DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}"
    )


def upsert(records: Iterable[Record], alias: str) -> tuple[str, list[Any]]:
    """``add()``'s statement where the database has ``ON CONFLICT``: for a caller that joins it
    to the statement inserting the rows (one round trip, one implicit transaction)."""
    insert, params = _insert(_counted(records, alias), alias)
    return insert + _on_conflict(alias), params


def _increment(cursor: Any, row: tuple[Any, Any, int], alias: str) -> None:
    """Add one row's count where the database has no upsert: update, else insert, and update
    again if another writer inserted it first."""
    table, code, hour, count = _names(alias)
    key_code, key_hour, n = row
    update = f"UPDATE {table} SET {count} = {count} + %s WHERE {code} = %s AND {hour} = %s"
    cursor.execute(update, [n, key_code, key_hour])
    if cursor.rowcount:
        return
    try:
        with transaction.atomic(using=alias):
            cursor.execute(*_insert([row], alias))
    except IntegrityError:
        cursor.execute(update, [n, key_code, key_hour])


def since(start: datetime.datetime, code: Any = None) -> Expression:
    """The log rows of ``code`` (default: the outer query's ``code``) created at or after
    ``start``, as an expression for ``annotate()``: the counts of the whole hours after
    ``start``, plus the log's rows between ``start`` and the first of them."""
    code = OuterRef("code") if code is None else code
    first_hour = next_hour(start)
    hours = (
        ErrorCount.objects.filter(code=code, hour__gte=first_hour)
        .order_by()
        .values("code")
        .annotate(n=Sum("count"))
        .values("n")
    )
    total: Expression = Coalesce(Subquery(hours[:1]), 0)
    if first_hour > start:
        edge = (
            ErrorLog.objects.filter(code=code, created_at__gte=start, created_at__lt=first_hour)
            .order_by()
            .values("code")
            # COUNT(*): the (code, created_at) index alone answers it.
            .annotate(n=Count("*"))
            .values("n")
        )
        total = total + Coalesce(Subquery(edge[:1]), 0)
    return total


def prune(before: datetime.datetime, alias: str) -> int:
    """Delete the counts of hours that ended by ``before`` (their rows were pruned)."""
    deleted, _by_model = ErrorCount.objects.using(alias).filter(hour__lte=before - HOUR).delete()
    return deleted
