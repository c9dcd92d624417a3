"""Scale benchmark: every support lookup of the admin and apierrors_lookup on a large error log.

It fills a PostgreSQL database with generated rows, in SQL (generate_series), then times each
lookup support makes, through the real admin (Django's test client, logged in as a superuser)
and the command: the median of 5 runs after a warm-up. It prints a table and its worst figure,
and exits with status 1 when a lookup's median exceeds --budget milliseconds.

    .venv/bin/python benchmarks/scale.py                      # 10,000,000 rows, 200 ms budget
    .venv/bin/python benchmarks/scale.py --rows 20000         # a smoke run, in seconds
    .venv/bin/python benchmarks/scale.py --database-url postgres://postgres@127.0.0.1:5432/big

The database (by default ``scale_<rows>`` on the local server, created when missing) is
migrated first. Its log is filled only when it does not already hold exactly --rows rows
(--refill fills it again): the fill of 10,000,000 rows takes minutes, the lookups seconds.

The rows: 30 days of errors ending now, in time order; 300 codes (20 resources x 15 problems)
of skewed frequency; paths of a few route shapes with ids in them; a request id per request,
some requests with two errors; 70 % of errors by one of 50,000 users, skewed; request headers,
request and response bodies of their usual size, a traceback on server errors.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESOURCES = (
    "booking", "payment", "user", "invoice", "product", "order", "cart", "room", "hotel",
    "coupon", "review", "refund", "account", "session", "address", "shipment", "ticket",
    "voucher", "subscription", "report",
)  # fmt: skip
# Each problem with its HTTP status.
PROBLEMS = (
    ("not_found", 404), ("invalid", 400), ("conflict", 409), ("expired", 410),
    ("forbidden", 403), ("locked", 423), ("unavailable", 503), ("timeout", 504),
    ("too_large", 413), ("rate_limited", 429), ("unauthorized", 401), ("failed", 500),
    ("unprocessable", 422), ("gone", 410), ("duplicate", 409),
)  # fmt: skip
CODES = tuple(f"{resource}_{problem}" for problem, _s in PROBLEMS for resource in RESOURCES)
STATUSES = tuple(status for _p, status in PROBLEMS for _r in RESOURCES)
USERS = 50_000
DAYS = 30
CHUNK = 500_000
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    + '  File "/srv/app/api/views.py", line 142, in retrieve\n'
    "    return self.service.fetch(request.user, pk)\n"
    * 12
    + "RuntimeError: upstream did not answer within 5.0 s"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="Rows in the error log.")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL of the database to fill (default: scale_<rows> on 127.0.0.1).",
    )
    parser.add_argument(
        "--budget", type=float, default=200.0, help="Most milliseconds a lookup may take."
    )
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs per lookup.")
    parser.add_argument(
        "--refill", action="store_true", help="Fill the log again even if it has --rows rows."
    )
    return parser.parse_args(argv)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings"
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()


def ensure_database(url: str) -> None:
    """Create the database when the server does not have it yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# Filling --------------------------------------------------------------------------------


TIME_PART = " || ".join(
    f"substr('{ALPHABET}', ((g.ms >> {45 - 5 * k}) & 31)::int + 1, 1)" for k in range(10)
)
PATH = (
    "CASE h.shape"
    " WHEN 0 THEN '/api/v1/' || h.resource || 's/' || h.oid || '/'"
    " WHEN 1 THEN '/api/v1/' || h.resource || 's/'"
    " WHEN 2 THEN '/api/v1/' || h.resource || 's/' || h.oid || '/items/' || h.oid2 || '/'"
    " ELSE '/api/v2/' || h.resource || 's/' || h.oid || '/' END"
)
BODY = (
    "jsonb_build_object('type', 'https://docs.example.com/errors/' || s.code,"
    " 'title', initcap(replace(s.code, '_', ' ')),"
    " 'status', s.status,"
    " 'detail', 'The ' || s.resource || ' ' || s.oid || ' cannot be used for this request.',"
    " 'instance', s.path, 'code', s.code, 'error_id', s.error_id,"
    " 'request_id', s.request_id)"
)
# Each generated column's SQL, over the subquery ``s`` of FILL_SQL.
COLUMNS = {
    "error_id": "s.error_id",
    "code": "s.code",
    "status_code": "s.status",
    "method": "s.method",
    "path": "s.path",
    "query_string": (
        "CASE WHEN s.method = 'GET' AND s.oid %% 3 = 0"
        " THEN '{\"page\": [\"' || (s.oid %% 7 + 1) || '\"]}' ELSE '' END"
    ),
    "request_id": "s.request_id",
    "user_pk": "CASE WHEN s.uid IS NULL THEN '' ELSE s.uid::text END",
    "username": "CASE WHEN s.uid IS NULL THEN '' ELSE 'user' || s.uid END",
    "language": "(ARRAY['en', 'en', 'en', 'en', 'de', 'fr', 'es'])[s.i %% 7 + 1]",
    "exception_class": (
        "CASE WHEN s.status >= 500 THEN 'builtins.RuntimeError'"
        " ELSE 'apierrors.core.exceptions.APIError' END"
    ),
    "exception_message": (
        "CASE WHEN s.status >= 500 THEN 'upstream did not answer within 5.0 s'"
        " ELSE s.code || ': ' || s.resource || ' ' || s.oid END"
    ),
    "traceback": "CASE WHEN s.status >= 500 THEN %(traceback)s ELSE '' END",
    "params": "jsonb_build_object(s.resource || '_id', s.oid)",
    "field_errors": (
        "CASE WHEN s.status = 400 THEN jsonb_build_array(jsonb_build_object("
        "'path', jsonb_build_array('email'), 'code', 'invalid',"
        " 'message', 'Enter a valid email address.')) ELSE '[]'::jsonb END"
    ),
    "request_headers": (
        "jsonb_build_object('Accept', 'application/json', 'Accept-Encoding', 'gzip, br',"
        " 'Accept-Language', 'en-GB,en;q=0.9,de;q=0.7', 'Authorization', '[redacted]',"
        " 'Host', 'api.example.com', 'User-Agent', 'Mozilla/5.0 (X11; Linux x86_64)"
        " AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',"
        " 'X-Forwarded-For', '203.0.113.' || (s.i %% 250), 'X-Request-Id', s.request_id)"
    ),
    "request_body": (
        "CASE WHEN s.method IN ('POST', 'PUT', 'PATCH') THEN jsonb_build_object("
        "s.resource, jsonb_build_object('id', s.oid, 'guests', s.oid %% 4 + 1,"
        " 'from', '2026-12-01', 'to', '2026-12-05', 'note', 'Late arrival, around 23:00.'),"
        " 'email', '[redacted]', 'newsletter', false) END"
    ),
    "response_body": BODY,
    "response_text": f"({BODY})::text",
    "created_at": "s.ts",
}
FILL_SQL = """
INSERT INTO {table} ({columns})
SELECT {values} FROM (
  SELECT h.*, {path} AS path FROM (
    SELECT g.*,
      {time_part} || substr(md5(g.i::text || 'e'), 1, 16) AS error_id,
      (%(codes)s::text[])[g.c] AS code,
      (%(statuses)s::int[])[g.c] AS status,
      (%(resources)s::text[])[(g.c - 1) %% %(resource_count)s + 1] AS resource
    FROM (
      SELECT i,
        %(start)s::timestamptz + (i - 1) * %(step)s * interval '1 microsecond' AS ts,
        floor(extract(epoch FROM %(start)s::timestamptz + (i - 1) * %(step)s
          * interval '1 microsecond') * 1000)::bigint AS ms,
        floor(%(code_count)s * power(random(), 3))::int + 1 AS c,
        CASE WHEN random() < 0.3 THEN NULL ELSE floor(%(users)s * power(random(), 2))::int END
          AS uid,
        (ARRAY['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH',
          'DELETE'])[floor(random() * 11)::int + 1] AS method,
        floor(power(random(), 2) * 1000000)::int AS oid,
        floor(random() * 50)::int AS oid2,
        floor(random() * 4)::int AS shape,
        md5(floor(i * 0.8)::bigint::text) AS request_id
      FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS i
    ) g
  ) h
) s
"""


def fill(rows: int, log: Callable[[str], None]) -> dict[str, float]:
    """Empty the log and fill it with ``rows`` generated rows; the seconds each step took."""
    from django.db import connection
    from django.utils import timezone

    from apierrors.models import ErrorCode, ErrorLog

    timings: dict[str, float] = {}
    ErrorCode.objects.bulk_create(
        [
            ErrorCode(
                code=code,
                status_code=status,
                title=code.replace("_", " ").capitalize(),
                message=f"The request failed: {code.replace('_', ' ')}.",
            )
            for code, status in zip(CODES, STATUSES, strict=True)
        ],
        ignore_conflicts=True,
    )
    table = ErrorLog._meta.db_table
    quote = connection.ops.quote_name
    columns: list[str] = []
    values: list[str] = []
    defaults: dict[str, Any] = {}
    for field in ErrorLog._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(field.column))
        if field.column in COLUMNS:
            values.append(COLUMNS[field.column])
        else:
            # A column the generator does not know: its default, as the model gives it.
            name = f"default_{field.column}"
            defaults[name] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({name})s")
    statement = FILL_SQL.format(
        table=quote(table),
        columns=", ".join(columns),
        values=", ".join(values),
        time_part=TIME_PART,
        path=PATH,
    )
    params = {
        "codes": list(CODES),
        "statuses": list(STATUSES),
        "resources": list(RESOURCES),
        "resource_count": len(RESOURCES),
        "code_count": len(CODES),
        "users": USERS,
        "start": timezone.now() - timezone.timedelta(days=DAYS),
        "step": DAYS * 86_400_000_000 / rows,
        "traceback": TRACEBACK,
        **defaults,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = %s AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%%I', i.indexname)"
            "::regclass)",
            [table],
        )
        indexes = cursor.fetchall()
        began = time.perf_counter()
        cursor.execute(f"TRUNCATE {quote(table)}")
        # Indexes are built once at the end: far quicker than row by row.
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        for low in range(1, rows + 1, CHUNK):
            high = min(rows, low + CHUNK - 1)
            cursor.execute(statement, {**params, "low": low, "high": high})
            log(f"  {high:,} rows ({time.perf_counter() - began:.0f} s)")
        timings["insert"] = time.perf_counter() - began
        began = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in indexes:
            cursor.execute(definition)
            log(f"  index {name} ({time.perf_counter() - began:.0f} s)")
        timings["indexes"] = time.perf_counter() - began
        began = time.perf_counter()
        rebuild_counts(cursor)
        timings["counts"] = time.perf_counter() - began
        began = time.perf_counter()
        cursor.execute(f"VACUUM ANALYZE {quote(table)}")
        timings["vacuum analyze"] = time.perf_counter() - began
    return timings


def rebuild_counts(cursor: Any) -> None:
    """The catalog's per-hour counts of the rows the fill wrote (apierrors.log.counts): the fill
    inserts in SQL, past apierrors.log.record.save_batch(), which keeps them as rows are written."""
    from django.db import connection

    from apierrors.models import ErrorCount, ErrorLog

    quote = connection.ops.quote_name
    counts = quote(ErrorCount._meta.db_table)
    cursor.execute(f"DELETE FROM {counts}")
    cursor.execute(
        f"INSERT INTO {counts} (code, hour, count) SELECT code, "
        "date_trunc('hour', created_at, 'UTC'), count(*) "
        f"FROM {quote(ErrorLog._meta.db_table)} GROUP BY 1, 2"
    )


# Measuring ------------------------------------------------------------------------------


@dataclass
class Lookup:
    name: str
    run: Callable[[], Any]


@dataclass
class Result:
    name: str
    median_ms: float
    runs_ms: list[float]


def lookups() -> list[Lookup]:
    """Every lookup support makes, with values taken from the log (a row in its middle)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from apierrors.admin.log import CappedPaginator, ErrorLogAdmin
    from apierrors.models import ErrorLog

    user_model = get_user_model()
    admin_user = user_model.objects.filter(username="scale-admin").first()
    if admin_user is None:
        admin_user = user_model.objects.create_superuser("scale-admin", "", None)
    client = Client()
    client.force_login(admin_user)

    newest = ErrorLog.objects.order_by("-created_at").values_list("created_at", flat=True)[0]
    # A row a day before the newest: inside the last 7 days, not on the first page.
    row = ErrorLog.objects.filter(created_at__lte=newest - timezone.timedelta(days=1)).order_by(
        "-created_at"
    )[0]
    busiest_code = CODES[0]
    busiest_user = "user0"
    fragment = row.path.removeprefix("/api/v1/").removeprefix("/api/v2/")
    today = timezone.localdate()
    week = {"since": (today - timezone.timedelta(days=6)).isoformat()}
    yesterday = (today - timezone.timedelta(days=1)).isoformat()
    day = {"since": yesterday, "until": yesterday}
    users = (
        ErrorLog.objects.filter(username__in=[busiest_user, row.username or busiest_user])
        .values("username")
        .annotate(n=Count("pk"))
    )
    print(
        f"Sample row {row.error_id}: code {row.code}, path {row.path}, user "
        f"{row.username or '(anonymous)'}; "
        + ", ".join(f"{item['username']} has {item['n']:,} rows" for item in users)
    )

    def page(path: str, params: dict[str, str] | None = None, status: int = 200) -> Lookup:
        url = path + ("?" + urlencode(params) if params else "")

        def run() -> None:
            response = client.get(url)
            if response.status_code != status:
                raise RuntimeError(f"{url}: status {response.status_code}, not {status}")

        return Lookup(url, run)

    def command() -> None:
        call_command("apierrors_lookup", row.error_id.upper(), stdout=StringIO())

    log = "/admin/apierrors/errorlog/"
    catalog = "/admin/apierrors/errorcode/"
    # Page numbers in the admin's links start at 1.
    last_page = CappedPaginator.limit // ErrorLogAdmin.list_per_page
    named = [
        ("admin index", page("/admin/")),
        ("log, first page", page(log)),
        (f"log, page {last_page} (the last counted)", page(log, {"p": str(last_page)})),
        ("search: error_id (redirects to the record)", page(log, {"q": row.error_id}, 302)),
        ("search: request id", page(log, {"q": row.request_id})),
        ("search: code, the busiest", page(log, {"q": busiest_code})),
        ("search: code", page(log, {"q": row.code})),
        ("search: user, the busiest", page(log, {"q": busiest_user})),
        ("search: user", page(log, {"q": row.username or busiest_user})),
        ("search: path prefix", page(log, {"q": row.path})),
        ("search: path prefix, broad", page(log, {"q": "/api/v2/"})),
        ("search: path fragment", page(log, {"q": fragment})),
        ("search: path fragment, broad", page(log, {"q": "items"})),
        ("search: nothing matches", page(log, {"q": "no-such-thing"})),
        ("filter: code, the busiest", page(log, {"code": busiest_code})),
        ("filter: code", page(log, {"code": row.code})),
        ("filter: status 404", page(log, {"status_code": "404"})),
        ("filter: status 5xx", page(log, {"status_code": "5xx"})),
        ("filter: user, the busiest", page(log, {"user": busiest_user})),
        ("filter: user", page(log, {"user": row.username or busiest_user})),
        ("filter: past 7 days", page(log, week)),
        ("filter: yesterday", page(log, day)),
        ("filter: code + status",
         page(log, {"code": row.code, "status_code": str(row.status_code)})),
        ("filter: code + user", page(log, {"code": busiest_code, "user": busiest_user})),
        ("filter: code + past 7 days", page(log, {"code": row.code, **week})),
        ("filter: status + user", page(log, {"status_code": "404", "user": busiest_user})),
        ("filter: status 5xx + past 7 days", page(log, {"status_code": "5xx", **week})),
        ("filter: user + yesterday", page(log, {"user": busiest_user, **day})),
        ("search code + filter user + past 7 days",
         page(log, {"q": busiest_code, "user": busiest_user, **week})),
        ("record page", page(f"{log}{row.pk}/change/")),
        ("catalog list with 24 h / 7 days counts", page(catalog)),
        ("catalog list sorted by 24 h count", page(catalog, {"o": "-4"})),
        ("catalog list sorted by 7 days count", page(catalog, {"o": "-5"})),
        ("manage.py apierrors_lookup", Lookup("apierrors_lookup", command)),
    ]  # fmt: skip
    return [Lookup(name, lookup.run) for name, lookup in named]


def measure(lookup: Lookup, repeat: int) -> Result:
    lookup.run()  # the warm-up
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        lookup.run()
        runs.append((time.perf_counter() - began) * 1000)
    return Result(lookup.name, statistics.median(runs), runs)


def table(results: list[Result], budget: float) -> str:
    width = max(len(result.name) for result in results)
    lines = [f"{'lookup'.ljust(width)}  median ms  runs (ms)", "-" * (width + 40)]
    for result in results:
        mark = "  OVER BUDGET" if result.median_ms > budget else ""
        runs = " ".join(f"{ms:.0f}" for ms in result.runs_ms)
        lines.append(f"{result.name.ljust(width)}  {result.median_ms:9.1f}  {runs}{mark}")
    worst = max(results, key=lambda result: result.median_ms)
    lines.append("-" * (width + 40))
    lines.append(f"worst: {worst.name}, {worst.median_ms:.1f} ms (budget {budget:.0f} ms)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url or f"postgres://postgres@127.0.0.1:5432/scale_{args.rows}"
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from apierrors.models import ErrorLog

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Migrated in {time.perf_counter() - began:.0f} s")
    if args.refill or ErrorLog.objects.count() != args.rows:
        print(f"Filling the log with {args.rows:,} rows")
        timings = fill(args.rows, print)
        print("Fill: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size(%s))", [ErrorLog._meta.db_table]
        )
        size = cursor.fetchone()[0]
    print(f"{args.rows:,} log rows, {size} with indexes, on PostgreSQL {connection.pg_version}")
    results = [measure(lookup, args.repeat) for lookup in lookups()]
    print(f"Median of {args.repeat} runs after a warm-up, through the admin and the command:")
    print(table(results, args.budget))
    return 1 if any(result.median_ms > args.budget for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
