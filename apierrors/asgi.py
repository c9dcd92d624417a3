"""ASGI lifespan for Django: the error log's rows are stored when an ASGI server shuts down.

Django's ASGI handler serves HTTP only and refuses the lifespan scope, so uvicorn runs it
without lifespan events. On SIGTERM uvicorn (alone, with ``--workers``, or as gunicorn's
``UvicornWorker``) shuts down gracefully, then raises the signal again with its default
handler, which ends the process at once: no atexit function runs, and the rows the log writer
still holds would be lost. Wrapped, the application answers the lifespan scope; at
``lifespan.shutdown``, sent once the last request has finished, it stores those rows (bounded
by :data:`apierrors.log.lifecycle.STOP_TIMEOUT`) before it answers::

    # asgi.py
    from django.core.asgi import get_asgi_application

    from apierrors.asgi import with_lifespan

    application = with_lifespan(get_asgi_application())

Every other scope (http, websocket) goes to the wrapped application unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from apierrors.log.lifecycle import store_before_exit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def with_lifespan(application: ASGIApp) -> ASGIApp:
    """``application``, answering the lifespan scope itself and storing the log at shutdown."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await application(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                # In a thread: the writer's wait must not hold the event loop.
                await asyncio.get_running_loop().run_in_executor(None, store_before_exit)
                await send({"type": "lifespan.shutdown.complete"})
                return

    return app
