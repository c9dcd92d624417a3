"""Two real gunicorn workers and Redis: an admin edit made while both serve reaches each of them.

Redis is the one taken from REDIS_URL, else the one at 127.0.0.1:6379, else one this test starts
from the ``redis-server`` on PATH; with none of them the test fails and says so: it is never
skipped. The workers serve a SQLite file of their own, in the test's temporary folder.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8100, 8200)
API_KEY = "demo-key-123"
UNSEEN = "Written behind the catalog's back."
EDITED = "Product {productId} is not sold here."


def answers(url: str, timeout: float = 5.0) -> bool:
    with (
        contextlib.suppress(OSError, redis.RedisError),
        redis.Redis.from_url(url, socket_connect_timeout=timeout) as client,
    ):
        return bool(client.ping())
    return False


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if answers(url):
        yield url
        return
    if os.environ.get("REDIS_URL"):
        pytest.fail(f"REDIS_URL={url} does not answer PING")
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail(
            "This test needs Redis: set REDIS_URL, run one at 127.0.0.1:6379, "
            "or install redis-server (Debian: apt-get install redis-server)."
        )
    port = free_port(PORTS)
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while not answers(url, timeout=0.5):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"redis-server did not start on 127.0.0.1:{port}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def own_database(url: str) -> str:
    """The same Redis, database 15: the suite's cache.clear() (FLUSHDB) of its own database,
    run by any concurrent test run on this server, must not move the workers' version key."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/15"))


@pytest.fixture
def server(redis_url: str) -> Iterator[redis.Redis]:
    """A plain client of the test's Redis database, closed after the test."""
    with redis.Redis.from_url(own_database(redis_url)) as client:
        yield client


@pytest.fixture
def server_env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_CURRENT_TEST"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.multiprocess_settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'workers.sqlite3'}",
        REDIS_URL=own_database(redis_url),
        APIERRORS_TEST_CACHE_PREFIX=f"apierrors-mp-{uuid.uuid4().hex}",
        PYTHONPATH=str(ROOT),
    )
    prepare = (
        "from django.core.management import call_command\n"
        "from django.contrib.auth import get_user_model\n"
        "call_command('migrate', verbosity=0)\n"
        "get_user_model().objects.create_superuser('staff', 'staff@example.com', 'staff-pw')\n"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", prepare],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return env


class Workers:
    """``gunicorn -w 2`` serving the demo; stop() ends it as a deploy would (SIGTERM)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port(PORTS)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "project.wsgi",
                "--workers=2",
                f"--bind=127.0.0.1:{self.port}",
                "--graceful-timeout=20",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                urllib.request.urlopen(f"{self.base}/admin/login/", timeout=10).read()
                return
            except OSError:  # refused while gunicorn binds, or slow while workers boot
                assert time.monotonic() < deadline, "gunicorn did not answer within 60s"
                time.sleep(0.2)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


@pytest.fixture
def workers(server_env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    running = Workers(server_env, tmp_path / "gunicorn.log")
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


PRODUCT_ERROR = "/api/products/nope/"


def answered_by(response: http.client.HTTPResponse) -> tuple[str, dict[str, Any], str]:
    """The worker's pid, body and error_id of one INVALID_PRODUCT_ID answer."""
    assert response.status == 400, response.read()
    body = json.loads(response.read())
    return response.headers["X-Worker-Pid"], body, response.headers["X-Error-Id"]


def answers_of_both(base: str, answered: list[str]) -> dict[str, list[str]]:
    """The detail answered by each of the two workers; every error_id kept.

    A sync worker serves one connection at a time. The first request is sent without the blank
    line that ends its head, so the worker that accepted it waits on it; the second request can
    then only be answered by the other worker. Then the first request's head is finished and its
    worker answers. The kernel hands connections to accept() in the order they were made, so which
    worker answers which request is left to chance, but that both answer is not.
    """
    port = urllib.parse.urlsplit(base).port
    held = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    held.connect()
    assert held.sock is not None
    held.sock.sendall(
        f"GET {PRODUCT_ERROR} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {API_KEY}\r\n".encode()
    )
    other = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    other.request("GET", PRODUCT_ERROR, headers={"Authorization": f"Bearer {API_KEY}"})
    first = answered_by(other.getresponse())
    other.close()
    held.sock.sendall(b"Connection: close\r\n\r\n")
    response = http.client.HTTPResponse(held.sock, method="GET")
    response.begin()
    second = answered_by(response)
    held.close()

    seen: dict[str, list[str]] = {}
    for pid, body, error_id in (first, second):
        answered.append(error_id)
        seen.setdefault(pid, []).append(body["detail"])
    assert len(seen) == 2, f"both requests were answered by the worker {sorted(seen)}"
    return seen


class FormFields(HTMLParser):
    """The values a browser would post, per form of the page (the admin has a logout form too)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    @property
    def fields(self) -> list[tuple[str, str]]:
        """The largest form's fields: the login form, or the change form."""
        return max(self.forms, key=len)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "form":
            self.forms.append([])
        elif tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.forms[-1].append((name, a.get("value", "on")))
            elif kind not in {"submit", "button", "file", "image"}:
                self.forms[-1].append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.forms[-1].append((self._select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            self.forms[-1].append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None


def admin_edit(base: str, pk: int, changes: dict[str, str]) -> None:
    """Log in to the admin and save the entry's change form with ``changes``, as staff would."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def form(url: str) -> list[tuple[str, str]]:
        parser = FormFields()
        parser.feed(browser.open(url, timeout=10).read().decode())
        return parser.fields

    login = dict(form(f"{base}/admin/login/"))
    login.update(username="staff", password="staff-pw", next="/admin/")
    page = browser.open(f"{base}/admin/login/", urllib.parse.urlencode(login).encode(), timeout=10)
    assert page.url.endswith("/admin/"), "the admin login failed"
    change_url = f"{base}/admin/apierrors/errorcode/{pk}/change/"
    fields = [(k, v) for k, v in form(change_url) if k not in changes]
    fields += [*changes.items(), ("_save", "Save")]
    saved = browser.open(change_url, urllib.parse.urlencode(fields).encode(), timeout=10)
    page = saved.read().decode()
    errors = [line.strip() for line in page.splitlines() if "errorlist" in line]
    assert saved.url.rstrip("/").endswith("/admin/apierrors/errorcode"), (
        f"the change form did not save: {errors}"
    )


@pytest.mark.slow
def test_an_admin_edit_reaches_both_workers_on_their_next_error(workers, tmp_path):
    database = tmp_path / "workers.sqlite3"
    answered: list[str] = []

    # Both workers warm: each has loaded the catalog and answers from memory.
    warm = answers_of_both(workers.base, answered)
    shipped = warm[next(iter(warm))][0]
    for details in warm.values():
        assert set(details) == {shipped}

    # A change behind the catalog's back (no save signal, no version bump) is not seen:
    # warm workers do not read the catalog table.
    with sqlite3.connect(database) as db:
        db.execute(
            "UPDATE apierrors_errorcode SET message_en = ? WHERE code = 'invalid_product_id'",
            [UNSEEN],
        )
        (pk,) = db.execute(
            "SELECT id FROM apierrors_errorcode WHERE code = 'invalid_product_id'"
        ).fetchone()
    db.close()
    for details in answers_of_both(workers.base, answered).values():
        assert set(details) == {shipped}

    # Staff save the entry in the admin, served by one of the two workers.
    admin_edit(workers.base, pk, {"message_en": EDITED})

    # The very next answer of each worker, and every one after it, carries the edit.
    for details in answers_of_both(workers.base, answered).values():
        assert set(details) == {"Product nope is not sold here."}

    # Each worker stores the rows it still holds when gunicorn stops it: every answer is logged.
    assert workers.stop() == 0
    with sqlite3.connect(database) as db:
        logged = {row[0] for row in db.execute("SELECT error_id FROM apierrors_errorlog")}
    db.close()
    assert logged == set(answered)


@pytest.fixture
def shared(settings: Any, redis_url: str) -> Any:
    """CACHE_ALIAS on the test's Redis database, under a key prefix of its own."""
    settings.CACHES = {
        **settings.CACHES,
        "catalog": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_database(redis_url),
            "KEY_PREFIX": f"catalog-{uuid.uuid4().hex}",
        },
    }
    settings.APIERRORS = {**settings.APIERRORS, "CACHE_ALIAS": "catalog"}
    from django.core.cache import caches

    return caches["catalog"]


def bump_elsewhere(cache: Any, server: redis.Redis, version: str, *, publish: bool = True) -> None:
    """What bump_version() does in another process: write the key, then publish on its channel.
    Without ``publish``, the key is written as by hand, or while the channel was down."""
    from apierrors.catalog.store import VERSION_KEY

    cache.set(VERSION_KEY, version, timeout=None)
    if publish:
        server.publish(cache.make_key(VERSION_KEY), version)
        # Redis answers the next command only after it wrote the message to every subscriber's
        # socket: once this PING returns, the next request of the process under test can read
        # it, as a request arriving after an edit would (on a loaded machine the PUBLISH reply
        # alone can come first).
        server.ping()


class Clock:
    """The catalog's clock, moved by the test alone."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from apierrors.catalog import store

    clock = Clock()
    monkeypatch.setattr(store, "monotonic", clock)
    return clock


def test_the_version_watch_reads_what_cache_get_reads(shared, server):
    from apierrors.catalog.store import VERSION_KEY, version_watch

    assert version_watch.current() is None
    bump_elsewhere(shared, server, "one")
    assert version_watch.current() == shared.get(VERSION_KEY) == "one"
    bump_elsewhere(shared, server, "two")
    assert version_watch.current() == "two"
    shared.delete(VERSION_KEY)
    server.publish(shared.make_key(VERSION_KEY), "")
    assert version_watch.current() is None


def test_a_bump_is_written_then_published_once_committed(
    shared, server, db, django_capture_on_commit_callbacks
):
    from apierrors.catalog.store import VERSION_KEY, bump_version

    with server.pubsub() as other_process:
        other_process.subscribe(shared.make_key(VERSION_KEY))
        assert other_process.get_message(timeout=5)["type"] == "subscribe"
        with django_capture_on_commit_callbacks(execute=True):
            bump_version()
            uncommitted = shared.get(VERSION_KEY), other_process.get_message(timeout=0.1)
        message = other_process.get_message(timeout=5)

    assert uncommitted == (None, None)
    assert message["type"] == "message"
    assert message["data"].decode() == shared.get(VERSION_KEY)


def test_a_subscribed_process_asks_redis_only_after_a_bump(shared, server, clock):
    from apierrors.catalog.store import VersionWatch, version_watch

    bump_elsewhere(shared, server, "one")
    assert version_watch.current() == "one"
    before = server.info("stats")["total_commands_processed"]
    for _ in range(50):
        # However long it has been: the subscription, not READ_EVERY, says nothing moved.
        clock.now += VersionWatch.READ_EVERY
        assert version_watch.current() == "one"
    # Nothing but this test's own INFO reached Redis: the 50 reads were answered from memory.
    assert server.info("stats")["total_commands_processed"] - before == 1

    # A bump from anywhere else (another process, another server) is seen on the next read.
    bump_elsewhere(shared, server, "two")
    assert version_watch.current() == "two"


def test_a_lost_subscription_falls_back_to_reading_redis(shared, server, clock, caplog):
    from apierrors.catalog.store import VersionWatch, version_watch

    def subscribers() -> set[str]:
        return {client["id"] for client in server.client_list(_type="pubsub")}

    bump_elsewhere(shared, server, "one")
    others = subscribers()  # other test runs' on this server are left alone
    assert version_watch.current() == "one"
    ours = subscribers() - others
    assert ours
    for client_id in ours:
        server.client_kill_filter(_id=client_id)
    # Written without a message (as when the channel was down): the lost channel is noticed
    # and the key is read again, so the change is seen all the same.
    bump_elsewhere(shared, server, "two", publish=False)
    with caplog.at_level(logging.WARNING, logger="apierrors"):
        assert version_watch.current() == "two"
    assert "catalog version channel lost" in caplog.text

    # Unsubscribed, the version read is trusted for READ_EVERY seconds.
    bump_elsewhere(shared, server, "three", publish=False)
    assert version_watch.current() == "two"
    clock.now += VersionWatch.READ_EVERY
    assert version_watch.current() == "three"

    # RETRY seconds later the process subscribes again, then trusts what it read until a bump.
    clock.now += VersionWatch.RETRY
    bump_elsewhere(shared, server, "four", publish=False)
    assert version_watch.current() == "four"
    bump_elsewhere(shared, server, "five", publish=False)
    clock.now += VersionWatch.READ_EVERY
    assert version_watch.current() == "four"
    bump_elsewhere(shared, server, "six")
    assert version_watch.current() == "six"


def test_a_forked_process_subscribes_on_its_own(shared, server):
    from apierrors.catalog.store import version_watch

    bump_elsewhere(shared, server, "one")
    assert version_watch.current() == "one"
    bump_elsewhere(shared, server, "two", publish=False)

    child = os.fork()
    if child == 0:
        # The parent's trust in "one" came with the fork, its subscription did not.
        seen = None
        try:
            seen = version_watch.current()
        finally:
            os._exit(0 if seen == "two" else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0

    # The child closed its copy of the subscription, not the parent's: still subscribed, the
    # parent trusts "one" until a message says otherwise.
    assert version_watch.current() == "one"
    bump_elsewhere(shared, server, "three")
    assert version_watch.current() == "three"
