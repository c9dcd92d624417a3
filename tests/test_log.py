"""The log row: what it keeps, and that it outlives the request's rolled-back transaction."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.test import RequestFactory
from rest_framework.request import Request

from apierrors.core import ids
from apierrors.log import record as log
from apierrors.models import ErrorLog
from tests.conftest import log_row
from tests.testapp.models import Widget


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("kind", "status"), [("api_error", 400), ("not_found", 404), ("crash", 500), ("integrity", 409)]
)
def test_row_survives_the_views_rollback(client, atomic_requests, kind, status):
    response = client.post(f"/api/t/write/{kind}/")

    assert response.status_code == status
    assert not Widget.objects.filter(name=f"written-{kind}").exists()
    row = log_row(response)
    assert (row.status_code, row.path) == (status, f"/api/t/write/{kind}/")


@pytest.mark.django_db(transaction=True)
def test_row_survives_the_rollback_of_a_plain_view(client, atomic_requests):
    response = client.post("/api/t/plain-write/crash/")

    assert response.status_code == 500
    assert not Widget.objects.filter(name="plain-crash").exists()
    assert log_row(response).code == "server_error"


@pytest.mark.django_db
def test_row_keeps_the_request_redacted(client):
    response = client.post(
        "/api/t/raise/not_found/?page=2&api_key=abc123",
        {"name": "Ada", "password": "hunter2", "nested": {"card": {"access_token": "tok"}}},
        format="json",
        HTTP_AUTHORIZATION="Bearer sekrit",
        HTTP_X_TRACE="visible",
    )

    row = log_row(response)
    assert row.method == "POST"
    assert row.request_body == {
        "name": "Ada",
        "password": "[redacted]",
        "nested": {"card": {"access_token": "[redacted]"}},
    }
    assert row.request_headers["Authorization"] == "[redacted]"
    assert row.request_headers["X-Trace"] == "visible"
    assert '"page": ["2"]' in row.query_string
    assert "abc123" not in row.query_string
    assert row.exception_class == "rest_framework.exceptions.NotFound"
    assert row.traceback == ""


@pytest.mark.django_db
def test_row_names_the_authenticated_user(api_key_client):
    response = api_key_client.get("/api/products/nope/")

    row = log_row(response)
    assert (row.username, row.user_pk, row.code) == (
        "api-client",
        "api-client",
        "invalid_product_id",
    )


@pytest.mark.django_db
def test_session_user_is_recorded_for_plain_views(client, django_user_model):
    user = django_user_model.objects.create_user("support", password="pw")
    client.force_login(user)

    response = client.get("/api/t/raise/not_found/")

    # DRF's own authentication did not run for this view: the session user is not guessed at.
    assert log_row(response).username == ""


@pytest.mark.django_db
def test_the_session_user_drf_authenticated_is_recorded(client, django_user_model):
    user = django_user_model.objects.create_user("support", password="pw")
    client.force_login(user)

    response = client.get("/api/t/session-raise/not_found/")

    assert response.status_code == 404
    assert (log_row(response).username, log_row(response).user_pk) == ("support", str(user.pk))


@pytest.mark.django_db
def test_a_django_views_session_user_is_not_looked_up(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("support", password="pw"))

    response = client.get("/api/t/plain/not_found/")

    # Django's lazy user would read the session and the user table in the error path.
    assert response.status_code == 404
    assert log_row(response).username == ""


def test_a_drf_request_is_read_through_the_http_request_it_extends():
    http_request = RequestFactory().get("/api/t/raise/not_found/")

    assert log.django_request_of(Request(http_request)) is http_request
    assert log.django_request_of(http_request) is http_request
    assert log.django_request_of(None) is None


def test_the_record_has_a_key_per_column_and_the_keys_named_not_columns():
    columns = {field.attname for field in ErrorLog._meta.concrete_fields if not field.primary_key}

    assert set(log.Record.__annotations__) == columns | log.NOT_COLUMNS
    assert log.NOT_COLUMNS.isdisjoint(columns)
    assert log.Record.__optional_keys__ <= columns


def test_error_ids_are_unguessable_and_sortable():
    generated = [ids.new_error_id() for _ in range(2000)]

    assert len(set(generated)) == 2000
    assert all(len(value) == 26 and ids.normalize_error_id(value) == value for value in generated)
    assert generated[0][:8] <= generated[-1][:8]
    assert ids.normalize_error_id(f"  {generated[0].upper()}\n") == generated[0]
    assert ids.normalize_error_id("not-an-id") is None
    # The 16 characters after the time's 10 are random: every character of the alphabet
    # comes about as often (1,000 times each in 32,000, here at least 800).
    counts = Counter(char for value in generated for char in value[10:])
    assert set(counts) == set("0123456789abcdefghjkmnpqrstvwxyz")
    assert min(counts.values()) >= 800


@pytest.mark.django_db
def test_logging_can_be_turned_off(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "LOG": {"ENABLED": False}}

    response = client.get("/api/t/raise/not_found/")

    assert response.status_code == 404
    assert not ErrorLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unwritable_log_goes_to_python_logging(client, caplog):
    with connection.schema_editor() as editor:
        editor.delete_model(ErrorLog)
    try:
        response = client.get("/api/t/raise/not_found/")
    finally:
        with connection.schema_editor() as editor:
            editor.create_model(ErrorLog)

    assert response.status_code == 404
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "apierrors.log" and "not stored" in r.getMessage()
    ]
    assert len(lines) == 1
    assert response["X-Error-Id"] in lines[0]
    assert '"code": "not_found"' in lines[0]


def test_traceback_keeps_every_frame_and_cause_without_markers():
    from apierrors.log.record import format_traceback

    def inner() -> None:
        raise KeyError("b")

    try:
        try:
            inner()
        except KeyError as exc:
            raise ValueError("wrapped") from exc
    except ValueError as exc:
        text = format_traceback(exc)

    lines = text.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "The above exception was the direct cause of the following exception:" in lines
    assert '    raise KeyError("b")' in lines
    assert "    inner()" in lines
    assert lines[-1] == "ValueError: wrapped"
    assert not any(set(line.strip()) <= set("^~") for line in lines if line.strip())


@pytest.mark.django_db(transaction=True)
def test_the_record_step_waits_until_the_views_transaction_ended(
    client, atomic_requests, monkeypatch
):
    # Under ATOMIC_REQUESTS the view's transaction may hold the database lock (SQLite):
    # storm control and the record run once it is over.
    from apierrors.log import record as log

    seen = []
    real_head = log.head

    def head(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real_head(*args, **kwargs)

    monkeypatch.setattr(log, "head", head)
    response = client.post("/api/t/write/not_found/")

    assert seen == [False]
    assert log_row(response).status_code == 404


def test_a_failing_log_step_does_not_stop_the_others(caplog):
    from apierrors.log import record as log

    ran = []

    def broken():
        raise RuntimeError("step exploded")

    log.run_pending([broken, lambda: ran.append("second")])

    assert ran == ["second"]
    assert [r.getMessage() for r in caplog.records if r.name == "apierrors.log"] == [
        "apierrors: a log step failed after the response"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["not_found", "api_error", "parse", "http404"])
def test_an_error_leaves_no_reference_cycle_behind(client, monkeypatch, kind):
    # An exception's traceback reaches the frames of the whole middleware stack: anything of
    # ours left holding the handler there would make it all garbage that only the cyclic
    # collector frees, which cost more than a tenth of an error's time.
    import gc
    import weakref

    from django.utils import translation

    from apierrors.http.pipeline import ErrorHandler

    # On Python 3.10, reading an unset asgiref Local (Django's active language, the URL
    # resolver's "populating" flag) leaves a cycle of contextlib's own: the request runs with a
    # language active, after a first one populated the resolver, so that what remains is ours.
    with translation.override("en"):
        client.get(f"/api/t/raise/{kind}/")
        refs = []
        real_init = ErrorHandler.__init__

        def init(self, exc, *args, **kwargs):
            refs.append(weakref.ref(exc))
            real_init(self, exc, *args, **kwargs)

        monkeypatch.setattr(ErrorHandler, "__init__", init)
        gc.collect()
        gc.disable()
        try:
            response = client.get(f"/api/t/raise/{kind}/")
            assert response.status_code in {400, 404}
            del response
            assert len(refs) == 1
            assert refs[0]() is None
        finally:
            gc.enable()
