"""The package as a user installs it: clean imports, no migration drift, a complete wheel, an
sdist of the package alone (scripts/package-check.sh also builds both from a clean clone)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("fr", "de", "es")


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
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("django_apierrors-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    # The catalogs are the package's own files, not a link a checkout may lack.
    assert (ROOT / "apierrors" / "locale").is_dir()
    assert not (ROOT / "apierrors" / "locale").is_symlink()
    for language in SHIPPED:
        assert f"apierrors/locale/{language}/LC_MESSAGES/django.mo" in names
    assert "apierrors/py.typed" in names
    assert "apierrors/static/apierrors/vendor/jquery-ui/jquery-ui-tabs.js" in names
    assert "apierrors/templates/admin/apierrors/errorcode/change_form.html" in names
    assert "apierrors/static/apierrors/admin.css" in names
    assert "apierrors/static/apierrors/preview.js" in names
    assert "apierrors/migrations/0002_translation_fields.py" in names
    assert not any(name.startswith(("project/", "tests/")) for name in names)


@pytest.mark.slow
def test_the_sdist_holds_the_package_and_leaves_the_tests_out(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (sdist,) = tmp_path.glob("django_apierrors-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.partition("/")[2] for name in archive.getnames()}

    for language in SHIPPED:
        assert f"apierrors/locale/{language}/LC_MESSAGES/django.po" in names
        assert f"apierrors/locale/{language}/LC_MESSAGES/django.mo" in names
    assert {"pyproject.toml", "README.md", "LICENSE", "apierrors/py.typed"} <= names
    # The tests need the whole repository (the demo project, the docs): they stay out.
    assert not any(name.startswith(("tests/", "project/", "scripts/")) for name in names)
