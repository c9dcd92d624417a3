"""Misconfiguration is a system check with an id and a hint, found at start-up."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from apierrors.checks import RULES
from apierrors.conf import DEFAULTS, GROUPS, apierrors_settings


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
        ({"FORMAT_BY_PATH": "octo"}, ["apierrors.E003"]),
        ({"EXCEPTION_CODES": ["tests.testapp.exceptions.UpstreamTimeout"]}, ["apierrors.E004"]),
        ({"CACHE_ALIAS": "no_such_cache"}, ["apierrors.E009"]),
        ({"CACHE_ALIAS": None}, ["apierrors.E009"]),
        ({"REQUEST_ID_HEADER": ""}, ["apierrors.E106"]),
        ({"REQUEST_ID_HEADER": "X Request Id"}, ["apierrors.E106"]),
        ({"REQUEST_ID_HEADER": "X-Request-Id:"}, ["apierrors.E106"]),
        ({"REQUEST_ID_HEADER": "X-Requête-Id"}, ["apierrors.E106"]),
        ({"REQUEST_ID_HEADER": "X-Request-Id\n"}, ["apierrors.E106"]),
        ({"REQUEST_ID_HEADER": None}, ["apierrors.E106"]),
        ({"REQUEST_ID_HEADER": b"X-Request-Id"}, ["apierrors.E106"]),
        ({"LOG": 5}, ["apierrors.E008"]),
        ({"REDACT": ["password"]}, ["apierrors.E008"]),
        ({"STORM": "off"}, ["apierrors.E305"]),
        ({"DOCS_URL": 5}, ["apierrors.E501"]),
        ({"SENTRY_EVENT_URL": None}, ["apierrors.E502"]),
        ({"LOG": {"MAX_BODYY": 100}}, ["apierrors.W001"]),
        ({"LOG_MAX_BODY": 1000}, ["apierrors.E007"]),
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


@pytest.mark.parametrize("name", ["X-Request-Id", "X-Correlation-Id", "request-id", "X_Trace.Id~1"])
def test_a_request_id_header_of_token_characters_is_accepted(settings, name):
    settings.APIERRORS = {**settings.APIERRORS, "REQUEST_ID_HEADER": name}

    assert ids(run_checks()) == []


def test_a_request_id_header_that_is_no_header_name_is_an_error_with_a_hint(settings):
    settings.APIERRORS = {**settings.APIERRORS, "REQUEST_ID_HEADER": "X-Request-Id:"}

    (message,) = [m for m in run_checks() if m.id.startswith("apierrors.")]

    assert message.id == "apierrors.E106"
    assert message.msg.startswith("APIERRORS['REQUEST_ID_HEADER'] = 'X-Request-Id:' is not ")
    assert message.hint == (
        "Name the header the request id is read from and written under, such as 'X-Request-Id' "
        "or 'X-Correlation-Id': letters, digits and hyphens, without spaces or a colon."
    )


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


# Each flat key of 0.1.0 that moved into a group, with its new place.
MOVED = [
    ("LOG_ENABLED", "LOG", "ENABLED"),
    ("LOG_MODE", "LOG", "MODE"),
    ("LOG_BATCH_SIZE", "LOG", "BATCH_SIZE"),
    ("LOG_QUEUE_SIZE", "LOG", "QUEUE_SIZE"),
    ("LOG_MAX_DEPTH", "LOG", "MAX_DEPTH"),
    ("LOG_MAX_ITEMS", "LOG", "MAX_ITEMS"),
    ("LOG_MAX_TEXT", "LOG", "MAX_TEXT"),
    ("LOG_MAX_BODY", "LOG", "MAX_BODY"),
    ("LOG_MAX_TRACEBACK", "LOG", "MAX_TRACEBACK"),
    ("LOG_MAX_ROW_BYTES", "LOG", "MAX_ROW_BYTES"),
    ("STORM_WINDOW", "STORM", "WINDOW"),
    ("STORM_PATH_LIMIT", "STORM", "PATH_LIMIT"),
    ("STORM_CODE_LIMIT", "STORM", "CODE_LIMIT"),
    ("REDACT_KEYS", "REDACT", "KEYS"),
    ("REDACT_SCANNERS", "REDACT", "SCANNERS"),
    ("REDACT_PATTERNS", "REDACT", "PATTERNS"),
]


@pytest.mark.parametrize(("old", "group", "key"), MOVED)
def test_a_key_that_moved_into_a_group_is_an_error_naming_its_new_place(settings, old, group, key):
    settings.APIERRORS = {**settings.APIERRORS, old: DEFAULTS[group][key]}

    messages = [m for m in run_checks() if m.id.startswith("apierrors.")]

    assert [(m.id, m.msg) for m in messages] == [
        ("apierrors.E007", f"APIERRORS[{old!r}] is now APIERRORS[{group!r}][{key!r}].")
    ]
    assert messages[0].hint == (
        f"Set it in APIERRORS[{group!r}]: the keys of that dict that you leave out keep their "
        "defaults."
    )


@pytest.mark.parametrize(
    ("apierrors", "expected"),
    [
        (
            {"LOG": {"MODE": "later"}},
            "APIERRORS['LOG']['MODE'] = 'later' is not 'auto', 'background' or 'sync'.",
        ),
        (
            {"LOG": {"QUEUE_SIZE": 50}},
            "APIERRORS['LOG']['QUEUE_SIZE'] = 50 is not a whole number of at least "
            "APIERRORS['LOG']['BATCH_SIZE'] (100).",
        ),
        (
            {"LOG": {"MAX_BODY": "64k"}},
            "APIERRORS['LOG']['MAX_BODY'] = '64k' is not a whole number of at least 1.",
        ),
        (
            {"STORM": {"WINDOW": 0}},
            "APIERRORS['STORM']['WINDOW'] = 0 is not a number of seconds above 0.",
        ),
        (
            {"STORM": {"PATH_LIMIT": 0}},
            "APIERRORS['STORM']['PATH_LIMIT'] = 0 is not a whole number of at least 1, or None.",
        ),
        (
            {"REDACT": "password"},
            "APIERRORS['REDACT'] = 'password' is not a dict whose keys are among 'KEYS', "
            "'SCANNERS', 'PATTERNS'.",
        ),
        (
            {"RETRY_AFTER": -1},
            "APIERRORS['RETRY_AFTER'] = -1 is not a whole number of at least 0.",
        ),
        (
            {"CACHE_ALIAS": "nope"},
            "APIERRORS['CACHE_ALIAS'] = 'nope' is not the alias of a cache in CACHES.",
        ),
        (
            {"LOG": {"MAX_BODYY": 100}},
            "APIERRORS['LOG'] has unknown keys: MAX_BODYY.",
        ),
        (
            {"REQUEST_ID_HEADER": "X Request Id"},
            "APIERRORS['REQUEST_ID_HEADER'] = 'X Request Id' is not an HTTP header name of one "
            "or more token characters (RFC 9110).",
        ),
    ],
)
def test_a_message_names_the_key_path_and_what_it_must_hold(settings, apierrors, expected):
    settings.APIERRORS = {**settings.APIERRORS, **apierrors}

    assert [m.msg for m in run_checks() if m.id.startswith("apierrors.")] == [expected]


def test_a_group_set_in_part_keeps_the_defaults_of_its_other_keys(settings):
    settings.APIERRORS = {"LOG": {"MAX_BODY": 1000}, "STORM": {"PATH_LIMIT": None}}

    log, storm, redact = apierrors_settings.LOG, apierrors_settings.STORM, apierrors_settings.REDACT

    expected = {**DEFAULTS["LOG"], "MAX_BODY": 1000}
    assert log == expected
    assert log["MODE"] == "auto"
    assert storm == {"WINDOW": 60, "PATH_LIMIT": None, "CODE_LIMIT": 100}
    assert redact["SCANNERS"] == ["private_key", "jwt", "bearer", "url_credentials", "card_number"]
    # The defaults themselves are left as they were.
    assert DEFAULTS["LOG"]["MAX_BODY"] == 65536
    assert ids(run_checks()) == []


def test_every_key_and_every_key_of_a_group_has_a_check():
    paths = {(key,) for key in DEFAULTS} | {
        (group, key) for group in GROUPS for key in DEFAULTS[group]
    }
    # Checked in check_settings with more than a look at the value.
    apart = {("FORMAT",), ("FORMAT_OPTIONS",)}

    assert set(RULES) <= paths
    assert paths - set(RULES) - apart == set()
