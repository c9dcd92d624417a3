"""The package as a user installs it: clean imports, no migration drift, a complete wheel."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.slow
def test_public_names_import_before_the_app_registry_is_ready():
    code = (
        "import apierrors, apierrors.core.exceptions\n"
        "from apierrors import APIError\n"
        "error = APIError('INVALID_PRODUCT_ID', productId='1')\n"
        "assert error.code == 'INVALID_PRODUCT_ID' and error.params == {'productId': '1'}\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_models_and_migrations_do_not_drift():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()


@pytest.mark.slow
def test_the_wheel_carries_translations_templates_and_migrations(tmp_path):
    import zipfile
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("django_apierrors-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    for language in ("fr", "de", "es"):
        assert f"apierrors/locale/{language}/LC_MESSAGES/django.mo" in names
    assert "apierrors/py.typed" in names
    assert "apierrors/static/apierrors/vendor/jquery-ui/jquery-ui-tabs.js" in names
    assert "apierrors/templates/admin/apierrors/errorcode/change_form.html" in names
    assert "apierrors/static/apierrors/admin.css" in names
    assert "apierrors/static/apierrors/preview.js" in names
    assert "apierrors/migrations/0002_translation_fields.py" in names
    assert not any(name.startswith(("project/", "tests/")) for name in names)
