"""Children of a fork answer errors and end: ``python -m tests.stops_fork process|pool|executor``.

Run by tests/test_stops.py with DJANGO_SETTINGS_MODULE=tests.stops_settings and DATABASE_URL.
The parent answers one error itself first, so that its writer holds a queued row when it
forks, and closes its database connections, as any process that forks must. Then ``process``: two ``multiprocessing`` children (fork) answer five errors each and
return; ``pool``: a ``multiprocessing.Pool`` of two (fork) answers ten, then is closed and
joined; ``executor``: a ``ProcessPoolExecutor`` of two (fork) answers ten and shuts down.
Every child leaves through ``os._exit()``. Prints the error_ids answered, as JSON.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.queues import Queue

import django
from django.db import connections

PATH = "/api/products/nope/"


def answer_one() -> str:
    from django.test import Client

    response = Client().get(PATH, HTTP_AUTHORIZATION="Bearer demo-key-123")
    assert response.status_code == 400, response.status_code
    return str(response["X-Error-Id"])


def answer_five(answered: Queue[str]) -> None:
    for _ in range(5):
        answered.put(answer_one())


def answer_task(_: int) -> str:
    return answer_one()


def main(mode: str) -> None:
    django.setup()
    fork = multiprocessing.get_context("fork")
    answered = [answer_one()]
    # As Django asks of any process that forks: children must not share its connections.
    connections.close_all()
    if mode == "process":
        queue: Queue[str] = fork.Queue()
        children = [fork.Process(target=answer_five, args=(queue,)) for _ in range(2)]
        for child in children:
            child.start()
        answered += [queue.get(timeout=60) for _ in range(10)]
        for child in children:
            child.join(timeout=60)
            assert child.exitcode == 0, child.exitcode
    elif mode == "pool":
        pool = fork.Pool(2)
        answered += pool.map(answer_task, range(10), chunksize=1)
        pool.close()
        pool.join()
    elif mode == "executor":
        with ProcessPoolExecutor(2, mp_context=fork) as executor:
            answered += executor.map(answer_task, range(10))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(answered))


if __name__ == "__main__":
    main(sys.argv[1])
