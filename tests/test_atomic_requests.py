"""DRF views' errors under ATOMIC_REQUESTS: answered inside the view, as DRF's own handler.

The handler reads the catalog and builds the answer in the view's transaction, then marks it for
rollback (DRF's set_rollback()); the error's row is written once the view returned, outside it.
Tests that say what a client sees run with and without the transaction: the answer is the same.
"""

from __future__ import annotations

import json
import logging
import sys

import pytest
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.http import HttpResponse
from rest_framework.test import APIRequestFactory

from apierrors.catalog.store import catalog
from apierrors.models import ErrorCode, ErrorLog
from tests.conftest import log_row
from tests.test_robustness import QueryRecorder, assert_logged_not_stored
from tests.testapp.models import Widget
from tests.testapp.views import RaiseView


@pytest.fixture(params=["in a transaction", "no transaction"])
def view_transaction(request) -> str:
    """Each test twice: the view in an ATOMIC_REQUESTS transaction, and without one."""
    if request.param == "in a transaction":
        request.getfixturevalue("atomic_requests")
    return str(request.param)


class TransactionRecorder:
    """Each query with whether it ran inside a transaction, and inside a doomed one."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, bool, bool]] = []

    def __call__(self, execute, sql, params, many, context):
        inside = connection.in_atomic_block
        self.queries.append((sql, inside, inside and connection.needs_rollback))
        return execute(sql, params, many, context)

    def of(self, table: str) -> list[tuple[bool, bool]]:
        return [(inside, doomed) for sql, inside, doomed in self.queries if table in sql]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("kind", "status"), [("api_error", 400), ("crash", 500)])
def test_the_answer_is_built_in_the_views_transaction_which_is_rolled_back(
    client, atomic_requests, kind, status
):
    ErrorCode.objects.filter(code="invalid_product_id").update(
        message_en="Edited in the admin: product {productId}."
    )
    recorder = TransactionRecorder()
    catalog.invalidate()  # cold: the catalog is read while answering
    with connection.execute_wrapper(recorder):
        response = client.post(f"/api/t/write/{kind}/")

    assert response.status_code == status
    # The view's own write ran in its transaction; the catalog was read there too, before the
    # handler marked it for rollback, so the admin's texts are answered.
    assert recorder.of("testapp_widget") == [(True, False)]
    assert recorder.of('"apierrors_errorcode"') == [(True, False)]
    if kind == "api_error":
        assert response.json()["detail"] == "Edited in the admin: product 123."
    # Rolled back: an APIException does not leave the view, so only the handler's mark did it.
    assert not Widget.objects.exists()
    assert log_row(response).path == f"/api/t/write/{kind}/"


@pytest.mark.django_db
def test_headers_drf_sets_on_the_view_come_after_the_answers_own(client, view_transaction):
    response = client.get("/api/t/browsable-raise/not_found/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 404
    assert dict(response.headers) == {
        "Content-Type": "application/problem+json",
        "X-Error-Id": response["X-Error-Id"],
        "X-Request-Id": response["X-Request-Id"],
        "Content-Language": "fr",
        "Vary": "Accept-Language, Accept",
        "Allow": "GET, POST, HEAD, OPTIONS",
        "Content-Length": str(len(response.content)),
    }
    assert json.loads(response.content)["title"] == "Introuvable"


@pytest.mark.django_db(transaction=True)
def test_a_decorator_reading_the_response_inside_the_view(client, atomic_requests):
    # never_cache reads the response's headers inside the view's transaction, which the
    # handler marked for rollback: the catalog was read before, and nothing is read after.
    ErrorCode.objects.filter(code="invalid_product_id").update(
        message_en="Edited in the admin: product {productId}."
    )
    catalog.invalidate()
    doomed = QueryRecorder()
    with connection.execute_wrapper(doomed):
        response = client.post("/api/t/never-cached-write/api_error/")

    assert doomed.doomed == []
    assert response.status_code == 400
    assert json.loads(response.content)["detail"] == "Edited in the admin: product 123."
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response["Vary"] == "Accept-Language"
    assert response["Allow"] == "POST, OPTIONS"
    assert not Widget.objects.exists()
    assert log_row(response).code == "invalid_product_id"


@pytest.mark.django_db
def test_what_a_decorator_writes_on_the_response_is_kept_over_the_answer(client, view_transaction):
    # Content-Language, X-Marked and the cookie are written after the answer was built: each
    # ends as the decorator wrote it.
    response = client.get("/api/t/marked-raise/not_found/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 404
    assert response["Content-Language"] == "de"
    assert response["X-Marked"] == "yes"
    assert response.cookies["seen"].value == "1"
    assert json.loads(response.content)["title"] == "Introuvable"
    assert log_row(response).status_code == 404


@pytest.mark.django_db
def test_a_view_called_directly_answers_as_through_django(client):
    through_django = client.get("/api/t/raise/api_error/")
    request = APIRequestFactory().get("/api/t/raise/api_error/")

    response = RaiseView.as_view()(request, kind="api_error")

    assert type(response) is HttpResponse
    assert_same_answer(response, through_django)


@pytest.mark.django_db(transaction=True)
def test_a_view_called_directly_in_its_transaction_answers_in_it(client, atomic_requests, caplog):
    through_django = client.get("/api/t/raise/api_error/")
    ErrorLog.objects.all().delete()
    request = APIRequestFactory().get("/api/t/raise/api_error/")

    # transaction.atomic() as ATOMIC_REQUESTS wraps the view.
    with caplog.at_level(logging.ERROR, logger="apierrors.log"), transaction.atomic():
        response = RaiseView.as_view()(request, kind="api_error")
        assert type(response) is HttpResponse
        assert connection.needs_rollback  # marked by the handler, as DRF's handler does

    assert_same_answer(response, through_django, logged=False)
    # No middleware around a direct call: the row would have vanished with the transaction.
    assert_logged_not_stored(caplog, response)


def assert_same_answer(response, through_django, *, logged: bool = True) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    expected = json.loads(through_django.content)
    assert body == {**expected, "error_id": response["X-Error-Id"]}
    if logged:
        assert log_row(response).path == "/api/t/raise/api_error/"


@pytest.mark.django_db
def test_a_sites_own_handler_around_ours_reads_the_answer(client, view_transaction, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "EXCEPTION_HANDLER": "tests.testapp.views.status_tagging_exception_handler",
    }

    response = client.get("/api/t/raise/not_found/")

    assert response.status_code == 404
    assert response["X-Status-Seen"] == "404"
    assert log_row(response).code == "not_found"


@pytest.mark.django_db
def test_an_error_whose_response_no_one_read_is_logged(client, view_transaction):
    response = client.get("/api/t/plain-discarding/not_found/")

    assert response.status_code == 200
    assert json.loads(response.content) == {"discarded": "not_found"}
    row = ErrorLog.objects.get()
    assert (row.code, row.status_code, row.path) == (
        "not_found",
        404,
        "/api/t/plain-discarding/not_found/",
    )


@pytest.mark.django_db
def test_djangos_signal_receivers_see_the_exception_being_handled(client, view_transaction):
    seen = []

    def receiver(sender, request, **kwargs):
        seen.append(sys.exc_info()[1])

    got_request_exception.connect(receiver)
    try:
        response = client.get("/api/t/raise/crash/")
    finally:
        got_request_exception.disconnect(receiver)

    assert response.status_code == 500
    assert len(seen) == 1
    assert isinstance(seen[0], RuntimeError)
    # Its traceback is the view's, from DRF's dispatch to the line that raised.
    names = []
    tb = seen[0].__traceback__
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert names[0] == "dispatch"
    assert names[-1] == "_crash"
