"""Misconfiguration is a system check with an id and a hint, found at start-up."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks


def ids(settings_messages) -> list[str]:
    return sorted(m.id for m in settings_messages if m.id.startswith("apierrors."))


def test_the_test_settings_are_clean():
    assert ids(run_checks()) == []


@pytest.mark.parametrize(
    ("apierrors", "expected"),
    [
        ({"FORMAT": "no_such_format"}, ["apierrors.E002"]),
        ({"FORMAT": "apierrors.models.ErrorCode"}, ["apierrors.E002"]),
        ({"FORMAT_BY_PATH": {"/v2/": "nope.Nope"}}, ["apierrors.E003"]),
        ({"EXCEPTION_CODES": {"no.such.Error": "conflict"}}, ["apierrors.E004"]),
        ({"EXCEPTION_CODES": {"apierrors.models.ErrorCode": "conflict"}}, ["apierrors.E004"]),
        ({"API_PREFIXES": "api/"}, ["apierrors.E005"]),
        ({"FORMATT": "problem"}, ["apierrors.W001"]),
        ([], ["apierrors.E001"]),
    ],
)
def test_bad_settings_are_reported(settings, apierrors, expected):
    settings.APIERRORS = apierrors

    messages = run_checks()

    assert ids(messages) == expected
    assert all(m.msg for m in messages if m.id in expected)


def test_a_users_formatter_by_dotted_path_is_accepted(settings):
    settings.APIERRORS = {"FORMAT": "apierrors.formats.catalog.CatalogFormatter"}

    assert ids(run_checks()) == []


def test_missing_handler_and_middleware_are_warned(settings):
    settings.REST_FRAMEWORK = {}
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "apierrors" not in m]

    assert ids(run_checks()) == ["apierrors.W002", "apierrors.W003"]


def test_modeltranslation_must_come_before_the_admin(settings):
    apps = [a for a in settings.INSTALLED_APPS if a != "modeltranslation"]
    apps.insert(apps.index("django.contrib.admin") + 1, "modeltranslation")
    settings.INSTALLED_APPS = apps

    assert "apierrors.E006" in ids(run_checks())
