"""Error storms: bounded writes, every dropped error counted, staff see how many occurred."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.http import HttpResponseNotFound
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apierrors import ids, log, storm
from apierrors.middleware import APIErrorsMiddleware
from apierrors.models import ErrorLog

pytestmark = pytest.mark.django_db


def inserts(context) -> int:
    return sum(
        1
        for query in context.captured_queries
        if query["sql"].startswith("INSERT") and "apierrors_errorlog" in query["sql"]
    )


def unknown_url_burst(count: int, path=lambda i: "/api/no/such/page/"):
    """``count`` requests for unknown URLs under /api/, through the app's middleware and
    handler as Django would call them (URL resolution aside, which finds nothing)."""
    middleware = APIErrorsMiddleware(lambda request: HttpResponseNotFound())
    factory = RequestFactory()
    return [middleware(factory.get(path(i))) for i in range(count)]


def write_open_summaries() -> None:
    log.write(storm.flush())


def test_10000_identical_404s_make_11_writes_and_count_every_one():
    with CaptureQueriesContext(connection) as context:
        responses = unknown_url_burst(10_000)
        write_open_summaries()

    assert {r.status_code for r in responses} == {404}
    assert len({r["X-Error-Id"] for r in responses}) == 10_000
    assert inserts(context) == 11
    assert ErrorLog.objects.count() == 11
    assert ErrorLog.objects.aggregate(total=Sum("occurrences"))["total"] == 10_000
    summary = ErrorLog.objects.get(occurrences__gt=1)
    assert (summary.code, summary.status_code, summary.method, summary.path) == (
        "not_found",
        404,
        "GET",
        "/api/no/such/page/",
    )
    assert summary.occurrences == 9_990
    assert summary.params == {
        "first_error_id": responses[10]["X-Error-Id"],
        "last_error_id": responses[-1]["X-Error-Id"],
        "paths": {"/api/no/such/page/": 9_990},
    }
    assert summary.created_at <= summary.last_seen_at
    kept = set(ErrorLog.objects.filter(occurrences=1).values_list("error_id", flat=True))
    assert kept == {r["X-Error-Id"] for r in responses[:10]}


def test_a_bot_walking_404s_is_limited_per_code(settings):
    responses = unknown_url_burst(500, path=lambda i: f"/api/walk/{i}/")
    write_open_summaries()

    assert ErrorLog.objects.filter(occurrences=1).count() == 100
    summary = ErrorLog.objects.get(occurrences__gt=1)
    assert summary.occurrences == 400
    paths = summary.params["paths"]
    assert len(paths) == 21
    assert paths[storm.OTHER_PATHS] == 380
    assert sum(paths.values()) == 400
    assert len(responses) == 500


def test_the_summary_is_written_with_the_first_error_after_its_window(
    client, settings, monkeypatch
):
    settings.APIERRORS = {**settings.APIERRORS, "STORM_WINDOW": 30}
    clock = [1000.0]
    real_decide = storm.storm.decide
    monkeypatch.setattr(storm, "decide", lambda head: real_decide(head, now=clock[0]))

    for _ in range(15):
        client.get("/api/t/raise/not_found/")
    assert ErrorLog.objects.count() == 10
    clock[0] += 31
    later = client.get("/api/t/raise/crash/")

    assert ErrorLog.objects.count() == 12
    assert ErrorLog.objects.get(occurrences=5).code == "not_found"
    assert ErrorLog.objects.get(error_id=later["X-Error-Id"]).occurrences == 1


def test_a_summary_keeps_no_secret_of_the_paths_it_counts():
    # Counted errors are not redacted one by one: their summary is, path, paths and body.
    card = "4111111111111111"
    responses = unknown_url_burst(24, path=lambda i: f"/api/cards/{card}/{i % 2}/")
    write_open_summaries()

    summary = ErrorLog.objects.get(occurrences__gt=1)
    assert summary.occurrences == 4
    assert summary.path in {"/api/cards/[redacted]/0/", "/api/cards/[redacted]/1/"}
    assert summary.params["paths"] == {"/api/cards/[redacted]/0/": 2, "/api/cards/[redacted]/1/": 2}
    assert summary.response_body["instance"] == "/api/cards/[redacted]/1/"
    assert summary.response_body["error_id"] == responses[-1]["X-Error-Id"]
    stored = ErrorLog.objects.values_list("path", "params", "response_body", "response_text")
    assert card not in repr(list(stored))
    assert card in responses[-1].content.decode()


def test_windows_reopen_and_codes_are_counted_apart(settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM_PATH_LIMIT": 2, "STORM_WINDOW": 10}
    gate = storm.Storm()

    def record(code, path="/p/"):
        return {
            "error_id": ids.new_error_id(),
            "code": code,
            "status_code": 404,
            "method": "GET",
            "path": path,
            "language": "en",
            "exception_class": "",
            "response_body": {},
            "created_at": timezone.now(),
        }

    kept = [gate.decide(record("a"), now=0.0) for _ in range(3)]
    other = [gate.decide(record("b"), now=1.0) for _ in range(2)]
    keep, summaries = gate.decide(record("a"), now=10.5)

    assert kept == [(True, []), (True, []), (False, [])]
    assert other == [(True, []), (True, [])]
    # The window closed: "a" is kept again, and the one it dropped arrives as a summary.
    assert keep is True
    assert [(item["code"], item["occurrences"]) for item in summaries] == [("a", 1)]
    assert gate.flush() == []


def test_each_summary_comes_out_when_its_own_window_closes(settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM_PATH_LIMIT": 1, "STORM_WINDOW": 10}
    gate = storm.Storm()

    def record(code):
        return {
            "error_id": ids.new_error_id(),
            "code": code,
            "status_code": 404,
            "method": "GET",
            "path": "/p/",
            "language": "en",
            "exception_class": "",
            "response_body": {},
            "created_at": timezone.now(),
        }

    def summaries_at(now, code="c"):
        return [(item["code"], item["occurrences"]) for item in gate.decide(record(code), now)[1]]

    # "a" starts counting at 1, "b" at 6: their summaries close 10 s later, each on its own.
    for code, start in (("a", 0.0), ("b", 5.0)):
        gate.decide(record(code), now=start)
        gate.decide(record(code), now=start + 1)
        gate.decide(record(code), now=start + 2)

    assert summaries_at(10.9) == []
    assert summaries_at(11.0) == [("a", 2)]
    assert summaries_at(15.9) == []
    assert summaries_at(16.0) == [("b", 2)]
    assert [(item["code"], item["occurrences"]) for item in gate.flush()] == [("c", 3)]


def test_dropped_errors_are_logged_at_debug_with_their_error_id(caplog):
    with caplog.at_level(logging.DEBUG, logger="apierrors.storm"):
        responses = unknown_url_burst(12)

    lines = [r.getMessage() for r in caplog.records if r.name == "apierrors.storm"]
    assert lines == [
        f"apierrors error_id={r['X-Error-Id']} counted, not stored "
        "(storm control: not_found GET /api/no/such/page/)"
        for r in responses[10:]
    ]


def test_storm_limits_can_be_turned_off(settings):
    settings.APIERRORS = {
        **settings.APIERRORS,
        "STORM_PATH_LIMIT": None,
        "STORM_CODE_LIMIT": None,
    }

    unknown_url_burst(50)

    assert ErrorLog.objects.count() == 50


def test_open_summaries_are_written_at_exit():
    unknown_url_burst(15)

    storm.write_open_summaries()

    assert ErrorLog.objects.get(occurrences=5).path == "/api/no/such/page/"
    assert storm.flush() == []


def test_a_dropped_error_id_leads_staff_to_its_summary(admin_client):
    responses = unknown_url_burst(12)
    write_open_summaries()
    dropped = responses[11]["X-Error-Id"]

    html = admin_client.get("/admin/apierrors/errorlog/", {"q": dropped.upper()}).content.decode()

    summary = ErrorLog.objects.get(occurrences=2)
    assert summary.error_id in html
    assert '<td class="field-occurrences">2</td>' in html
    assert (
        f"The error_id {dropped} has no record of its own: it came during an error storm, "
        "and the summary listed below counts it."
    ) in html


def test_the_catalog_list_counts_the_rows_a_storm_wrote(admin_client):
    unknown_url_burst(25)
    write_open_summaries()

    html = admin_client.get("/admin/apierrors/errorcode/", {"q": "not_found"}).content.decode()

    # The catalog's counts are rows written (apierrors.counts), a summary row among them.
    assert ErrorLog.objects.count() == 11
    row = next(row for row in html.split("<tr>") if ">not_found</a></th>" in row)
    assert re.search(r'<td class="field-occurrences_24h"><a href="[^"]+">11</a></td>', row)


def test_summaries_covering_an_error_id_are_found_by_its_time():
    responses = unknown_url_burst(12)
    write_open_summaries()
    old = ErrorLog.objects.create(
        error_id=ids.new_error_id(),
        code="not_found",
        status_code=404,
        created_at=timezone.now() - timedelta(days=1),
        last_seen_at=timezone.now() - timedelta(days=1),
        occurrences=7,
    )

    found = storm.summaries_covering(responses[11]["X-Error-Id"], ErrorLog.objects.all())

    assert [row.occurrences for row in found] == [2]
    assert old not in found
