"""The admin as staff use it: the catalog editable, the log view-only and searchable by error_id."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission

from apierrors.models import ErrorCode, ErrorLog
from tests.sites.helpers import admin_form

pytestmark = pytest.mark.django_db


def crash(client) -> str:
    return client.get("/api/t/raise/crash/")["X-Error-Id"]


def result_ids(html: str) -> list[str]:
    return re.findall(r'<th class="field-error_id"><a href="[^"]+">([0-9a-z]{26})</a>', html)


def test_catalog_list_filters_and_searches(admin_client):
    listing = admin_client.get("/admin/apierrors/errorcode/?status_code__exact=404")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "not_found" in html and "booking_not_found" in html and "bad_request" not in html

    french = admin_client.get("/admin/apierrors/errorcode/", {"q": "manquant"}).content.decode()
    assert "invalid_product_id" in french


def test_catalog_edit_page_has_a_tab_per_language(admin_client):
    entry = ErrorCode.objects.get(code="invalid_product_id")

    html = admin_client.get(f"/admin/apierrors/errorcode/{entry.pk}/change/").content.decode()

    for language in ("en", "fr", "de", "es"):
        assert f'name="message_{language}"' in html


def test_editing_a_message_in_the_admin_reaches_the_next_error(admin_client, client):
    entry = ErrorCode.objects.rewrite(False).get(code="invalid_product_id")
    client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr")
    data = admin_form(entry, message_fr="Le produit {productId} est introuvable.")

    saved = admin_client.post(f"/admin/apierrors/errorcode/{entry.pk}/change/", data)

    assert saved.status_code == 302
    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["detail"] == "Le produit 123 est introuvable."


def test_pasted_error_id_opens_exactly_its_row(admin_client, client):
    wanted = crash(client)
    for _ in range(3):
        crash(client)
    row = ErrorLog.objects.get(error_id=wanted)

    for pasted in (wanted, f"  {wanted}\n", wanted.upper()):
        response = admin_client.get("/admin/apierrors/errorlog/", {"q": pasted})
        assert response.status_code == 302
        assert response["Location"] == f"/admin/apierrors/errorlog/{row.pk}/change/"


def test_log_search_by_request_id(admin_client, client):
    client.get("/api/t/raise/not_found/", HTTP_X_REQUEST_ID="support-ticket-77")

    html = admin_client.get(
        "/admin/apierrors/errorlog/", {"q": "support-ticket-77"}
    ).content.decode()

    assert len(result_ids(html)) == 1


def test_log_detail_shows_traceback_and_links_the_catalog_entry(admin_client, client):
    error_id = crash(client)
    row = ErrorLog.objects.get(error_id=error_id)

    html = admin_client.get(f"/admin/apierrors/errorlog/{row.pk}/change/").content.decode()

    assert "RuntimeError: secret internals" in html
    entry = ErrorCode.objects.get(code="server_error")
    assert f'href="/admin/apierrors/errorcode/{entry.pk}/change/"' in html
    assert 'name="_save"' not in html


def test_log_detail_opens_by_error_id_in_the_url(admin_client, client):
    error_id = crash(client)

    response = admin_client.get(f"/admin/apierrors/errorlog/{error_id.upper()}/change/")

    assert response.status_code == 200
    assert error_id in response.content.decode()


def test_log_cannot_be_added_edited_or_deleted(admin_client, client):
    row = ErrorLog.objects.get(error_id=crash(client))

    assert admin_client.get("/admin/apierrors/errorlog/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/apierrors/errorlog/{row.pk}/change/", {"code": "x"}).status_code
        == 403
    )
    assert admin_client.get(f"/admin/apierrors/errorlog/{row.pk}/delete/").status_code == 403
    row.refresh_from_db()
    assert row.code == "server_error"


def test_staff_without_log_permission_cannot_see_tracebacks(client, django_user_model):
    row = ErrorLog.objects.get(error_id=crash(client))
    staff = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_errorcode"))
    client.force_login(staff)

    assert client.get("/admin/apierrors/errorlog/").status_code == 403
    assert client.get(f"/admin/apierrors/errorlog/{row.pk}/change/").status_code == 403
    assert client.get("/admin/apierrors/errorcode/").status_code == 200


def test_staff_with_view_permission_sees_the_log(client, django_user_model):
    row = ErrorLog.objects.get(error_id=crash(client))
    support = django_user_model.objects.create_user("support", password="pw", is_staff=True)
    support.user_permissions.add(Permission.objects.get(codename="view_errorlog"))
    client.force_login(support)

    html = client.get(f"/admin/apierrors/errorlog/{row.pk}/change/").content.decode()

    assert "RuntimeError: secret internals" in html


def test_log_filters_by_code_and_status(admin_client, client):
    client.get("/api/t/raise/not_found/")
    client.get("/api/t/raise/crash/")

    by_code = admin_client.get("/admin/apierrors/errorlog/", {"code": "not_found"}).content.decode()
    by_status = admin_client.get(
        "/admin/apierrors/errorlog/", {"status_code": "500"}
    ).content.decode()

    assert len(result_ids(by_code)) == 1 and "/api/t/raise/not_found/" in by_code
    assert len(result_ids(by_status)) == 1 and "/api/t/raise/crash/" in by_status
