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
        ({"FORMAT": "tests.testapp.formats.Missing"}, ["apierrors.E002"]),
        ({"FORMAT": "apierrors.formats.Formatter"}, ["apierrors.E002"]),  # no body()
        ({"FORMAT_BY_PATH": {"/api/v2/": "tests.testapp.models.Widget"}}, ["apierrors.E003"]),
        ({"FORMAT_OPTIONS": []}, ["apierrors.E101"]),
        ({"FORMAT_OPTIONS": {"octo": {"keep_statuses": True}}}, ["apierrors.E101"]),
        ({"FORMAT_OPTIONS": {"octo": {"keep_status": "yes"}}}, ["apierrors.E101"]),
        ({"FORMAT_OPTIONS": {"octo": True}}, ["apierrors.E101"]),
        ({"FORMAT_OPTIONS": {"nope.Nope": {}}}, ["apierrors.E101"]),
        ({"CAMELCASE_FIELD_PATHS": "yes"}, ["apierrors.E103"]),
        ({"RETRY_AFTER": -1}, ["apierrors.E104"]),
        ({"RETRY_AFTER": "1"}, ["apierrors.E104"]),
        ({"FORMAT_BY_PATH": {"api/v2/": "octo"}}, ["apierrors.W101"]),
    ],
)
def test_bad_settings_are_reported(settings, apierrors, expected):
    settings.APIERRORS = apierrors

    messages = run_checks()

    assert ids(messages) == expected
    assert all(m.msg for m in messages if m.id in expected)


@pytest.mark.parametrize("value", ["auto", True, False])
def test_the_removed_answer_after_view_setting_is_named_in_a_warning(settings, value):
    # DRF views' errors are answered inside the view, as DRF's own handler answers them.
    settings.APIERRORS = {**settings.APIERRORS, "ANSWER_AFTER_VIEW": value}

    (warning,) = [m for m in run_checks() if m.id.startswith("apierrors.")]

    assert warning.id == "apierrors.W001"
    assert "ANSWER_AFTER_VIEW" in warning.msg
    assert "ANSWER_AFTER_VIEW" not in warning.hint


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


def test_a_views_unknown_format_is_reported_at_start_up(settings):
    settings.ROOT_URLCONF = "tests.testapp.bad_format_urls"

    messages = [m for m in run_checks() if m.id.startswith("apierrors.")]

    assert [m.id for m in messages] == ["apierrors.E102"]
    assert "tests.testapp.bad_format_urls.MisconfiguredView" in messages[0].msg
    assert "no_such_format" in messages[0].msg
