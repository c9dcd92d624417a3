"""Side-by-side benchmark: the demo under gunicorn, driven by wrk, under three error handlers.

Run it with the project's interpreter, after ``pip install -e ".[bench]"`` and with wrk on PATH
(Debian: ``apt-get install wrk``); it installs nothing itself and says what is missing:

    .venv/bin/python benchmarks/run.py                       # SQLite and PostgreSQL, 5 rounds
    .venv/bin/python benchmarks/run.py --databases sqlite --rounds 7 --duration 8
    .venv/bin/python benchmarks/run.py --smoke               # one tiny round: does it still run?

Each handler gets its own gunicorn (2 sync workers) on 127.0.0.1, all three started at once and
migrated onto the same database. Rounds are interleaved: in every round, every scenario is
measured under every handler, in an order that rotates from round to round, so that a busy
moment of the machine falls on all of them alike. Figures are medians over the rounds; ratios
are taken within a round (to DRF's default handler, and to the same handler's 200) and then
their median is shown.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8100, 8200)
SCENARIOS = {
    "not_found": ("404 raised in a view", 404),
    "invalid": ("400, three field errors", 400),
    "crash": ("500, unhandled crash", 500),
    "ok": ("200 of the same view", 200),
}
HANDLERS = {
    "drf": "DRF default",
    "standardized": "drf-standardized-errors",
    "apierrors": "django-apierrors, logged",
    "apierrors-sync": "django-apierrors, logged synchronously",
    "apierrors-nolog": "django-apierrors, not logged",
}
BASELINE = "drf"
LOGGING = {"apierrors", "apierrors-sync"}
PROBLEM = "application/problem+json"
# With every error's row stored (the benchmark fails when one is missing).
TARGETS = {"rps_vs_drf": 0.85, "rps_vs_standardized": 0.90, "p99_vs_drf": 1.3}
# wrk's Lua hook: each thread writes the X-Error-Id of every response it read to its own file.
ERROR_IDS_LUA = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end
function init(args)
  out = io.open(args[1] .. "." .. index, "a")
end
function response(status, headers, body)
  local id = headers["X-Error-Id"]
  if id then out:write(id, "\\n") end
end
"""


class Missing(Exception):
    """Something the benchmark needs is not on this machine; the message says what."""


@dataclass
class Sample:
    database: str
    round: int
    scenario: str
    handler: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    # CPU time of the server's workers (user + system) per request, when /proc tells it.
    cpu_us: float | None = None


# Preconditions -----------------------------------------------------------------------------


def require_tools(handlers: list[str]) -> str:
    missing = []
    wrk = shutil.which("wrk")
    if wrk is None:
        missing.append("wrk (Debian: apt-get install wrk)")
    modules = {"gunicorn": "gunicorn", "dj_database_url": "dj-database-url"}
    if "standardized" in handlers:
        modules["drf_standardized_errors"] = "drf-standardized-errors"
    for module, package in modules.items():
        if importlib.util.find_spec(module) is None:
            missing.append(f"{package} (pip install -e '.[bench]')")
    if missing:
        raise Missing("missing: " + "; ".join(missing))
    assert wrk is not None
    return wrk


def free_ports(count: int, start: int) -> list[int]:
    """Ports of our range that nothing listens on, from ``start`` on."""
    found = []
    for port in PORTS:
        if port < start:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise Missing(f"not {count} free ports in 127.0.0.1:{PORTS.start}-{PORTS.stop - 1}")


def postgres_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    try:
        import psycopg
    except ImportError as exc:
        raise Missing("psycopg (pip install -e '.[bench]')") from exc
    match = re.match(r"^(postgres(?:ql)?://[^/]*)/([A-Za-z0-9_]+)$", url)
    if match is None:
        raise Missing(f"a PostgreSQL URL of the form postgres://user@host:port/name, not {url!r}")
    server, name = match.groups()
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as db:
            exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                db.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise Missing(f"PostgreSQL at {server} ({exc.__class__.__name__}: {exc})") from exc


def redis_reachable(url: str) -> bool:
    try:
        import redis
    except ImportError:
        return False
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


# Servers -----------------------------------------------------------------------------------


def server_env(
    database_url: str, redis_url: str | None, handler: str = "apierrors"
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="project.bench_settings",
        DATABASE_URL=database_url,
        APIERRORS_BENCH_HANDLER=handler,
        PYTHONPATH=str(ROOT),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


@dataclass(frozen=True)
class Server:
    base: str
    pid: int


def workers_cpu(pid: int) -> float | None:
    """Seconds of CPU the gunicorn master's workers have used (Linux /proc), else None.

    Set against wrk's count of requests, it tells what a request costs in the server apart
    from the time it waited (for a lock, say): a ratio of requests per second shows both.
    """
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ticks = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, ValueError, IndexError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def gunicorn(handler: str, port: int, env: dict[str, str], logs: Path) -> Iterator[Server]:
    """One gunicorn with 2 sync workers; stopped with SIGTERM so workers flush their logs."""
    log_file = (logs / f"gunicorn-{handler}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "project.wsgi",
            "--workers=2",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{port}",
            "--graceful-timeout=20",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env={**env, "APIERRORS_BENCH_HANDLER": handler},
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn for {handler} exited; see {log_file.name}")
            try:
                urllib.request.urlopen(f"{base}/api/bench/ok/", timeout=10).read()
                break
            except OSError:  # refused while gunicorn binds, slow while its workers boot
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn for {handler} did not answer in 30s") from None
                time.sleep(0.2)
        yield Server(base, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def check_answers(handler: str, base: str, ids: Path) -> None:
    """Each scenario answers with its status before it is measured: no benchmark of a typo."""
    for scenario, (_, status) in SCENARIOS.items():
        try:
            with urllib.request.urlopen(f"{base}/api/bench/{scenario}/", timeout=10) as answer:
                got, content_type = answer.status, answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            got, content_type = error.code, error.headers.get("Content-Type", "")
            if error.headers.get("X-Error-Id"):
                with ids.with_name(ids.name + ".check").open("a") as out:
                    out.write(error.headers["X-Error-Id"] + "\n")
        if got != status:
            raise RuntimeError(f"{handler} answered {scenario} with {got}, expected {status}")
        if handler.startswith("apierrors") and status >= 400 and content_type != PROBLEM:
            raise RuntimeError(f"{handler} answered {scenario} as {content_type!r}")


# Load --------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    wrk: str, url: str, duration: float, connections: int, threads: int, ids: Path
) -> tuple[float, float, float, int, int]:
    """Requests per second, p50 and p99 in ms, requests, socket errors and non-2xx/3xx.

    The X-Error-Id of every response wrk read is appended to ``ids``.* (one file a thread); the
    hook runs under every handler alike, so that it costs each the same.
    """
    script = ids.with_name("error_ids.lua")
    if not script.exists():
        script.write_text(ERROR_IDS_LUA)
    done = subprocess.run(
        [
            wrk,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(duration))}s",
            "--timeout=10s",
            "--latency",
            f"--script={script}",
            url,
            "--",
            str(ids),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}: {done.stderr or done.stdout}")
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {}
    for percentile, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        latency[percentile] = float(value) * UNITS[unit]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    socket_errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    timeouts = int(socket_errors.group(1)) if socket_errors else 0
    return rps, latency["50"], latency["99"], requests, timeouts


# The run -----------------------------------------------------------------------------------


def measure(args: argparse.Namespace, wrk: str, database: str, logs: Path) -> list[Sample]:
    redis_url = None
    if database == "sqlite":
        url = f"sqlite:///{logs / 'bench.sqlite3'}"
    else:
        url = args.postgres_url
        postgres_database(url)
        if redis_reachable(args.redis_url):
            redis_url = args.redis_url
        else:
            print(f"  note: no Redis at {args.redis_url}: the local-memory cache is used")
    env = server_env(url, redis_url)
    print(f"== {database}: migrating {url}", flush=True)
    manage(env, "migrate", "--noinput")
    manage(
        env, "shell", "-c", "from apierrors.models import ErrorLog; ErrorLog.objects.all().delete()"
    )
    ports = free_ports(len(args.handlers), args.port)
    samples: list[Sample] = []
    ids = {handler: logs / f"error-ids-{database}-{handler}" for handler in args.handlers}
    with contextlib.ExitStack() as servers:
        running = {
            handler: servers.enter_context(gunicorn(handler, port, env, logs))
            for handler, port in zip(args.handlers, ports, strict=True)
        }
        for handler, server in running.items():
            check_answers(handler, server.base, ids[handler])
            for scenario in SCENARIOS:  # warm: imports, catalog, connections
                run_wrk(
                    wrk,
                    f"{server.base}/api/bench/{scenario}/",
                    1,
                    args.connections,
                    args.threads,
                    ids[handler],
                )
        for round_number in range(1, args.rounds + 1):
            # Rotate the order of the handlers from round to round.
            shift = (round_number - 1) % len(args.handlers)
            order = args.handlers[shift:] + args.handlers[:shift]
            for scenario in args.scenarios:
                for handler in order:
                    server = running[handler]
                    before = workers_cpu(server.pid)
                    rps, p50, p99, requests, timeouts = run_wrk(
                        wrk,
                        f"{server.base}/api/bench/{scenario}/",
                        args.duration,
                        args.connections,
                        args.threads,
                        ids[handler],
                    )
                    after = workers_cpu(server.pid)
                    cpu_us = (
                        (after - before) / requests * 1e6
                        if before is not None and after is not None and requests
                        else None
                    )
                    samples.append(
                        Sample(
                            database,
                            round_number,
                            scenario,
                            handler,
                            rps,
                            p50,
                            p99,
                            requests,
                            timeouts,
                            cpu_us,
                        )
                    )
            print(f"  round {round_number}/{args.rounds} done", flush=True)
    received = [
        line
        for handler in args.handlers
        if handler in LOGGING
        for part in sorted(logs.glob(f"{ids[handler].name}.*"))
        for line in part.read_text().split()
    ]
    if received:
        check_log_rows(env, received, database, logs)
    return samples


class RowsMissing(Exception):
    """An error_id a client received has no row in the log: the benchmark's figures are void."""


# What the log holds, read after the servers stopped: every row's error_id, and rows light.
COUNT_ROWS = (
    "import os; from apierrors.models import ErrorLog as L; "
    "ids = set(open(os.environ['APIERRORS_BENCH_IDS']).read().split()); "
    "stored = set(L.objects.values_list('error_id', flat=True).iterator(chunk_size=20000)); "
    "print(len(ids), len(stored), len(ids - stored), "
    "L.objects.exclude(detail_from='').count(), sorted(ids - stored)[:3])"
)


def check_log_rows(env: dict[str, str], received: list[str], database: str, logs: Path) -> None:
    """Every error_id wrk received has its own row, once the servers stopped; else it fails.

    The servers may have answered a few requests more than wrk read to the end (at the end of
    a run): those rows have no id in wrk's files, and are counted apart.
    """
    ids_file = logs / f"received-{database}.txt"
    ids_file.write_text("\n".join(received))
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", COUNT_ROWS],
        cwd=ROOT,
        env={**env, "APIERRORS_BENCH_HANDLER": "apierrors", "APIERRORS_BENCH_IDS": str(ids_file)},
        capture_output=True,
        text=True,
        check=True,
    )
    distinct, rows, missing, light, examples = done.stdout.strip().splitlines()[-1].split(" ", 4)
    print(
        f"  error log of {database}: {len(received)} error responses read by wrk, "
        f"{distinct} distinct error_ids; {rows} rows ({light} of them light); "
        f"error_ids without a row: {missing}"
    )
    if int(distinct) != len(received):
        raise RowsMissing(f"{len(received) - int(distinct)} error_ids were sent twice")
    if int(missing):
        raise RowsMissing(f"{missing} error_ids received have no row, e.g. {examples}")


def summarise(samples: list[Sample], handlers: list[str]) -> list[dict[str, Any]]:
    rows = []
    keys = sorted(
        {(s.database, s.scenario) for s in samples},
        key=lambda k: (k[0], list(SCENARIOS).index(k[1])),
    )
    by = {(s.database, s.round, s.scenario, s.handler): s for s in samples}
    rounds = sorted({s.round for s in samples})
    for database, scenario in keys:
        for handler in handlers:
            mine = [by[(database, r, scenario, handler)] for r in rounds]
            row: dict[str, Any] = {
                "database": database,
                "scenario": scenario,
                "handler": handler,
                "rps": statistics.median(s.rps for s in mine),
                "p50_ms": statistics.median(s.p50_ms for s in mine),
                "p99_ms": statistics.median(s.p99_ms for s in mine),
                "timeouts": sum(s.errors for s in mine),
            }
            cpu = [s.cpu_us for s in mine if s.cpu_us is not None]
            if cpu:
                row["cpu_us"] = statistics.median(cpu)
            for other, prefix in ((BASELINE, "vs_drf"), ("standardized", "vs_standardized")):
                if other not in handlers:
                    continue
                theirs = [by[(database, r, scenario, other)] for r in rounds]
                row[f"rps_{prefix}"] = statistics.median(
                    a.rps / b.rps for a, b in zip(mine, theirs, strict=True)
                )
                row[f"p50_{prefix}"] = statistics.median(
                    a.p50_ms / b.p50_ms for a, b in zip(mine, theirs, strict=True)
                )
                row[f"p99_{prefix}"] = statistics.median(
                    a.p99_ms / b.p99_ms for a, b in zip(mine, theirs, strict=True)
                )
            if (database, rounds[0], "ok", handler) in by:
                ceiling = [by[(database, r, "ok", handler)] for r in rounds]
                row["rps_vs_ok"] = statistics.median(
                    a.rps / b.rps for a, b in zip(mine, ceiling, strict=True)
                )
            rows.append(row)
    return rows


def verdict(row: dict[str, Any]) -> str:
    if row["handler"] != "apierrors" or row["scenario"] == "ok":
        return ""
    misses = [
        name
        for name, target in TARGETS.items()
        if name in row and (row[name] > target if name.startswith("p99") else row[name] < target)
    ]
    return "met" if not misses else "missed: " + ", ".join(misses)


def ratio(row: dict[str, Any], key: str) -> str:
    return f"{row[key]:.2f}" if key in row else ""


def table(rows: list[dict[str, Any]]) -> str:
    header = (
        "| database | scenario | handler | req/s | x DRF | x std | x 200 "
        "| p50 ms | x DRF | p99 ms | x DRF | CPU µs | targets |"
    )
    lines = [header, "|" + "---|" * 13]
    for row in rows:
        cpu = f"{row['cpu_us']:.0f}" if "cpu_us" in row else ""
        lines.append(
            f"| {row['database']} | {SCENARIOS[row['scenario']][0]} | {HANDLERS[row['handler']]} "
            f"| {row['rps']:.0f} | {ratio(row, 'rps_vs_drf')} "
            f"| {ratio(row, 'rps_vs_standardized')} "
            f"| {ratio(row, 'rps_vs_ok')} | {row['p50_ms']:.2f} | {ratio(row, 'p50_vs_drf')} "
            f"| {row['p99_ms']:.2f} | {ratio(row, 'p99_vs_drf')} | {cpu} | {verdict(row)} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; load average before the run: {load}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--handlers", default="drf,standardized,apierrors", help=",".join(HANDLERS))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=",".join(SCENARIOS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8150, help="first port tried (8100-8199)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/apierrors_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--json", type=Path, help="also write every sample and the summary here")
    parser.add_argument("--smoke", action="store_true", help="one tiny round on SQLite")
    args = parser.parse_args(argv)
    if args.smoke:
        args.databases, args.rounds, args.duration, args.connections = "sqlite", 1, 1, 2
    for name in ("databases", "handlers", "scenarios"):
        setattr(args, name, [item for item in getattr(args, name).split(",") if item])
    unknown = (
        [d for d in args.databases if d not in {"sqlite", "postgres"}]
        + [h for h in args.handlers if h not in HANDLERS]
        + [s for s in args.scenarios if s not in SCENARIOS]
    )
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    if BASELINE not in args.handlers:
        parser.error("the handlers must include drf, the baseline of every ratio")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        wrk = require_tools(args.handlers)
    except Missing as exc:
        print(f"benchmark cannot run: {exc}", file=sys.stderr)
        return 2
    print(f"machine: {machine()}", flush=True)
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="apierrors-bench-") as work:
        for database in args.databases:
            try:
                samples += measure(args, wrk, database, Path(work))
            except Missing as exc:
                print(f"benchmark cannot run on {database}: {exc}", file=sys.stderr)
                return 2
            except RowsMissing as exc:
                print(f"benchmark FAILED on {database}: {exc}", file=sys.stderr)
                return 1
    rows = summarise(samples, args.handlers)
    print()
    print(
        f"medians of {args.rounds} interleaved rounds, wrk {args.duration:g}s each, "
        f"{args.connections} connections; gunicorn 2 sync workers per handler"
    )
    print(table(rows))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": machine(), "samples": [asdict(s) for s in samples], "summary": rows},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
