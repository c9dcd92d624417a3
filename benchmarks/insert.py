"""Cost per row of the log writer's two ways to insert a batch: multi-row INSERT and COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python benchmarks/insert.py
    .venv/bin/python benchmarks/insert.py                   # SQLite (a temporary file): INSERT
    .venv/bin/python benchmarks/insert.py --rounds 3 --rows 500      # quicker, rougher

Each batch is what the writer stores: ErrorLog records as the handler builds them (headers,
bodies and field errors as JSON, a traceback on the 500s) prepared and sent in one transaction,
committed. The
figures are microseconds per row, wall clock and this process's CPU time (what the writer thread
takes from request threads), medians over rounds; in every round each way stores the same number
of rows per batch size, in an order that rotates from round to round. The table is created for
the run in the named database and dropped afterwards; the database must not have one already.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apierrors.log.record import Record

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(url: str | None) -> None:
    import django
    from django.conf import settings

    if url:
        import dj_database_url

        database = dj_database_url.parse(url)
    else:
        name = Path(tempfile.mkdtemp(prefix="apierrors-insert-")) / "bench.sqlite3"
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name)}
    settings.configure(
        INSTALLED_APPS=[
            "modeltranslation",
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rest_framework",
            "apierrors",
        ],
        DATABASES={"default": database},
        USE_TZ=True,
        LANGUAGES=[("en", "English"), ("fr", "French"), ("de", "German"), ("es", "Spanish")],
    )
    django.setup()


def _crash(depth: int) -> None:
    """Raises from ``depth`` frames down: a 500's traceback as deep as a view's."""
    if depth:
        _crash(depth - 1)
    raise RuntimeError("Quantity must be positive: the order service said so.")


def records(count: int) -> list[Record]:
    """Records as the handler builds them (apierrors.log.record.build_record()), from a request
    with headers, a query and a JSON body: one in five a 500 with its traceback."""
    from django.test import RequestFactory

    from apierrors.core import ids
    from apierrors.core.error import ClientError
    from apierrors.core.resolve import FieldError, Problem
    from apierrors.log import record as log

    request = RequestFactory().post(
        "/api/orders/7/items/?page=2&api_key=abc123",
        {
            "customer": {"name": "Zoë", "address": {"city": "Köln", "zip": "50667"}},
            "items": [{"sku": f"SKU-{n}", "quantity": n - 3} for n in range(6)],
        },
        content_type="application/json",
        headers={
            "Accept": "application/json",
            "Accept-Language": "de-DE,de;q=0.9",
            "User-Agent": "shop-app/4.2 (iOS 17.1)",
            "X-Request-Id": "3f6e1c2a-9d0b-4f4e-8a4e-2b7d0c9e1f00",
            "Authorization": "Bearer 5c1f0e7a9b2d4c6e8f0a1b3c5d7e9f1a",
        },
    )
    try:
        _crash(40)
    except RuntimeError as exc:
        crash: BaseException = exc
    invalid = ValueError("Quantity must be positive.")
    field_errors = (FieldError(("items", 3, "quantity"), "min_value", "≥ 1"),)
    made = []
    for number in range(count):
        status = 500 if number % 5 == 0 else 400
        error = ClientError(
            code="server_error" if status == 500 else "invalid",
            status_code=status,
            category="server_error" if status == 500 else "validation",
            title="Ungültige Eingabe",
            message="La valeur « quantité » doit être positive.",
            action="",
            is_public=status < 500,
            is_retryable=False,
            doc_url="https://api.example.com/errors/#invalid",
            error_id=ids.new_error_id(),
            request_id=ids.new_request_id(),
            language="de",
            instance=request.path,
            field_errors=field_errors,
        )
        problem = Problem(
            code=error.code,
            exc=crash if status == 500 else invalid,
            params={"field": "quantity", "min": 1},
            field_errors=list(field_errors),
        )
        body = {
            "type": error.doc_url,
            "title": error.title,
            "status": status,
            "detail": error.message,
            "error_id": error.error_id,
            "errors": [{"path": ["items", 3, "quantity"], "code": "min_value"}],
        }
        made.append(log.build_record(problem, error, body, request))
    return made


def measure(way: Callable[[list[Record], str], None], batches: list[Any]) -> tuple[float, float]:
    from django.db import transaction

    wall, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        with transaction.atomic():
            way(batch, "default")
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100", help="batch sizes (default 1,10,100)")
    parser.add_argument("--rows", type=int, default=2000, help="rows per way, size and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    configure(os.environ.get("DATABASE_URL"))

    from django.db import connection

    from apierrors.log import record as log
    from apierrors.models import ErrorLog

    ways: dict[str, Callable[[list[Record], str], None]] = {"INSERT": log.values_rows}
    if connection.vendor == "postgresql":
        ways["COPY"] = log.copy_rows
    table = ErrorLog._meta.db_table
    if table in connection.introspection.table_names():
        print(f"{table} exists in this database already: give the benchmark an empty one")
        return 2
    with connection.schema_editor() as editor:
        editor.create_model(ErrorLog)
    sizes = [int(size) for size in args.sizes.split(",")]
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    try:
        names = list(ways)
        for round_number in range(args.rounds):
            for size in sizes:
                count = max(size, args.rows // size * size)
                order = names[round_number % len(names) :] + names[: round_number % len(names)]
                for name in order:
                    made = records(count)
                    batches = [made[start : start + size] for start in range(0, count, size)]
                    wall, cpu = measure(ways[name], batches)
                    results.setdefault((name, size), []).append(
                        (wall / count * 1e6, cpu / count * 1e6)
                    )
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(ErrorLog)
    version = ".".join(map(str, connection.get_database_version()))
    print(
        f"{connection.vendor} {version}, {args.rounds} rounds, ~{args.rows} rows per way and "
        "size; us per row, median (wall / CPU of this process)"
    )
    print(f"{'batch':>6} " + " ".join(f"{name:>18}" for name in ways))
    for size in sizes:
        cells = []
        for name in ways:
            walls, cpus = zip(*results[(name, size)], strict=True)
            cells.append(f"{statistics.median(walls):8.1f} / {statistics.median(cpus):6.1f}")
        print(f"{size:>6} " + " ".join(f"{cell:>18}" for cell in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
