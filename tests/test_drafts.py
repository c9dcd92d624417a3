"""Drafts: codes a client can make the site raise never reach the public reference, and are capped."""

from __future__ import annotations

import logging

import pytest
from django.core.checks import run_checks

from apierrors.catalog import drafts
from apierrors.conf import apierrors_settings
from apierrors.models import ErrorCode, ErrorLog

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.docs_urls")]


def reference_codes(client) -> tuple[str, set[str]]:
    page = client.get("/errors/").content.decode()
    data = client.get("/errors/catalog.json").json()
    return page, {entry["code"] for category in data["categories"] for entry in category["entries"]}


def test_a_draft_stays_off_the_reference_until_staff_publish_it(client):
    before_page, before = reference_codes(client)

    response = client.get("/api/t/echo-code/", {"code": "upstream_said_no"})

    assert response.status_code == 500
    assert ErrorCode.objects.get(code="upstream_said_no").is_draft
    page, codes = reference_codes(client)
    assert "upstream_said_no" not in codes
    assert "upstream_said_no" not in page
    assert (page, codes) == (before_page, before)
    ErrorCode.objects.filter(code="upstream_said_no").update(is_draft=False)
    page, codes = reference_codes(client)
    assert "upstream_said_no" in codes
    assert 'id="upstream_said_no"' in page


def test_create_drafts_false_creates_none_and_answers_the_same(client, settings):
    def answer(response) -> tuple[int, dict]:
        body = response.json()
        return response.status_code, {
            key: value for key, value in body.items() if key not in {"error_id", "request_id"}
        }

    settings.APIERRORS = {**settings.APIERRORS, "CREATE_DRAFTS": False}
    without = client.get("/api/t/echo-code/", {"code": "upstream_said_no"})
    assert not ErrorCode.objects.filter(code="upstream_said_no").exists()
    assert ErrorLog.objects.get(error_id=without["X-Error-Id"]).code == "upstream_said_no"

    settings.APIERRORS = {**settings.APIERRORS, "CREATE_DRAFTS": True}
    drafted = client.get("/api/t/echo-code/", {"code": "upstream_said_no"})
    assert ErrorCode.objects.get(code="upstream_said_no").is_draft

    assert answer(without) == answer(drafted)
    assert answer(without)[1]["code"] == "upstream_said_no"
    assert without["Content-Type"] == drafted["Content-Type"]


def test_no_draft_is_created_while_the_log_is_off(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "LOG": {"ENABLED": False}}

    response = client.get("/api/t/echo-code/", {"code": "upstream_said_no"})

    assert response.status_code == 500
    assert not ErrorCode.objects.filter(code="upstream_said_no").exists()
    assert not ErrorLog.objects.exists()


def test_400_anonymous_codes_make_at_most_the_hourly_cap_of_drafts(client, caplog):
    with caplog.at_level(logging.WARNING, logger="apierrors.drafts"):
        responses = [client.get("/api/t/echo-code/", {"code": f"probe_{i}"}) for i in range(400)]

    assert {r.status_code for r in responses} == {500}
    assert ErrorCode.objects.filter(is_draft=True).count() == 20
    assert set(ErrorCode.objects.filter(is_draft=True).values_list("code", flat=True)) == {
        f"probe_{i}" for i in range(20)
    }
    # Every error still has its row, with the code the client sent.
    assert [r.json()["code"] for r in responses[-2:]] == ["probe_398", "probe_399"]
    lines = [r.getMessage() for r in caplog.records if r.name == "apierrors.drafts"]
    assert lines == [
        "apierrors: 20 new codes became drafts in this process this hour, the cap; 'probe_20' "
        "and the next unknown codes are answered with their generic entry and counted"
    ]


def test_the_hourly_window_reopens_and_reports_what_it_counted(settings, caplog):
    settings.APIERRORS = {**settings.APIERRORS, "DRAFT_LIMITS": {"per_hour": 2, "total": None}}
    gate = drafts.DraftGate()

    with caplog.at_level(logging.WARNING, logger="apierrors.drafts"):
        first = [gate.allow(code, now=0.0) for code in ("a", "b", "c", "a", "d")]
        later = gate.allow("e", now=3600.0)

    assert first == [True, True, False, True, False]
    assert later is True
    assert [r.getMessage() for r in caplog.records] == [
        "apierrors: 2 new codes became drafts in this process this hour, the cap; 'c' and the "
        "next unknown codes are answered with their generic entry and counted",
        "apierrors: 2 unknown codes answered with their generic entry and not drafted "
        "(more than 2 new codes in an hour); last: 'd'",
    ]


def test_no_draft_is_created_while_the_total_cap_of_drafts_wait(client, settings, caplog):
    settings.APIERRORS = {**settings.APIERRORS, "DRAFT_LIMITS": {"per_hour": None, "total": 5}}

    with caplog.at_level(logging.WARNING, logger="apierrors.drafts"):
        for i in range(8):
            client.get("/api/t/echo-code/", {"code": f"probe_{i}"})

    assert ErrorCode.objects.filter(is_draft=True).count() == 5
    assert [r.getMessage() for r in caplog.records if r.name == "apierrors.drafts"] == [
        f"apierrors: 1 unknown codes answered with their generic entry and not drafted "
        f"(5 drafts wait for staff already); last: 'probe_{i}'"
        for i in (5, 6, 7)
    ]
    # Published drafts make room.
    ErrorCode.objects.filter(code="probe_0").update(is_draft=False)
    client.get("/api/t/echo-code/", {"code": "probe_9"})
    assert ErrorCode.objects.get(code="probe_9").is_draft


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"CREATE_DRAFTS": "yes"},
            ("apierrors.E306", "APIERRORS['CREATE_DRAFTS'] = 'yes' is not True or False."),
        ),
        (
            {"DRAFT_LIMITS": 20},
            (
                "apierrors.E306",
                "APIERRORS['DRAFT_LIMITS'] = 20 is not a dict whose keys are among 'per_hour', "
                "'total'.",
            ),
        ),
        (
            {"DRAFT_LIMITS": {"per_hour": -1}},
            (
                "apierrors.E306",
                "APIERRORS['DRAFT_LIMITS']['per_hour'] = -1 is not a whole number of at least 0, "
                "or None.",
            ),
        ),
        (
            {"DRAFT_LIMITS": {"total": True}},
            (
                "apierrors.E306",
                "APIERRORS['DRAFT_LIMITS']['total'] = True is not a whole number of at least 0, "
                "or None.",
            ),
        ),
        (
            {"DRAFT_LIMITS": {"per_day": 5}},
            ("apierrors.W001", "APIERRORS['DRAFT_LIMITS'] has unknown keys: per_day."),
        ),
    ],
)
def test_draft_settings_are_checked(settings, change, expected):
    settings.APIERRORS = {**settings.APIERRORS, **change}

    found = [(m.id, m.msg) for m in run_checks() if m.id.startswith("apierrors.")]

    assert found == [expected]


def test_a_site_that_sets_one_draft_limit_keeps_the_other(settings):
    settings.APIERRORS = {**settings.APIERRORS, "DRAFT_LIMITS": {"per_hour": 5}}

    assert apierrors_settings.DRAFT_LIMITS == {"per_hour": 5, "total": 100}
