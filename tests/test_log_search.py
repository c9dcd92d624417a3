"""Finding rows in a large log: what each kind of search term finds, a list that counts only so
far, filters and their pairs, and the index the path searches use on PostgreSQL."""

from __future__ import annotations

import datetime
import html as html_lib
import re
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apierrors.admin.log import CappedPaginator, ErrorLogAdmin
from apierrors.core.ids import new_error_id
from apierrors.models import ErrorLog
from tests.conftest import stored_row

pytestmark = pytest.mark.django_db

LOG_URL = "/admin/apierrors/errorlog/"
CODES_URL = "/admin/apierrors/errorcode/"


def result_ids(page: str) -> list[str]:
    return re.findall(r'<th class="field-error_id"><a href="[^"]+">([0-9a-z]{26})</a>', page)


def messages_of(page: str) -> list[str]:
    return [
        html_lib.unescape(text) for text in re.findall(r'<li class="info">(.*?)</li>', page, re.S)
    ]


def paginator_text(page: str) -> str:
    found = re.search(r'<p class="paginator">(.*?)</p>', page, re.S)
    assert found is not None
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def row(name: str, minutes_ago: int = 0, **fields: object) -> ErrorLog:
    values: dict[str, object] = {
        "error_id": new_error_id(),
        "code": "invalid_product_id",
        "status_code": 400,
        "method": "GET",
        "path": f"/api/{name}/",
        "created_at": timezone.now() - datetime.timedelta(minutes=minutes_ago),
    }
    values.update(fields)
    return stored_row(**values)


# Search ----------------------------------------------------------------------------------


@pytest.fixture
def searchable() -> dict[str, ErrorLog]:
    return {
        "product": row(
            "product",
            path="/api/products/abc-123/",
            request_id="req-1",
            username="alice",
        ),
        "order": row(
            "order",
            code="conflict",
            status_code=409,
            path="/api/orders/77/items/",
            request_id="req-2",
            username="bob",
        ),
        "order-again": row(
            "order-again",
            code="conflict",
            status_code=409,
            path="/api/products/xyz/",
            request_id="req-2",
        ),
        "nested": row("nested", path="/shop/api/products/", username="orders"),
        "upper": row("upper", path="/API/Products/", username="carol"),
        "order-7788": row("order-7788", path="/api/orders/7788/items/"),
        "cart-7788": row("cart-7788", path="/api/carts/7788/items/"),
    }


@pytest.mark.parametrize(
    ("term", "expected", "said"),
    [
        ("req-2", ["order", "order-again"], "Errors of the request id req-2."),
        ("conflict", ["order", "order-again"], "Errors of the code conflict."),
        ("  CONFLICT ", ["order", "order-again"], "Errors of the code conflict."),
        ("alice", ["product"], "Errors of the user alice."),
        # A user name that is also part of a path is the user's errors only.
        ("orders", ["nested"], "Errors of the user orders."),
        (
            "/api/products/",
            ["product", "order-again", "upper"],
            "Errors of paths starting with /api/products/.",
        ),
        ("/api/orders/77/", ["order"], "Errors of paths starting with /api/orders/77/."),
        (
            "api/products",
            ["product", "order-again", "nested", "upper"],
            "Errors of paths containing api/products.",
        ),
        ("77/items", ["order"], "Errors of paths containing 77/items."),
        # An id in a fragment of several parts: the rows with the id and all the rest.
        ("orders/7788/items", ["order-7788"], "Errors of paths containing orders/7788/items."),
        ("7788/ITEMS/", ["order-7788", "cart-7788"], "Errors of paths containing 7788/ITEMS/."),
        ("/API/ORDERS/", ["order", "order-7788"], "Errors of paths starting with /API/ORDERS/."),
        # LIKE's wildcards are plain characters in a search.
        ("api_products", [], "Errors of paths containing api_products."),
        ("%", [], "Errors of paths containing %."),
        ("abc-12", ["product"], "Errors of paths containing abc-12."),
        ("no-such-thing", [], "Errors of paths containing no-such-thing."),
    ],
)
def test_each_kind_of_term_finds_its_rows_and_only_them(
    admin_client, searchable, term, expected, said
):
    page = admin_client.get(LOG_URL, {"q": term}).content.decode()

    assert sorted(result_ids(page)) == sorted(searchable[name].error_id for name in expected)
    assert messages_of(page) == [said]


def test_a_search_keeps_the_filters(admin_client, searchable):
    page = admin_client.get(LOG_URL, {"q": "req-2", "user": "bob"}).content.decode()

    assert result_ids(page) == [searchable["order"].error_id]


def test_the_search_box_says_what_each_form_finds(admin_client):
    page = html_lib.unescape(admin_client.get(LOG_URL).content.decode())

    assert (
        '<div class="help" id="searchbar_helptext">Paste an error_id to open its record. Text '
        "starting with / finds the paths starting with it; a code of the catalog, that code's "
        "errors; a request id or a user name, exactly their errors; any other text, the paths "
        "containing it. Capitals do not matter in codes and paths.</div>"
    ) in page


def test_a_pasted_error_id_still_opens_its_record(admin_client, searchable):
    target = searchable["order"]

    response = admin_client.get(LOG_URL, {"q": f" {target.error_id.upper()} "})

    assert response.status_code == 302
    assert response["Location"] == f"{LOG_URL}{target.pk}/change/"


def test_the_search_reads_no_column_but_the_terms_own(admin_client, searchable):
    """One column per kind of term: no OR of every searchable column."""
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(LOG_URL, {"q": "alice"})

    listing = [
        query["sql"]
        for query in queries.captured_queries
        if '"apierrors_errorlog"."error_id"' in query["sql"].split(" FROM ")[0]
    ]
    assert len(listing) == 1
    where = listing[0].split(" WHERE ", 1)[1]
    assert '"username"' in where
    assert not any(f'"{column}"' in where for column in ("request_id", "path", "code"))


# The paginator ---------------------------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch) -> Iterator[None]:
    """Pages of 2 rows, counted up to 5."""
    monkeypatch.setattr(ErrorLogAdmin, "list_per_page", 2)
    monkeypatch.setattr(CappedPaginator, "limit", 5)
    yield


def page_links(page: str) -> list[str]:
    paginator = re.search(r'<p class="paginator">(.*?)</p>', page, re.S)
    assert paginator is not None
    return re.findall(r'<a [^>]*href="\?([^"]*)"[^>]*>\d+</a>', paginator.group(1))


def test_past_the_limit_the_list_says_more_than_and_pages_up_to_it(admin_client, small_pages):
    rows = [row(f"r{n}", minutes_ago=n) for n in range(7)]  # rows[0] is the newest

    first = admin_client.get(LOG_URL).content.decode()
    last = admin_client.get(LOG_URL, {"p": "3"}).content.decode()
    beyond = admin_client.get(LOG_URL, {"p": "4"})

    assert paginator_text(first) == "1 2 3 More than 5 error log"
    assert page_links(first) == ["p=2", "p=3"]
    assert result_ids(first) == [rows[0].error_id, rows[1].error_id]
    assert result_ids(last) == [rows[4].error_id]
    assert page_links(last) == ["p=1", "p=2"]
    assert beyond.status_code == 302
    assert beyond["Location"].endswith("?e=1")


def test_up_to_the_limit_the_list_counts_exactly(admin_client, small_pages):
    for n in range(5):
        row(f"r{n}", minutes_ago=n)
    row("other", code="conflict", status_code=409)

    page = admin_client.get(LOG_URL, {"code": "invalid_product_id"}).content.decode()

    assert paginator_text(page) == "1 2 3 5 error log Show all"
    one = admin_client.get(LOG_URL, {"code": "conflict"}).content.decode()
    assert paginator_text(one) == "1 error log entry"


def test_a_search_counts_its_results_up_to_the_limit(admin_client, small_pages):
    for n in range(6):
        row(f"r{n}", minutes_ago=n, username="alice")
    row("bob", username="bob")

    many = admin_client.get(LOG_URL, {"q": "alice"}).content.decode()
    one = admin_client.get(LOG_URL, {"q": "bob"}).content.decode()

    assert re.search(r'<span class="small quiet">more than 5 results \(<a href="\?">', many)
    assert re.search(r'<span class="small quiet">1 result \(<a href="\?">', one)


# Filters and their pairs --------------------------------------------------------------------


def local_noon(days_ago: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def filterable() -> dict[str, ErrorLog]:
    today, days_ago_3, days_ago_10 = local_noon(0), local_noon(3), local_noon(10)
    return {
        "alice-400-today": row("a", code="invalid_product_id", username="alice", created_at=today),
        "alice-409-old": row(
            "b", code="conflict", status_code=409, username="alice", created_at=days_ago_10
        ),
        "bob-409-3d": row(
            "c", code="conflict", status_code=409, username="bob", created_at=days_ago_3
        ),
        "bob-500-today": row(
            "d", code="server_error", status_code=500, username="bob", created_at=today
        ),
        "anon-400-3d": row("e", code="invalid_product_id", created_at=days_ago_3),
    }


def _days_ago(days: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"code": "conflict"}, ["alice-409-old", "bob-409-3d"]),
        ({"status_code": "409"}, ["alice-409-old", "bob-409-3d"]),
        ({"status_code": "5xx"}, ["bob-500-today"]),
        ({"user": "alice"}, ["alice-400-today", "alice-409-old"]),
        ({"since": 6}, ["alice-400-today", "bob-409-3d", "bob-500-today", "anon-400-3d"]),
        ({"since": 3, "until": 3}, ["bob-409-3d", "anon-400-3d"]),
        ({"code": "conflict", "status_code": "409"}, ["alice-409-old", "bob-409-3d"]),
        ({"code": "conflict", "status_code": "400"}, []),
        ({"code": "conflict", "user": "bob"}, ["bob-409-3d"]),
        ({"code": "conflict", "since": 6}, ["bob-409-3d"]),
        ({"status_code": "4xx", "user": "alice"}, ["alice-400-today", "alice-409-old"]),
        ({"status_code": "4xx", "since": 6}, ["alice-400-today", "bob-409-3d", "anon-400-3d"]),
        ({"user": "bob", "since": 0}, ["bob-500-today"]),
        ({"user": "alice", "since": 12, "until": 4}, ["alice-409-old"]),
    ],
)
def test_filters_and_their_pairs_give_their_rows(admin_client, filterable, params, expected):
    query = {
        name: _days_ago(value) if name in ("since", "until") else value
        for name, value in params.items()
    }

    page = admin_client.get(LOG_URL, query).content.decode()

    assert sorted(result_ids(page)) == sorted(filterable[name].error_id for name in expected)


def test_the_user_filter_offers_the_periods_users_with_most_errors_first(admin_client):
    for name, errors in (("carol", 1), ("alice", 3), ("bob", 2)):
        for _ in range(errors):
            row(name, username=name)
    row("old", username="dave", created_at=local_noon(3))
    row("anonymous")

    page = admin_client.get(LOG_URL).content.decode()

    choices = re.search(r"By user.*?<ul>(.*?)</ul>", page, re.S)
    assert choices is not None
    assert re.findall(r">([a-z]+)</a>", choices.group(1)) == ["alice", "bob", "carol"]
