"""Sentry: one event per server error, tagged with its error_id, whose id the log row and admin show.

sentry-sdk's real client, with a transport that keeps envelopes in memory: nothing leaves the
machine.
"""

from __future__ import annotations

import pytest
import sentry_sdk
from django.contrib.auth.models import User
from django.test import override_settings
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.transport import Transport

from tests.conftest import log_row

pytestmark = pytest.mark.django_db


class MemoryTransport(Transport):
    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]


@pytest.fixture
def sentry():
    transport = MemoryTransport()
    sentry_sdk.init(
        dsn="https://public@sentry.invalid/1",
        transport=transport,
        integrations=[DjangoIntegration()],
        default_integrations=True,
        auto_enabling_integrations=False,
    )
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_a_server_error_is_sent_once_and_its_event_id_logged(sentry, client):
    response = client.get("/api/t/raise/crash/")
    sentry_sdk.flush()
    row = log_row(response)
    events = sentry.events()

    assert response.status_code == 500
    assert len(events) == 1
    (event,) = events
    assert event["event_id"] == row.sentry_event_id
    assert len(row.sentry_event_id) == 32
    assert event["tags"]["error_id"] == response["X-Error-Id"]
    assert event["tags"]["request_id"] == response["X-Request-Id"]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["transaction"] == "/api/t/raise/{kind}/"


def test_client_errors_are_not_sent(sentry, client):
    response = client.get("/api/t/raise/api_error/")
    sentry_sdk.flush()

    assert response.status_code == 400
    assert sentry.events() == []
    assert log_row(response).sentry_event_id == ""


def test_without_sentry_set_up_the_row_has_no_event_id(client):
    response = client.get("/api/t/raise/crash/")

    assert log_row(response).sentry_event_id == ""


def test_the_admin_links_the_event(sentry, client):
    response = client.get("/api/t/raise/crash/")
    row = log_row(response)
    admin = User.objects.create_superuser("staff", "staff@example.com", "pw")
    client.force_login(admin)
    url = f"/admin/apierrors/errorlog/{row.pk}/change/"

    with override_settings(
        APIERRORS={"SENTRY_EVENT_URL": "https://acme.sentry.io/issues/?query={event_id}"}
    ):
        page = client.get(url).content.decode()
    assert (
        f'<a href="https://acme.sentry.io/issues/?query={row.sentry_event_id}" rel="noopener">'
        f"{row.sentry_event_id}</a>"
    ) in page

    page = client.get(url).content.decode()
    assert f'<div class="readonly">{row.sentry_event_id}</div>' in page
