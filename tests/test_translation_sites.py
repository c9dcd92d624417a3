"""Any site's LANGUAGES: two real sites, each in its own process and its own fresh database.

tests/sites/en_fr.py (English, French) and tests/sites/five.py (English, French, German,
Spanish, Portuguese) migrate, answer errors, and report `makemigrations --check`; the en+fr
site then adds three languages, as an operator would, and runs apierrors_sync. The main
suite's settings and database are never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polib
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

CATALOG_EN = "The Product ID was invalid or missing"
CATALOG_FR = "L'ID de produit est invalide ou manquant"
CATALOG_DE = "Die Produkt-ID ist ungültig oder fehlt"
CATALOG_ES = "El ID de producto no es válido o falta"
NOT_FOUND = {"en": "Resource not found.", "de": "Ressource nicht gefunden."}
SITE_PT = "O ID do produto é inválido ou está em falta"
STAFF_FR = "Nous ne connaissons pas le produit {productId}."


@pytest.fixture
def site_database(tmp_path: Path) -> Iterator[str]:
    """A database URL no one has used: a file for SQLite, a new database on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'site.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'apierrors'}_site_{os.getpid()}"
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_locale(tmp_path: Path) -> Path:
    """The site's own gettext catalog: Portuguese for one entry of the default catalog."""
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "pt"}
    catalog.append(polib.POEntry(msgid=CATALOG_EN, msgstr=SITE_PT))
    catalog.append(polib.POEntry(msgid="Invalid Product ID", msgstr="ID de produto inválido"))
    folder = tmp_path / "locale" / "pt" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog.save_as_mofile(str(folder / "django.mo"))
    return tmp_path / "locale"


def run_site(site: str, database: str, *steps: str, locale: Path | None = None) -> dict[str, Any]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "APIERRORS_SITE_LOCALE"}
    }
    env.update(DJANGO_SETTINGS_MODULE=f"tests.sites.{site}", APIERRORS_SITE_DATABASE_URL=database)
    if locale is not None:
        env["APIERRORS_SITE_LOCALE"] = str(locale)
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", "tests.sites.run", *steps],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert [step for step, _result in seen] == list(steps)
    return {f"{index}:{step}": value for index, (step, value) in enumerate(seen)}


def clean(check: dict[str, Any]) -> bool:
    return check == {"exit": 0, "output": "No changes detected\n"}


def portuguese_warning(translated_by_site: int = 0) -> str:
    """W201 as the five-language site should word it. Django's and DRF's own Portuguese
    catalogs translate a few generic phrases of the default catalog; the rest is missing."""
    from apierrors.catalog.defaults import DEFAULT_ENTRIES
    from apierrors.i18n import shipped_translation
    from apierrors.models import TRANSLATED_FIELDS

    msgids = {str(entry[field]) for entry in DEFAULT_ENTRIES for field in TRANSLATED_FIELDS} - {""}
    missing = sum(shipped_translation(msgid, "pt") is None for msgid in msgids)
    return (
        "The default error catalog lacks translations in active languages: "
        f"pt ({missing - translated_by_site} of {len(msgids)} texts)."
    )


def test_en_fr_site_migrates_translates_and_later_adds_three_languages(site_database, tmp_path):
    first = run_site("en_fr", site_database, "migrate", "check-migrations", "probe", "edit-french")

    assert clean(first["1:check-migrations"])
    probe = first["2:probe"]
    assert probe["columns"] == ["message_en", "message_fr"]
    answers = probe["answers"]
    assert answers["api_error en"] == ["en", CATALOG_EN]
    assert answers["api_error fr"] == ["fr", CATALOG_FR]
    assert answers["api_error fr-CA"] == ["fr", CATALOG_FR]
    # German is not a language of this site: LANGUAGE_CODE answers, and says so.
    assert answers["api_error de"] == ["en", CATALOG_EN]
    assert answers["api_error de;q=0, es;q=0.5"] == ["en", CATALOG_EN]
    assert probe["field_errors"]["fr"]["#/email"] == "Saisissez une adresse e-mail valide."
    assert probe["checks"] == {}

    # The operator adds German, Spanish and Portuguese (the site translates one entry itself).
    later = run_site(
        "five",
        site_database,
        "sync",
        "migrate",
        "check-migrations",
        "probe",
        locale=site_locale(tmp_path),
    )

    report = later["0:sync"]
    for column in ("title_de", "message_es", "action_pt"):
        assert f"added column {column}" in report
    assert "kept staff edit invalid_product_id.message_fr" in report
    assert clean(later["2:check-migrations"])
    probe = later["3:probe"]
    assert probe["columns"] == [f"message_{lang}" for lang in ("de", "en", "es", "fr", "pt")]
    assert probe["invalid_product_id"] == {
        "message_en": CATALOG_EN,
        "message_fr": STAFF_FR,
        "message_de": CATALOG_DE,
        "message_es": CATALOG_ES,
        "message_pt": SITE_PT,
    }
    answers = probe["answers"]
    assert answers["api_error fr"] == ["fr", "Nous ne connaissons pas le produit 123."]
    assert answers["api_error de"] == ["de", CATALOG_DE]
    assert answers["api_error es"] == ["es", CATALOG_ES]
    assert answers["api_error pt"] == ["pt", SITE_PT]
    assert answers["not_found pt"] == ["en", NOT_FOUND["en"]]
    assert answers["not_found de"] == ["de", NOT_FOUND["de"]]
    assert answers["api_error de;q=0, es;q=0.5"] == ["es", CATALOG_ES]
    assert probe["field_errors"]["pt"]["#/name"] == "Este campo é obrigatório."
    assert probe["checks"] == {"apierrors.W201": portuguese_warning(translated_by_site=2)}


def test_five_language_site_migrates_a_fresh_database(site_database):
    seen = run_site("five", site_database, "migrate", "check-migrations", "probe")

    assert clean(seen["1:check-migrations"])
    probe = seen["2:probe"]
    assert probe["columns"] == [f"message_{lang}" for lang in ("de", "en", "es", "fr", "pt")]
    answers = probe["answers"]
    for header, expected in {
        "en": ["en", CATALOG_EN],
        "fr": ["fr", CATALOG_FR],
        "fr-CA": ["fr", CATALOG_FR],
        "de": ["de", CATALOG_DE],
        "es": ["es", CATALOG_ES],
        "*": ["en", CATALOG_EN],
        # No Portuguese text anywhere for this entry: English, labelled English.
        "pt": ["en", CATALOG_EN],
    }.items():
        assert answers[f"api_error {header}"] == expected, header
    assert probe["invalid_product_id"]["message_pt"] is None
    assert probe["checks"] == {"apierrors.W201": portuguese_warning()}


def test_a_site_that_kept_djangos_default_languages_is_told_before_any_column_is_made(
    site_database,
):
    from django.conf import global_settings

    seen = run_site("django_default", site_database, "migrate-refused")

    refused = seen["0:migrate-refused"]
    count = len(global_settings.LANGUAGES)
    assert (
        f"(apierrors.E010) LANGUAGES is Django's default list of {count} languages: the error "
        f"catalog would get {count * 3} translation columns, one per language for each of its 3 "
        "texts.\n\tHINT: Set LANGUAGES to the languages your site answers in, e.g. LANGUAGES = "
        "[('en', 'English'), ('fr', 'French')] (or MODELTRANSLATION_LANGUAGES to those the "
        "catalog keeps), then run migrate." in refused["error"]
    )
    assert refused["tables"] == []
    # Not the W201 that would name each of those languages.
    assert "apierrors.W201" not in refused["error"]
