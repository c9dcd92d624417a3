"""Every stop keeps its rows: real servers stopped by real signals right after a burst of errors.

Each server case starts a real server on a free port, sends a burst of 250 failing requests
from 8 threads, sends the signal as soon as the last answer arrived, waits (bounded) for the
server to end, and then follows every X-Error-Id it answered to exactly one ErrorLog row.

The servers share one database made for this module: a new PostgreSQL database on the server
DATABASE_URL names; without DATABASE_URL, on the PostgreSQL at 127.0.0.1:5432 when it answers,
else in a SQLite file. A DATABASE_URL that does not answer fails the tests, saying so; nothing
here is ever skipped. Run only these with ``pytest -m stops``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ports import free_port

pytestmark = [pytest.mark.stops, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
# A range of its own: a port another test (or another run on this machine) serves is not ours.
PORTS = range(8600, 8700)
API_KEY = "demo-key-123"
ERROR_PATH = "/api/products/nope/"
BURST = 250
SENDERS = 8
# The longest a server may take to end after the signal: far above what storing 250 rows
# takes, far below anything a deploy would wait for.
STOP_WITHIN = 30.0
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


# The database ---------------------------------------------------------------------------------


def postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@dataclass(frozen=True)
class Database:
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def rows_per_error_id(self, error_ids: list[str]) -> dict[str, int]:
        """How many ErrorLog rows each of ``error_ids`` has."""
        counts = dict.fromkeys(error_ids, 0)
        query = "SELECT error_id, count(*) FROM apierrors_errorlog GROUP BY error_id"
        if self.is_sqlite:
            with sqlite3.connect(urlsplit(self.url).path) as db:
                found = db.execute(query).fetchall()
            db.close()
        else:
            import psycopg

            with psycopg.connect(self.url) as db:
                found = db.execute(query).fetchall()
        for error_id, count in found:
            if error_id in counts:
                counts[error_id] = count
        return counts


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated database of this module's own, dropped at its end."""
    given = os.environ.get("DATABASE_URL", "")
    if given and not given.startswith("postgres"):
        server = ""
    elif given:
        if not postgres_answers(given):
            pytest.fail(f"DATABASE_URL={given} does not answer: start PostgreSQL or unset it")
        server = given
    else:
        server = LOCAL_POSTGRES if postgres_answers(LOCAL_POSTGRES) else ""
    if not server:
        url = f"sqlite:///{tmp_path_factory.mktemp('stops') / 'site.sqlite3'}"
        migrate(url)
        yield Database(url)
        return

    import psycopg

    parts = urlsplit(server)
    admin_url = parts._replace(path="/postgres").geturl()
    name = f"{parts.path.lstrip('/') or 'apierrors'}_stops_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = parts._replace(path=f"/{name}").geturl()
        migrate(url)
        yield Database(url)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.stops_settings",
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def migrate(database_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity=0"],
        cwd=ROOT,
        env=site_env(database_url),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# The servers ----------------------------------------------------------------------------------


def uwsgi_binary() -> str:
    found = shutil.which("uwsgi", path=str(Path(sys.executable).parent)) or shutil.which("uwsgi")
    if found is None:
        pytest.fail("uwsgi is missing: install the dev extra (pip install -e '.[dev]')")
    return found


def server_command(kind: str, port: int) -> list[str]:
    bind = f"127.0.0.1:{port}"
    # gunicorn's graceful_timeout above STOP_TIMEOUT (5s), below its default of 30s: on SIGINT
    # uvicorn-worker's UvicornWorker does not stop until gunicorn kills it then.
    gunicorn = [sys.executable, "-m", "gunicorn", f"--bind={bind}", "--graceful-timeout=10"]
    uvicorn = [sys.executable, "-m", "uvicorn", "project.asgi:application"]
    uvicorn += ["--host=127.0.0.1", f"--port={port}"]
    commands = {
        "gunicorn-sync": [*gunicorn, "--workers=2", "project.wsgi"],
        "gunicorn-gthread": [*gunicorn, "--worker-class=gthread", "--threads=4", "project.wsgi"],
        "gunicorn-uvicorn-worker": [
            *gunicorn,
            "--workers=2",
            "--worker-class=uvicorn_worker.UvicornWorker",
            "project.asgi:application",
        ],
        "uvicorn": uvicorn,
        "uvicorn-workers-2": [*uvicorn, "--workers=2"],
        "uwsgi": [
            uwsgi_binary(),
            f"--http-socket={bind}",
            "--module=project.wsgi:application",
            f"--home={sys.prefix}",
            "--master",
            "--processes=2",
            "--enable-threads",
            "--lazy-apps",
            "--hook-master-start=unix_signal:15 gracefully_kill_them_all",
            "--hook-master-start=unix_signal:2 gracefully_kill_them_all",
        ],
    }
    return commands[kind]


class Server:
    def __init__(self, kind: str, env: dict[str, str], log: Path) -> None:
        self.kind = kind
        self.port = free_port(PORTS)
        self.log_path = log
        self._log = log.open("w")
        self.process = subprocess.Popen(
            server_command(kind, self.port),
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, f"{self.kind} ended at start:\n{self.log()}"
            connection = self.connection()
            try:
                connection.request("GET", "/admin/login/")
                response = connection.getresponse()
                # Answered by this server's own settings, not by a server someone else started.
                if response.status == 200 and response.headers["X-Worker-Pid"]:
                    return
            except OSError:  # refused while the server binds, or slow while workers boot
                pass
            finally:
                connection.close()
            assert time.monotonic() < deadline, f"{self.kind} did not answer within 60s"
            time.sleep(0.2)

    def burst(self, count: int = BURST) -> tuple[list[str], set[int]]:
        """``count`` failing requests from SENDERS threads; every error_id and answering pid."""
        answered: list[str] = []
        pids: set[int] = set()
        failures: list[BaseException] = []
        share = [count // SENDERS + (i < count % SENDERS) for i in range(SENDERS)]

        def send(n: int) -> None:
            # A connection per request: uWSGI's http-socket does not keep connections alive.
            headers = {"Authorization": f"Bearer {API_KEY}", "Connection": "close"}
            try:
                for _ in range(n):
                    connection = self.connection()
                    try:
                        connection.request("GET", ERROR_PATH, headers=headers)
                        response = connection.getresponse()
                        response.read()
                    finally:
                        connection.close()
                    assert response.status == 400, response.status
                    answered.append(response.headers["X-Error-Id"])
                    assert response.headers["X-Worker-Pid"], (
                        dict(response.headers),
                        response.status,
                    )
                    pids.add(int(response.headers["X-Worker-Pid"]))
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)

        senders = [threading.Thread(target=send, args=(n,)) for n in share]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        assert not failures, f"{failures[0]!r}\n{self.log()}"
        assert len(set(answered)) == count
        return answered, pids

    def stop(self, signum: int) -> float:
        """Send ``signum`` to the server's main process; seconds until it ended."""
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"{self.kind} did not end within {STOP_WITHIN}s:\n{self.log()}")
        return time.monotonic() - started

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def start(database: Database, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def run(kind: str, **env: str) -> Server:
        server = Server(kind, site_env(database.url, **env), tmp_path / f"{kind}.log")
        started.append(server)
        server.wait_ready()
        return server

    yield run
    for server in started:
        server.close()


def lost(database: Database, answered: list[str]) -> list[str]:
    counts = database.rows_per_error_id(answered)
    assert all(count <= 1 for count in counts.values()), "an error_id has more than one row"
    return [error_id for error_id, count in counts.items() if count == 0]


SERVERS = [
    "gunicorn-sync",
    "gunicorn-gthread",
    "gunicorn-uvicorn-worker",
    "uvicorn",
    "uvicorn-workers-2",
    "uwsgi",
]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("kind", SERVERS)
def test_a_stop_keeps_every_row(start, database, kind, signum):
    server = start(kind)
    answered, _pids = server.burst()

    server.stop(signum)

    missing = lost(database, answered)
    assert not missing, f"{len(missing)} of {len(answered)} rows lost\n{server.log()[-3000:]}"


@pytest.mark.parametrize("mode", ["process", "pool", "executor"])
def test_children_of_a_fork_store_their_rows_before_they_exit(database, mode):
    done = subprocess.run(
        [sys.executable, "-m", "tests.stops_fork", mode],
        cwd=ROOT,
        env=site_env(database.url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answered = json.loads(done.stdout.splitlines()[-1])
    assert len(set(answered)) == 11

    assert database.rows_per_error_id(answered) == dict.fromkeys(answered, 1)


# What inserting a batch may take on a busy 2-core machine: the writer stores as soon as a
# record waits, so a SIGKILL loses at most the batch in flight and what queued behind it.
INSERT_SLACK = 3.0


@pytest.mark.parametrize("kind", ["gunicorn-sync", "uvicorn"])
def test_sigkill_loses_at_most_the_batch_in_flight(start, database, kind):
    server = start(kind)
    older, pids = server.burst()
    # Every row answered the time of an insert ago has been stored.
    time.sleep(INSERT_SLACK)
    latest, latest_pids = server.burst(30)

    for pid in pids | latest_pids:
        os.kill(pid, signal.SIGKILL)
    if server.process.poll() is None:
        server.stop(signal.SIGTERM)

    assert not lost(database, older)
    missing = lost(database, latest)
    assert set(missing) <= set(latest)


class Unanswering:
    """A TCP port that accepts connections and never says a word: a database that hangs."""

    def __init__(self) -> None:
        self.port = free_port(PORTS)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", self.port))
        self.socket.listen(64)

    def close(self) -> None:
        self.socket.close()


@pytest.mark.parametrize("kind", ["gunicorn-sync", "uvicorn"])
def test_a_log_database_that_hangs_delays_a_stop_by_the_bound_at_most(start, kind):
    from apierrors.log.lifecycle import STOP_TIMEOUT

    hanging = Unanswering()
    try:
        server = start(kind, APIERRORS_STOPS_LOG_PORT=str(hanging.port))
        server.burst(20)

        took = server.stop(signal.SIGTERM)
    finally:
        hanging.close()

    # The bound, plus the server's own shutdown and a busy machine's slack.
    assert took < STOP_TIMEOUT + 10, took
    # Each process says what it could not store: all 20, between them, each of them either
    # written whole to the server's log or counted as lost with the batch the database holds.
    said = re.findall(
        rf"the log writer did not finish within {STOP_TIMEOUT}s; (\d+) records not stored went "
        r"whole to this log, (\d+) in the batch the database still holds are lost",
        server.log(),
    )
    assert said and sum(int(a) + int(b) for a, b in said) == 20, server.log()[-3000:]
