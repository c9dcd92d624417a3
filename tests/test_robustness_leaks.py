"""No leaks: non-public errors show no exception text, SQL, paths or tracebacks, DEBUG or not."""

from __future__ import annotations

import pytest

from apierrors import APIError
from apierrors.formats import FORMATS
from tests.conftest import log_row, site_format
from tests.testapp import views

# Raisers whose catalog entry is not public, and what their exceptions carry.
NON_PUBLIC = [
    "crash",
    "operational",
    "database",
    "bad_sql",
    "multiple",
    "integrity",
    "protected",
    "configured",
    "http404",
    "does_not_exist",
    "recursion",
    "django_permission_denied",
]
# Nothing of these may reach a client: exception texts, SQL, file paths, traceback lines,
# exception class names, model and table names, credentials.
FORBIDDEN = [
    "hunter2",
    "password",
    "secret",
    "settings.py",
    "/srv/",
    "10.0.0.5",
    "relation",
    "no_such_table",
    "SELECT",
    "user:pw",
    "Traceback",
    'File "',
    "line ",
    ".py",
    "RuntimeError",
    "OperationalError",
    "DatabaseError",
    "IntegrityError",
    "ProtectedError",
    "MultipleObjectsReturned",
    "RecursionError",
    "UNIQUE",
    "testapp_widget",
    "Widget",
    "twin",
    "staff only",
    "recursion depth",
]


def assert_clean(response, where):
    text = response.content.decode() + "".join(
        f"{name}: {value}\n" for name, value in response.headers.items()
    )
    for secret in FORBIDDEN:
        assert secret not in text, (where, secret, text)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("debug", [False, True])
def test_non_public_errors_leak_nothing_in_any_format(client, settings, no_storm, debug):
    settings.DEBUG = debug
    for name in FORMATS:
        with site_format(name):
            for kind in NON_PUBLIC:
                for path in (f"/api/t/raise/{kind}/", f"/api/t/plain/{kind}/"):
                    response = client.get(path)

                    assert response.status_code >= 400, (name, path)
                    assert_clean(response, (name, path, debug))
                    # The internals went to the log, for staff.
                    row = log_row(response)
                    assert row.exception_class


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_detail_given_to_a_non_public_entry_never_reaches_the_client(
    client, settings, no_storm, debug
):
    settings.DEBUG = debug
    for name in FORMATS:
        with site_format(name):
            for code in ("server_error", "database_unavailable", "sql_multiple_results_found"):
                views.INJECTED[:] = [
                    APIError(code, detail="password=hunter2 in /srv/app/settings.py line 3")
                ]

                response = client.get("/api/t/injected/")

                assert_clean(response, (name, code, debug))
                assert "hunter2" not in log_row(response).exception_message


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_url_never_shows_djangos_debug_page(client, settings, debug):
    settings.DEBUG = debug

    response = client.get("/api/no/such/endpoint/")

    assert response["Content-Type"] == "application/problem+json"
    assert "urlpatterns" not in response.content.decode()
    assert "tests.urls" not in response.content.decode()
