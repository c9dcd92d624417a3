"""The smoke site's run: the installed wheel passes Django's checks, migrates, answers an error
in French and German from its own gettext catalogs, and logs each answer's error_id."""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path
from typing import NoReturn

CODE = "credit_card_check"
LANGUAGES = ("fr", "de")


def fail(message: str) -> NoReturn:
    print(f"smoke site FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def shipped_catalog(package: Path, language: str) -> gettext.GNUTranslations:
    compiled = package / "locale" / language / "LC_MESSAGES" / "django.mo"
    if not compiled.is_file():
        fail(f"the installed package has no {compiled}: the wheel lacks its {language} catalog")
    with compiled.open("rb") as file:
        return gettext.GNUTranslations(file)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smoke_site.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.test import Client

    import apierrors
    from apierrors.catalog.defaults import DEFAULT_ENTRIES
    from apierrors.log.writer import flush
    from apierrors.models import ErrorLog

    package = Path(apierrors.__file__).resolve().parent
    if "site-packages" not in package.parts:
        fail(f"apierrors was imported from {package}, not from the installed wheel")
    call_command("check", fail_level="ERROR")
    call_command("migrate", verbosity=0)

    (entry,) = (entry for entry in DEFAULT_ENTRIES if entry["code"] == CODE)
    english = {"title": str(entry["title"]), "detail": str(entry["message"])}
    client = Client()
    for language in LANGUAGES:
        catalog = shipped_catalog(package, language)
        expected = {field: catalog.gettext(text) for field, text in english.items()}
        untranslated = [field for field, text in expected.items() if text == english[field]]
        if untranslated:
            fail(f"the shipped {language} catalog does not translate the {CODE} {untranslated}")

        response = client.get("/api/card-check/", headers={"accept-language": language})
        if response.status_code != int(str(entry["status_code"])):
            fail(f"{language}: status {response.status_code}, body {response.content!r}")
        body = response.json()
        answered = {field: body.get(field) for field in expected}
        if answered != expected:
            fail(f"{language}: answered {answered}, the shipped catalog says {expected}")
        if response.headers.get("Content-Language") != language:
            fail(f"{language}: Content-Language is {response.headers.get('Content-Language')!r}")
        error_id = response.headers.get("X-Error-Id")
        if not error_id or body.get("error_id") != error_id:
            fail(f"{language}: X-Error-Id {error_id!r}, body error_id {body.get('error_id')!r}")
        if not flush(timeout=30):
            fail(f"{language}: the log writer did not store its records within 30 s")
        if not ErrorLog.objects.filter(error_id=error_id, code=CODE).exists():
            fail(f"{language}: no ErrorLog row for the returned error_id {error_id}")
        print(f"smoke site: {language} answered {answered['title']!r}, logged as {error_id}")


if __name__ == "__main__":
    main()
