"""The admin as staff use it, in a real browser against the demo served by a real server.

Drives Debian's chromium (``apt-get install -y chromium``) with Playwright for Python; no
browser is downloaded. Screenshots of each step go to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ports import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The demo server listens on the first free port of this range, on 127.0.0.1 only.
PORTS = range(8300, 8400)
ADMIN = ("admin", "admin-demo-password")
EDITOR = ("editor", "editor-demo-password")
API_KEY = "demo-key-123"
NEW_FRENCH = "Le produit {productId} n'existe pas dans notre catalogue."

# An editor of the catalog: staff, may change error codes, may not read the error log.
CREATE_EDITOR = f"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
user = get_user_model().objects.create_user({EDITOR[0]!r}, password={EDITOR[1]!r}, is_staff=True)
user.user_permissions.add(
    *Permission.objects.filter(codename__in=["view_errorcode", "change_errorcode"])
)
"""


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The demo server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    pytest.fail(f"The demo server did not answer {url} within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo, migrated and seeded in its own SQLite file, served by runserver."""
    workdir = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}",
        "DJANGO_DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput"], ["demo_seed"], ["shell", "-c", CREATE_EDITOR]):
        result = subprocess.run(
            manage + command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr}"
    port = free_port(PORTS)
    log = workdir / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(f"{base}/admin/login/", process, log)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}, which is missing. "
            "Install it with `apt-get update && apt-get install -y chromium` "
            "(.ci/run does this in CI); Playwright's own browser download is not used.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "The browser tests need Playwright for Python: pip install -e '.[dev]'.",
            pytrace=False,
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as instance:
        yield instance


@pytest.fixture
def browser(playwright: Any, tmp_path: Path) -> Iterator[Any]:
    """A fresh chromium with its own profile, 1280 px wide."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 900},
    )
    try:
        yield context
    finally:
        context.close()


def shot(page: Any, name: str, *, target: Any = None) -> None:
    """A screenshot of the page (or of one element) as artifacts/screenshots/<name>.png."""
    path = SCREENSHOTS / f"{name}.png"
    if target is not None:
        target.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)


def log_in(page: Any, base: str, user: tuple[str, str], *, name: str | None = None) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", user[0])
    page.fill("#id_password", user[1])
    if name:
        shot(page, name)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def reveal(page: Any, selector: str) -> Any:
    """The form field, made visible first when it sits in a hidden language tab."""
    field = page.locator(selector)
    if not field.is_visible():
        field_id = selector.lstrip("#")
        page.locator(f'a[href="#{field_id}"], a[href$="{field_id}"]').first.click()
    return field


def fits_width(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def crash(page: Any, base: str) -> str:
    response = page.goto(f"{base}/api/crash/")
    assert response.status == 500
    return response.headers["x-error-id"]


def test_editor_changes_the_french_text_and_the_next_request_gets_it(demo, browser):
    page = browser.new_page()
    log_in(page, demo, ADMIN, name="01-login")
    shot(page, "02-admin-index")

    page.click("text=Error codes")
    page.fill("#searchbar", "invalid_product_id")
    page.press("#searchbar", "Enter")
    page.click("th.field-code >> text=invalid_product_id")
    page.wait_for_selector("#errorcode_form")
    shot(page, "03-catalog-entry")

    reveal(page, "#id_message_fr").fill(NEW_FRENCH)
    preview = page.locator(".apierrors-preview-module")
    french = preview.locator(
        'details[data-format="problem"] section[data-language="fr"] pre.apierrors-json'
    )
    french.filter(has_text="Le produit <productId> n'existe pas").wait_for()
    assert page.locator("#apierrors-preview").get_attribute("data-state") == "fresh"
    shot(page, "04-live-preview", target=preview)

    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/apierrors/errorcode/(\?.*)?$"))
    assert "was changed successfully" in page.locator("ul.messagelist").inner_text()
    shot(page, "05-saved")

    api = browser.new_page()
    api.set_extra_http_headers({"Accept-Language": "fr", "Authorization": f"Bearer {API_KEY}"})
    response = api.goto(f"{demo}/api/products/nope/")
    assert response.status == 400
    assert response.headers["content-language"] == "fr"
    body = json.loads(response.text())
    assert body["detail"] == "Le produit nope n'existe pas dans notre catalogue."
    shot(api, "06-api-answers-in-french")

    page.goto(f"{demo}/admin/apierrors/errorcode/?q=invalid_product_id")
    row = page.locator("#result_list tbody tr").first
    # The demo's log writer stores the row behind the response, within milliseconds: reload
    # until then.
    for _ in range(50):
        if row.locator("td.field-occurrences_24h").inner_text() == "1":
            break
        page.wait_for_timeout(100)
        page.reload()
    assert row.locator("td.field-occurrences_24h").inner_text() == "1"
    assert row.locator("td.field-last_seen_at").inner_text() == "just now"
    shot(page, "07-catalog-counts-the-error")

    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "preview_bodies")
    page.click("button[name=index]")
    formats = page.locator("details.apierrors-format")
    formats.first.wait_for()
    assert formats.count() >= 2
    for index in range(formats.count()):
        assert formats.nth(index).get_attribute("open") is not None
        english = formats.nth(index).locator('section[data-language="en"] pre')
        assert "HTTP/1.1 400 Bad Request" in english.inner_text()
    shot(page, "08-action-previews-each-format")


def test_support_pastes_an_error_id_and_lands_on_its_record(demo, browser):
    api = browser.new_page()
    error_id = crash(api, demo)
    shot(api, "09-crash-response")

    page = browser.new_page()
    log_in(page, demo, ADMIN)
    # The log is written behind the response: support may be quicker than that in a test,
    # never in life; the search is asked again until the row is there.
    record = re.compile(r".*/admin/apierrors/errorlog/\d+/change/$")
    deadline = time.monotonic() + 10
    while True:
        page.goto(f"{demo}/admin/")
        page.fill("#apierrors-find-error-id", f"  {error_id.upper()} ")
        shot(page, "10-error-id-pasted")
        with page.expect_navigation():
            page.press("#apierrors-find-error-id", "Enter")
        if record.match(page.url) or time.monotonic() > deadline:
            break
        assert "No error has the error_id" in page.content()
        page.wait_for_timeout(250)

    page.wait_for_url(record)
    assert page.locator("div.field-error_id div.readonly").inner_text() == error_id
    traceback = page.locator("pre.apierrors-traceback")
    assert "ZeroDivisionError: division by zero" in traceback.inner_text()
    assert "500 Internal Server Error" in page.locator("div.field-status_display").inner_text()
    body = json.loads(page.locator("div.field-response_display pre").inner_text())
    assert body["error_id"] == error_id
    shot(page, "11-error-record")


def test_staff_without_the_log_permission_cannot_see_it(demo, browser):
    error_id = crash(browser.new_page(), demo)

    page = browser.new_page()
    log_in(page, demo, EDITOR)
    assert page.locator("#apierrors-find-error-id").count() == 0
    assert page.locator("a", has_text="Error log").count() == 0
    assert page.locator("a", has_text="Error codes").count() >= 1
    shot(page, "12-editor-index")

    response = page.goto(f"{demo}/admin/apierrors/errorlog/{error_id}/change/")
    assert response.status == 403
    assert "ZeroDivisionError" not in page.content()
    shot(page, "13-editor-refused-the-record")
    assert page.goto(f"{demo}/admin/apierrors/errorlog/?q={error_id}").status == 403


def test_the_admin_pages_fit_a_400px_screen(demo, browser):
    error_id = crash(browser.new_page(), demo)
    page = browser.new_page()
    log_in(page, demo, ADMIN)
    page.set_viewport_size({"width": 400, "height": 860})
    pages = [
        ("14-narrow-index", "/admin/"),
        ("15-narrow-error-log", "/admin/apierrors/errorlog/"),
        ("16-narrow-error-record", f"/admin/apierrors/errorlog/{error_id}/change/"),
        ("17-narrow-error-codes", "/admin/apierrors/errorcode/"),
    ]
    for name, path in pages:
        page.goto(demo + path)
        assert fits_width(page), f"{path} is wider than 400 px"
        shot(page, name)

    page.goto(f"{demo}/admin/apierrors/errorcode/?q=invalid_product_id")
    page.click("th.field-code >> text=invalid_product_id")
    page.wait_for_selector("#apierrors-preview")
    assert fits_width(page), "the catalog entry's page is wider than 400 px"
    shot(page, "18-narrow-catalog-entry")
    shot(page, "19-narrow-preview", target=page.locator(".apierrors-preview-module"))
