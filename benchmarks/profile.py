"""Where the time of one error goes: the benchmark's requests run in-process under a profiler.

    .venv/bin/python benchmarks/profile.py --handler apierrors --scenario not_found
    .venv/bin/python benchmarks/profile.py --handler drf --scenario invalid --requests 5000

Requests go straight through Django's WSGI handler (no server, no test client), on a SQLite file
in a temporary folder, with project.bench_settings. Two things are measured for the handler:
CPU time per request, which in background mode includes the writer thread's share, and a
pyinstrument profile of the request path. With ``--handler apierrors`` a third part profiles
the writer's batched inserts of the records those requests queued, since a profiler of the
request thread does not see the writer thread.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


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
    args = parser.parse_args()
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

    for _ in range(200):  # warm: imports, catalog, connections, the writer thread
        request()
    from apierrors import writer

    writer.flush()
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
        from apierrors import ids, log
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
            log.store(records[start : start + batch_size])
        profiler.stop()
        print(f"the log writer storing {len(records)} records in batches of {batch_size}:")
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        writer.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
