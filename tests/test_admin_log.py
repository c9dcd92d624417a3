"""Support staff's path: from an error_id to its record, and filters to find what failed."""

from __future__ import annotations

import datetime
import html as html_lib
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apierrors.core.ids import new_error_id
from apierrors.models import ErrorCode, ErrorLog

pytestmark = pytest.mark.django_db

LOG_URL = "/admin/apierrors/errorlog/"


def change_url(row: ErrorLog) -> str:
    return f"{LOG_URL}{row.pk}/change/"


def result_ids(page: str) -> list[str]:
    return re.findall(r'<th class="field-error_id"><a href="[^"]+">([0-9a-z]{26})</a>', page)


def make_row(**fields) -> ErrorLog:
    values = {
        "error_id": new_error_id(),
        "code": "invalid_product_id",
        "status_code": 400,
        "method": "GET",
        "path": "/api/products/x/",
        "created_at": timezone.now(),
    }
    values.update(fields)
    return ErrorLog.objects.create(**values)


def local_noon(days_ago: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def editor(django_user_model):
    """Staff who edit the catalog but may not read the log."""
    user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_errorcode"),
        Permission.objects.get(codename="change_errorcode"),
    )
    return user


# From the admin index, in one step ----------------------------------------------------------


@pytest.mark.parametrize("page", ["/admin/", "/admin/apierrors/"])
def test_admin_index_and_app_page_offer_the_error_id_box(admin_client, page):
    html = admin_client.get(page).content.decode()

    box = re.search(r'<form method="get" action="([^"]+)" role="search">(.*?)</form>', html, re.S)
    assert box is not None
    assert box.group(1) == LOG_URL
    assert 'name="q"' in box.group(2)
    assert "Find an error by its error_id" in box.group(2)
    assert "apierrors/admin.css" in html


@pytest.mark.parametrize("page", ["/admin/", "/admin/apierrors/"])
def test_staff_without_log_permission_get_no_error_id_box(client, editor, page):
    client.force_login(editor)

    html = client.get(page).content.decode()

    assert "Find an error by its error_id" not in html
    assert "Error codes" in html


def test_an_error_id_pasted_into_the_index_box_lands_on_its_record(admin_client, client):
    response = client.get("/api/t/raise/crash/")
    error_id = response["X-Error-Id"]
    client.get("/api/t/raise/crash/")
    row = ErrorLog.objects.get(error_id=error_id)

    for pasted in (
        f"  {error_id.upper()}\n",
        f'"{error_id}".',
        f" {error_id[:13]} {error_id[13:]} ",
    ):
        landed = admin_client.get(LOG_URL, {"q": pasted}, follow=True)
        assert landed.redirect_chain == [(change_url(row), 302)]
        page = landed.content.decode()
        assert "RuntimeError: secret internals" in page
        assert error_id in page


def test_an_unknown_error_id_says_so(admin_client, client):
    client.get("/api/t/raise/crash/")
    missing = new_error_id()

    response = admin_client.get(LOG_URL, {"q": missing.upper()})

    assert response.status_code == 200
    page = response.content.decode()
    assert f"No error has the error_id {missing}." in page
    assert result_ids(page) == []


def test_a_request_id_search_lists_its_errors(admin_client, client):
    client.get("/api/t/raise/not_found/", HTTP_X_REQUEST_ID="ticket-77")
    client.get("/api/t/raise/crash/", HTTP_X_REQUEST_ID="ticket-77")
    client.get("/api/t/raise/crash/", HTTP_X_REQUEST_ID="ticket-78")

    page = admin_client.get(LOG_URL, {"q": " ticket-77 "}).content.decode()

    assert sorted(result_ids(page)) == sorted(
        ErrorLog.objects.filter(request_id="ticket-77").values_list("error_id", flat=True)
    )


# The record, in plain order -----------------------------------------------------------------


def test_a_server_error_record_reads_in_order(admin_client, client):
    response = client.post(
        "/api/t/raise/crash/?page=2&access_token=s3cret",
        {"password": "body-pa55", "productId": "kayak"},
        format="json",
        HTTP_X_REQUEST_ID="ticket-9",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    row = ErrorLog.objects.get(error_id=response["X-Error-Id"])

    page = admin_client.get(change_url(row)).content.decode()

    headings = [
        "When",
        "Request",
        "Request headers",
        "What the client received",
        "What broke",
        "Related records",
    ]
    positions = [page.index(f'<h2 id="fieldset-0-{i}-heading"') for i in range(len(headings))]
    assert positions == sorted(positions)
    for index, heading in enumerate(headings):
        assert f'id="fieldset-0-{index}-heading" class="fieldset-heading">{heading}</h2>' in page
    local = timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S")
    assert local in page
    assert '<div class="readonly">POST</div>' in page
    assert "/api/t/raise/crash/" in page
    # The query and the body as received, secrets redacted.
    assert '<code class="apierrors-query">?page=2&amp;access_token=[redacted]</code>' in page
    assert "s3cret" not in page and "body-pa55" not in page
    body = html_lib.unescape(
        re.search(r"field-body_display.*?<pre[^>]*>(.*?)</pre>", page, re.S).group(1)
    )
    assert json.loads(body) == {"password": "[redacted]", "productId": "kayak"}
    assert '<div class="readonly">ticket-9</div>' in page
    assert '<div class="readonly">fr</div>' in page
    assert '<div class="readonly">anonymous</div>' in page
    # What the client received: the status and the exact body.
    assert '<div class="readonly">500 Internal Server Error</div>' in page
    shown = html_lib.unescape(
        re.search(r"field-response_display.*?<pre[^>]*>(.*?)</pre>", page, re.S).group(1)
    )
    assert shown == json.dumps(response.json(), indent=2, ensure_ascii=False)
    assert row.response_text == response.content.decode()
    # What broke, and the catalog entry that answered.
    assert '<div class="readonly">builtins.RuntimeError</div>' in page
    assert '<pre class="apierrors-traceback">Traceback (most recent call last):' in page
    assert "RuntimeError: secret internals" in page
    entry = ErrorCode.objects.get(code="server_error")
    assert f'<a href="/admin/apierrors/errorcode/{entry.pk}/change/">server_error</a>' in page
    assert "No other error has this request id." in page
    assert "apierrors/admin.css" in page


def test_a_client_error_record_lists_field_errors_and_has_no_traceback(admin_client, client):
    response = client.post("/api/t/orders/", {"items": [{"sku": ""}]}, format="json")
    row = ErrorLog.objects.get(error_id=response["X-Error-Id"])
    assert response.status_code == 400

    page = admin_client.get(change_url(row)).content.decode()

    assert '<div class="readonly">400 Bad Request</div>' in page
    assert "field-traceback_display" not in page
    errors = re.search(r'<ul class="apierrors-field-errors">(.*?)</ul>', page, re.S).group(1)
    for item in row.field_errors:
        dotted = ".".join(str(part) for part in item["path"])
        assert f"<li><code>{dotted}</code> {item['code']}:" in errors


def test_the_record_shows_the_user_and_links_their_errors(admin_client, api_key_client):
    response = api_key_client.get("/api/products/nope/")
    row = ErrorLog.objects.get(error_id=response["X-Error-Id"])

    page = admin_client.get(change_url(row)).content.decode()

    assert 'api-client <span class="apierrors-muted">(id api-client)</span>' in page
    assert f'<a href="{LOG_URL}?user=api-client">' in page


def test_records_of_the_same_request_id_link_each_other(admin_client, client):
    first = client.get("/api/t/raise/not_found/", HTTP_X_REQUEST_ID="retry-5")["X-Error-Id"]
    second = client.get("/api/t/raise/crash/", HTTP_X_REQUEST_ID="retry-5")["X-Error-Id"]
    client.get("/api/t/raise/crash/", HTTP_X_REQUEST_ID="other-6")
    first_row = ErrorLog.objects.get(error_id=first)
    second_row = ErrorLog.objects.get(error_id=second)

    page = admin_client.get(change_url(first_row)).content.decode()

    related = re.search(r'<ul class="apierrors-related">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">([0-9a-z]{26})</a>', related) == [
        (change_url(second_row), second)
    ]
    assert f'<a href="{LOG_URL}?q=retry-5">All errors with this request id</a>' in page


def test_the_record_is_view_only_without_history(admin_client, client):
    row = ErrorLog.objects.get(error_id=client.get("/api/t/raise/crash/")["X-Error-Id"])

    page = admin_client.get(change_url(row)).content.decode()

    assert 'class="historylink"' not in page
    assert 'name="_save"' not in page
    assert "Close" in page


# Filters: "what failed for this customer yesterday" -----------------------------------------


def test_yesterday_then_the_user_is_two_clicks(admin_client):
    wanted = make_row(username="alice", created_at=local_noon(1), status_code=409, code="conflict")
    make_row(username="alice", created_at=local_noon(0))
    make_row(username="alice", created_at=local_noon(3))
    make_row(username="bob", created_at=local_noon(1))
    make_row(username="carol", created_at=local_noon(3))

    listing = admin_client.get(LOG_URL).content.decode()
    yesterday = re.search(r'<a href="([^"]+)">Yesterday</a>', listing).group(1)
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert html_lib.unescape(yesterday) == f"?since={day}&until={day}"

    first_click = admin_client.get(LOG_URL + html_lib.unescape(yesterday)).content.decode()
    users = re.search(r"By user.*?<ul>(.*?)</ul>", first_click, re.S).group(1)
    offered = re.findall(r'<a href="([^"]+)">([^<]+)</a>', users)
    assert [name for _href, name in offered] == ["All", "alice", "bob"]
    alice = html_lib.unescape(dict((name, href) for href, name in offered)["alice"])

    second_click = admin_client.get(LOG_URL + alice).content.decode()

    assert result_ids(second_click) == [wanted.error_id]


def test_a_custom_date_range_includes_both_days(admin_client):
    inside = [make_row(created_at=local_noon(3)), make_row(created_at=local_noon(2))]
    make_row(created_at=local_noon(4))
    make_row(created_at=local_noon(1))
    since = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    until = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()

    page = admin_client.get(LOG_URL, {"since": since, "until": until}).content.decode()

    assert sorted(result_ids(page)) == sorted(row.error_id for row in inside)
    assert f'name="since" value="{since}"' in page and f'name="until" value="{until}"' in page


def test_the_range_form_keeps_the_other_filters(admin_client):
    make_row()

    page = admin_client.get(LOG_URL, {"status_code": "400", "q": "x"}).content.decode()

    form = re.search(r'<form method="get" class="apierrors-date-range">(.*?)</form>', page, re.S)
    assert '<input type="hidden" name="status_code" value="400">' in form.group(1)
    assert '<input type="hidden" name="q" value="x">' in form.group(1)


def test_a_date_that_is_not_a_date_is_refused(admin_client):
    response = admin_client.get(LOG_URL, {"since": "yesterday"})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status_code": "500"}, ["crash"]),
        ({"code": "conflict"}, ["conflict"]),
        ({"user": "bob"}, ["bob"]),
        ({"status_code": "400", "user": "alice"}, ["alice-400"]),
        ({"status_code": "4xx"}, ["conflict", "bob", "alice-400"]),
        ({"status_code": "5xx", "method": "GET"}, ["crash"]),
        ({"method": "POST"}, []),
    ],
)
def test_filters_by_status_code_and_user(admin_client, params, expected):
    rows = {
        "crash": make_row(status_code=500, code="server_error", username="alice"),
        "conflict": make_row(status_code=409, code="conflict", username="carol"),
        "bob": make_row(status_code=404, code="not_found", username="bob"),
        "alice-400": make_row(status_code=400, code="invalid_product_id", username="alice"),
    }

    page = admin_client.get(LOG_URL, params).content.decode()

    assert sorted(result_ids(page)) == sorted(rows[name].error_id for name in expected)


def test_filter_choices_come_from_the_catalog_not_from_the_log(admin_client):
    make_row(code="conflict", status_code=423)

    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(LOG_URL).content.decode()

    codes = re.search(r"By code.*?<ul>(.*?)</ul>", page, re.S).group(1)
    assert re.findall(r">([a-z_]+)</a>", codes) == list(
        ErrorCode.objects.order_by("code").values_list("code", flat=True)
    )
    statuses = re.search(r"By HTTP status.*?<ul>(.*?)</ul>", page, re.S).group(1)
    assert ">4xx: client errors</a>" in statuses and ">404 Not Found</a>" in statuses
    scans = [
        query["sql"]
        for query in queries.captured_queries
        if "DISTINCT" in query["sql"].upper() and "apierrors_errorlog" in query["sql"]
    ]
    assert scans == []
    listed = admin_client.get(LOG_URL, {"status_code": "423"}).content.decode()
    assert len(result_ids(listed)) == 1


def test_a_status_that_is_not_a_number_is_refused(admin_client):
    response = admin_client.get(LOG_URL, {"status_code": "teapot"})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
