"""Run steps against a site, as its operator would, and print what was seen as one JSON line.

python -m tests.sites.run STEP... with DJANGO_SETTINGS_MODULE naming the site. Steps:
migrate, sync, check-migrations, edit-french, probe.
"""

from __future__ import annotations

import json
import sys
from io import StringIO
from typing import Any

import django


def migrate() -> Any:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return True


def migrate_refused() -> Any:
    """`migrate` stopped by a system check: the errors it printed and the tables left behind."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import connection

    try:
        # As `manage.py migrate` runs it: with the system checks first.
        call_command("migrate", verbosity=0, skip_checks=False)
    except SystemCheckError as error:
        return {"error": str(error), "tables": connection.introspection.table_names()}
    return {"error": None, "tables": connection.introspection.table_names()}


def sync() -> Any:
    from django.core.management import call_command

    out = StringIO()
    call_command("apierrors_sync", stdout=out)
    return out.getvalue().splitlines()


def check_migrations() -> Any:
    """`makemigrations --check`: clean when it exits 0 and finds no change."""
    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exit_:
        return {"exit": exit_.code, "output": out.getvalue()}
    return {"exit": 0, "output": out.getvalue()}


def edit_french() -> Any:
    """Staff rewrite one French message, as they would in the admin."""
    from apierrors.models import ErrorCode

    entry = ErrorCode.objects.get(code="invalid_product_id")
    entry.message_fr = "Nous ne connaissons pas le produit {productId}."
    entry.save()
    return True


def probe() -> Any:
    from django.core.checks import run_checks
    from django.db import connection
    from django.test import Client

    from apierrors.models import ErrorCode

    client = Client(raise_request_exception=False)
    answers = {}
    for header in ("en", "fr", "de", "es", "pt", "fr-CA", "*", "de;q=0, es;q=0.5"):
        for kind in ("api_error", "not_found"):
            response = client.get(f"/api/t/raise/{kind}/", HTTP_ACCEPT_LANGUAGE=header)
            answers[f"{kind} {header}"] = [response["Content-Language"], response.json()["detail"]]
    fields = {}
    for header in ("fr", "pt"):
        response = client.post(
            "/api/t/orders/",
            {"email": "not-an-email", "quantity": 0},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=header,
        )
        fields[header] = {error["pointer"]: error["detail"] for error in response.json()["errors"]}
    with connection.cursor() as cursor:
        columns = [
            column.name
            for column in connection.introspection.get_table_description(
                cursor, ErrorCode._meta.db_table
            )
        ]
    row = ErrorCode.objects.rewrite(False).values().get(code="invalid_product_id")
    return {
        "answers": answers,
        "field_errors": fields,
        "columns": sorted(name for name in columns if name.startswith("message_")),
        "invalid_product_id": {
            name: value for name, value in row.items() if name.startswith("message_")
        },
        "checks": {
            message.id: str(message.msg)
            for message in run_checks()
            if message.id and message.id.startswith("apierrors.")
        },
    }


STEPS = {
    "migrate": migrate,
    "migrate-refused": migrate_refused,
    "sync": sync,
    "check-migrations": check_migrations,
    "edit-french": edit_french,
    "probe": probe,
}


def main(steps: list[str]) -> None:
    django.setup()
    seen = [[step, STEPS[step]()] for step in steps]
    print(json.dumps(seen, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
