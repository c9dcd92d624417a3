"""apierrors_prune and apierrors_lookup, as staff run them; the indexes that keep them fast."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apierrors.core import ids
from apierrors.management.commands.apierrors_prune import parse_age
from apierrors.models import ErrorLog

pytestmark = pytest.mark.django_db


def run(*args, answer=None, monkeypatch=None) -> str:
    out = io.StringIO()
    if answer is not None:
        prompts = []
        monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or answer)
    call_command(*args, stdout=out)
    return out.getvalue()


def aged_rows(*days_ago: int) -> list[ErrorLog]:
    now = timezone.now()
    return ErrorLog.objects.bulk_create(
        ErrorLog(
            error_id=ids.new_error_id(),
            code="not_found",
            status_code=404,
            created_at=now - timedelta(days=days, minutes=1),
        )
        for days in days_ago
    )


# apierrors_prune ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("2W", timedelta(weeks=2)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_ages_read_as_a_number_and_a_unit(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["30", "d", "0d", "-3d", "30x", "1.5d", "30 days"])
def test_bad_ages_are_refused_before_anything_is_deleted(text):
    aged_rows(100)

    with pytest.raises(CommandError, match="give a positive number and a unit"):
        run("apierrors_prune", f"--older-than={text}", "--yes")

    assert ErrorLog.objects.count() == 1


def test_dry_run_counts_and_deletes_nothing():
    aged_rows(1, 29, 31, 400)

    output = run("apierrors_prune", "--older-than", "30d", "--dry-run")

    assert output.startswith("Dry run: 2 error log rows created before ")
    assert output.endswith(" would be deleted.\n")
    assert ErrorLog.objects.count() == 4


def test_prune_asks_and_aborts_unless_told_yes(monkeypatch):
    aged_rows(1, 31, 400)

    output = run("apierrors_prune", "--older-than", "30d", answer="n", monkeypatch=monkeypatch)

    assert "This will delete 2 error log rows created before " in output
    assert output.endswith("Aborted: nothing deleted.\n")
    assert ErrorLog.objects.count() == 3


def test_prune_deletes_only_older_rows_once_confirmed(monkeypatch):
    kept = aged_rows(1, 29)
    aged_rows(*([31] * 7), 400)

    output = run(
        "apierrors_prune",
        "--older-than",
        "30d",
        "--batch-size",
        "3",
        answer="y",
        monkeypatch=monkeypatch,
    )

    assert output.endswith("Deleted 8 error log rows.\n")
    assert set(ErrorLog.objects.all()) == set(kept)


@pytest.mark.parametrize("flag", ["--yes", "-y", "--no-input", "--noinput"])
def test_prune_without_prompt_for_cron(monkeypatch, flag):
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked"))
    aged_rows(31, 2)

    output = run("apierrors_prune", "--older-than", "30d", flag)

    assert output == "Deleted 1 error log rows.\n"
    assert ErrorLog.objects.count() == 1


def test_prune_with_nothing_old():
    aged_rows(1)

    assert run("apierrors_prune", "--older-than", "2d", "--yes").startswith(
        "Nothing to delete: no error log row created before "
    )


# apierrors_lookup ---------------------------------------------------------------------------------


def test_lookup_prints_the_record_readably(client):
    response = client.get("/api/t/raise/crash/?page=2", HTTP_X_REQUEST_ID="ticket-42")
    error_id = response["X-Error-Id"]
    row = ErrorLog.objects.get(error_id=error_id)

    output = run("apierrors_lookup", f"  {error_id.upper()}\n")

    lines = output.splitlines()
    assert lines[:7] == [
        f"error_id    {error_id}",
        f"created at  {row.created_at.isoformat()}",
        "status      500 server_error",
        "request     GET /api/t/raise/crash/",
        "request id  ticket-42",
        "user        -",
        "language    en",
    ]
    assert lines[7] == f"admin       /admin/apierrors/errorlog/{row.pk}/change/"
    assert "Exception" in lines and "Traceback" in lines and "Response body" in lines
    assert (
        "  builtins.RuntimeError: secret internals: password=[redacted] at /srv/app/settings.py"
        in lines
    )
    assert "hunter2" not in output
    # Key order is the database's (PostgreSQL's jsonb sorts keys): a comma may follow.
    assert f'    "error_id": "{error_id}"' in [line.rstrip(",") for line in lines]


def test_lookup_takes_an_id_the_shell_split_or_quoted(client):
    error_id = client.get("/api/t/raise/not_found/")["X-Error-Id"]

    split = run("apierrors_lookup", error_id[:13].upper(), error_id[13:])
    quoted = run("apierrors_lookup", f'"{error_id}".')

    assert split.startswith(f"error_id    {error_id}\n")
    assert quoted == split


def test_lookup_of_something_that_is_not_an_error_id():
    with pytest.raises(CommandError, match="is not an error_id: 26 letters and digits"):
        run("apierrors_lookup", "not-an-id")


def test_lookup_of_an_unknown_error_id_says_when_it_was_issued():
    error_id = ids.new_error_id()

    with pytest.raises(CommandError) as caught:
        run("apierrors_lookup", error_id)

    issued = ids.error_id_time(error_id).isoformat()
    assert str(caught.value) == (
        f"No error log record has error_id {error_id} (issued {issued}). "
        "It may have been pruned, or come from another site."
    )


def test_lookup_of_a_light_row_prints_the_full_rows_detail_marked_as_such(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"PATH_LIMIT": 1}}
    full_id = client.get("/api/t/raise/crash/", HTTP_X_TRACE="first")["X-Error-Id"]
    light_id = client.get("/api/t/raise/crash/?page=2", HTTP_X_TRACE="second")["X-Error-Id"]
    light = ErrorLog.objects.get(error_id=light_id)

    output = run("apierrors_lookup", light_id)

    lines = output.splitlines()
    assert lines[0] == f"error_id     {light_id}"
    assert lines[7] == f"detail from  {full_id} (light row of an error storm)"
    assert lines[8] == f"admin        /admin/apierrors/errorlog/{light.pk}/change/"
    assert f"Exception (from {full_id})" in lines
    assert f"Traceback (from {full_id})" in lines
    assert f"Request headers (from {full_id})" in lines
    assert f"Response body (from {full_id})" in lines
    assert "Query string" in lines
    assert '  {"page": ["2"]}' in lines
    assert '    "X-Trace": "first",' in lines or '    "X-Trace": "first"' in lines
    assert "second" not in output


def test_lookup_of_a_light_row_whose_full_row_was_pruned(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"PATH_LIMIT": 1}}
    full_id = client.get("/api/t/raise/not_found/")["X-Error-Id"]
    light_id = client.get("/api/t/raise/not_found/")["X-Error-Id"]
    ErrorLog.objects.filter(error_id=full_id).delete()

    output = run("apierrors_lookup", light_id)

    assert f"detail from  {full_id} (light row of an error storm, no longer in the log)" in output
    assert "Traceback" not in output and "Response body" not in output


# Indexes --------------------------------------------------------------------------------------

ROWS = 20_000


def fill_log(rows: int) -> None:
    """``rows`` rows, one a minute into the past, written by the database itself."""
    columns = (
        "error_id, code, status_code, method, path, query_string, request_id, user_pk, "
        "username, language, exception_class, exception_message, traceback, params, "
        "field_errors, request_headers, response_body, created_at, detail_from, sentry_event_id, "
        "response_text, request_id_from_client, cut"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO apierrors_errorlog ({columns}) SELECT lpad(i::text, 26, '0'), "
                "'not_found', 404, 'GET', '/p/', '', '', '', '', 'en', '', '', '', '{}', '[]', "
                "'{}', 'null', now() - make_interval(mins => i), '', '', '', false, '{}' "
                "FROM generate_series(1, %s) AS i",
                [rows],
            )
            cursor.execute("ANALYZE apierrors_errorlog")
        else:
            cursor.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
                f"INSERT INTO apierrors_errorlog ({columns}) SELECT printf('%%026d', i), "
                "'not_found', 404, 'GET', '/p/', '', '', '', '', 'en', '', '', '', '{}', '[]', "
                "'{}', 'null', strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', printf('-%%d minutes', i)), "
                "'', '', '', 0, '{}' FROM n",
                [rows],
            )
            cursor.execute("ANALYZE")


def uses_an_index(plan: str) -> bool:
    if connection.vendor == "postgresql":
        return "Seq Scan on apierrors_errorlog" not in plan and "Index" in plan
    return "USING INDEX" in plan or "USING COVERING INDEX" in plan or "USING INTEGER" in plan


def test_prune_lookup_and_admin_search_use_indexes():
    fill_log(ROWS)
    cutoff = timezone.now() - timedelta(days=7)
    old = ErrorLog.objects.filter(created_at__lt=cutoff)
    error_id = "0" * 21 + "12345"

    plans = {
        "prune batch": old.order_by("created_at").values_list("pk", flat=True)[:5000].explain(),
        "prune delete": ErrorLog.objects.filter(pk__in=[1, 2, 3]).explain(),
        "admin search and lookup": ErrorLog.objects.filter(error_id=error_id).explain(),
    }

    for name, plan in plans.items():
        assert uses_an_index(plan), (name, plan)
    assert ErrorLog.objects.filter(error_id=error_id).count() == 1
    output = run("apierrors_prune", "--older-than", "7d", "--yes")
    assert output == f"Deleted {ROWS - 7 * 24 * 60 + 1} error log rows.\n"
