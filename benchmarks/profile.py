"""Where the time of one error goes: the benchmark's requests run in-process under a profiler.

    .venv/bin/python benchmarks/profile.py --handler apierrors --scenario not_found
    .venv/bin/python benchmarks/profile.py --handler drf --scenario invalid --requests 5000
    .venv/bin/python benchmarks/profile.py --handler drf --instructions --requests 400

Requests go straight through Django's WSGI handler (no server, no test client), on a SQLite file
in a temporary folder, with project.bench_settings. Two things are measured for the handler:
CPU time per request, which in background mode includes the writer thread's share, and a
pyinstrument profile of the request path. With ``--handler apierrors`` a third part profiles
the writer's batched inserts of the records those requests queued, since a profiler of the
request thread does not see the writer thread.

``--instructions`` counts instead what one request costs in instructions, which on a VM repeat
where seconds do not: the script runs itself twice under valgrind's callgrind with
``PYTHONHASHSEED=0``, once with the warm-up and the requests, once with the warm-up alone, and
divides the difference by the number of requests (the writer thread's share included).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Requests answered before anything is measured: imports, catalog, connections, writer thread.
WARM_UP = 200


def environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8150",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8150",
        "HTTP_USER_AGENT": "wrk",
        "HTTP_ACCEPT": "*/*",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handler", default="apierrors")
    parser.add_argument("--scenario", default="not_found")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--interval", type=float, default=0.0005, help="pyinstrument interval")
    parser.add_argument(
        "--instructions", action="store_true", help="instructions per request (callgrind)"
    )
    parser.add_argument("--only-requests", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        return count_instructions(args)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("profile cannot run: missing pyinstrument (pip install -e '.[bench]')")
        return 2

    work = Path(tempfile.mkdtemp(prefix="apierrors-profile-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="project.bench_settings",
        APIERRORS_BENCH_HANDLER=args.handler,
        DATABASE_URL=f"sqlite:///{work / 'profile.sqlite3'}",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    application = WSGIHandler()
    path = f"/api/bench/{args.scenario}/"

    def request() -> None:
        b"".join(application(environ(path), lambda status, headers, exc_info=None: None))

    for _ in range(WARM_UP):  # warm: imports, catalog, connections, the writer thread
        request()
    from apierrors.log import writer

    writer.flush()
    if args.only_requests is not None:
        # What --instructions measures: these requests, and the rows they leave written.
        for _ in range(args.only_requests):
            request()
        writer.flush()
        writer.shutdown()
        return 0
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(args.requests):
        request()
    writer.flush()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{args.handler} {args.scenario}: {cpu / args.requests * 1e6:.0f} us CPU per request "
        f"(all threads, log writer included), {wall / args.requests * 1e6:.0f} us wall"
    )

    profiler = Profiler(interval=args.interval)
    profiler.start()
    for _ in range(args.requests):
        request()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))

    if args.handler == "apierrors":
        from apierrors.core import ids
        from apierrors.log import record as log
        from apierrors.models import ErrorLog

        # The writer thread's share, profiled here: the rows the requests left, stored again.
        writer.flush()
        fields = [f.name for f in ErrorLog._meta.concrete_fields if f.name != "id"]
        rows = list(ErrorLog.objects.values(*fields)[: args.requests])
        ErrorLog.objects.all().delete()
        records = [{**row, "error_id": ids.new_error_id(), "create_draft": False} for row in rows]
        batch_size = writer.get_writer().batch_size
        profiler = Profiler(interval=args.interval)
        profiler.start()
        for start in range(0, len(records), batch_size):
            log.save_now(records[start : start + batch_size])
        profiler.stop()
        print(f"the log writer storing {len(records)} records in batches of {batch_size}:")
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        writer.shutdown()
    return 0


def count_instructions(args: argparse.Namespace) -> int:
    """Instructions per request: callgrind's total with the requests minus that without."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("profile cannot count instructions: missing valgrind (apt-get install valgrind)")
        return 2
    totals = []
    for requests in (args.requests, 0):
        with tempfile.TemporaryDirectory(prefix="apierrors-callgrind-") as out:
            command = [
                valgrind,
                "--tool=callgrind",
                f"--callgrind-out-file={out}/callgrind.out",
                sys.executable,
                __file__,
                f"--handler={args.handler}",
                f"--scenario={args.scenario}",
                f"--only-requests={requests}",
            ]
            done = subprocess.run(
                command,
                env={**os.environ, "PYTHONHASHSEED": "0"},
                capture_output=True,
                text=True,
                check=False,
            )
        collected = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode != 0 or collected is None:
            print(f"callgrind run failed ({done.returncode}):\n{done.stderr[-2000:]}")
            return 1
        totals.append(int(collected.group(1)))
    per_request = (totals[0] - totals[1]) / args.requests
    print(
        f"{args.handler} {args.scenario}: {per_request / 1e6:.3f} M instructions per request "
        f"(callgrind, {args.requests} requests after {WARM_UP}, log writer included)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
