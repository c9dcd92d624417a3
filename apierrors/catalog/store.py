"""The catalog as the handler reads it: (code, language) -> Entry, from memory when warm."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
import uuid
from dataclasses import replace
from typing import Any, Final

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db import DatabaseError, connections, router
from django.dispatch import receiver
from modeltranslation.utils import build_localized_fieldname

from apierrors.conf import apierrors_settings
from apierrors.core.entry import GENERIC_CODES, LAST_RESORT, Entry
from apierrors.i18n import default_language, fallback_chain, shipped_translation
from apierrors.models import TRANSLATED_FIELDS, ErrorCode, normalize_code

logger = logging.getLogger("apierrors")

VERSION_KEY: Final = "apierrors:catalog:version"
# The version a process-local cache stands for: the catalog is emptied on every bump.
LOCAL_VERSION: Final = "local"

# Cached in place of an Entry for a row staff switched off.
_INACTIVE: Final = object()


class Catalog:
    """All entries of one process, reloaded when the shared version key moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._rows: dict[str, dict[str, Any]] | None = None
        self._entries: dict[tuple[str, str], Entry | object | None] = {}

    # Loading -----------------------------------------------------------------------------

    def _current_version(self) -> str | None:
        try:
            cache = version_cache()
            version = _read_version(cache)
            if version is None:
                first = uuid.uuid4().hex
                if cache.add(VERSION_KEY, first, timeout=None):
                    _publish(cache, first)
                version = cache.get(VERSION_KEY)
            return None if version is None else str(version)
        except Exception:
            # A cache that is down must not turn an error into a crash; keep what we have.
            logger.warning("apierrors: catalog version unreadable from cache", exc_info=True)
            return self._version

    def _rows_for(self, version: str | None) -> dict[str, dict[str, Any]] | None:
        if self._rows is not None and version == self._version:
            return self._rows
        if _transaction_doomed():
            # The view's failure left its transaction marked for rollback: a query would raise.
            return None
        try:
            rows = {row["code"]: row for row in ErrorCode.objects.rewrite(False).values()}
        except DatabaseError:
            logger.warning(
                "apierrors: catalog unreadable, answering from the shipped defaults", exc_info=True
            )
            return None
        with self._lock:
            self._rows, self._version, self._entries = rows, version, {}
        return rows

    def invalidate(self) -> None:
        with self._lock:
            self._rows, self._version, self._entries = None, None, {}

    # Lookup ------------------------------------------------------------------------------

    def lookup(self, code: str, language: str) -> Entry | None:
        """The entry for ``code`` in ``language``: generic text of its status when the entry is
        inactive; None when the catalog has no row for it."""
        entry = self._entry(code, language)
        if entry is _INACTIVE:
            return self.generic(code, self._status_of(code), language)
        return entry if isinstance(entry, Entry) else None

    def _entry(self, code: str, language: str) -> Entry | object | None:
        code = normalize_code(code)
        rows = self._rows_for(self._current_version())
        if rows is None:
            return shipped_entry(code, language)
        key = (code, language)
        try:
            return self._entries[key]
        except KeyError:
            pass
        row = rows.get(code)
        entry: Entry | object | None = None
        if row is not None:
            entry = _entry_from_row(row, language) if row["is_active"] else _INACTIVE
        self._entries[key] = entry
        return entry

    def _status_of(self, code: str) -> int:
        row = (self._rows or {}).get(normalize_code(code))
        return int(row["status_code"]) if row else 500

    def exists(self, code: str) -> bool:
        """Whether the catalog has a row for ``code``, active or not (drafts included)."""
        rows = self._rows if self._rows is not None else {}
        return normalize_code(code) in rows

    def generic(self, code: str, status_code: int, language: str) -> Entry:
        """Generic text for ``status_code``, answering ``code``; never shows exception text."""
        generic_code = GENERIC_CODES.get(status_code) or (
            "server_error" if status_code >= 500 else "bad_request"
        )
        active = self._entry(generic_code, language)
        base = (
            (active if isinstance(active, Entry) else None)
            or shipped_entry(generic_code, language)
            or LAST_RESORT
        )
        return replace(
            base,
            code=normalize_code(code),
            status_code=status_code,
            is_public=False,
            is_known=False,
        )


def _transaction_doomed() -> bool:
    connection = connections[router.db_for_read(ErrorCode)]
    return bool(connection.in_atomic_block and connection.needs_rollback)


def _text(row: dict[str, Any], field: str, language: str) -> tuple[str, str]:
    """A translated field and the language it is in, falling back per field along
    ``fallback_chain``, then to the untranslated column: never empty while any has text."""
    for lang in fallback_chain(language):
        value = row.get(build_localized_fieldname(field, lang))
        if value:
            return str(value), lang
    return str(row.get(field) or ""), default_language()


def _entry_from_row(row: dict[str, Any], language: str) -> Entry:
    message, served = _text(row, "message", language)
    return Entry(
        code=row["code"],
        status_code=row["status_code"],
        category=row["category"],
        title=_text(row, "title", language)[0],
        message=message,
        action=_text(row, "action", language)[0],
        is_public=row["is_public"],
        is_retryable=row["is_retryable"],
        doc_url=row["doc_url"],
        # Content-Language names the language of the message the client reads.
        language=served,
    )


def _shipped_text(msgid: str, language: str) -> tuple[str, str]:
    """A default catalog text and the language it is in, along ``fallback_chain``."""
    for lang in fallback_chain(language):
        if (text := shipped_translation(msgid, lang)) is not None:
            return text, lang
    return msgid, "en"


def shipped_entry(code: str, language: str) -> Entry | None:
    """An entry of the default catalog, translated from the shipped gettext catalogs."""
    from apierrors.catalog.defaults import DEFAULTS_BY_CODE

    shipped = DEFAULTS_BY_CODE.get(normalize_code(code))
    if shipped is None:
        return None
    title, message, action = (
        _shipped_text(str(shipped[field]), language) for field in TRANSLATED_FIELDS
    )
    return Entry(
        code=shipped["code"],
        status_code=shipped["status_code"],
        category=shipped["category"],
        title=title[0],
        message=message[0],
        action=action[0],
        is_public=shipped["is_public"],
        is_retryable=shipped["is_retryable"],
        doc_url=shipped.get("doc_url", ""),
        language=message[1],
    )


def _read_version(cache: Any) -> Any:
    """``cache.get(VERSION_KEY)``, read on every error; cheaper on Django's Redis backend.

    That backend builds a new ``redis.Redis`` client for each operation, which cost more than the
    rest of the lookup (README, "Performance"); one client per backend object, on the backend's
    own connection pool (which redis-py resets after a fork), reads the same key the same way.
    Any other cache, or a backend whose internals differ, goes through ``cache.get``.
    """
    reader = getattr(cache, READER_ATTR, None)
    if reader is None:
        reader = _reader_for(cache)
        setattr(cache, READER_ATTR, reader)
    return reader()


def _reader_for(cache: Any) -> Any:
    def plain() -> Any:
        return cache.get(VERSION_KEY)

    if isinstance(cache, LocMemCache):
        # This process's own memory: only this process's bump_version() could move the key,
        # and that empties the catalog itself. Nothing to read.
        return lambda: LOCAL_VERSION
    if not isinstance(cache, RedisCache):
        return plain
    try:
        backend = cache._cache
        client = backend.get_client(write=False)
        key = cache.make_and_validate_key(VERSION_KEY)
        loads = getattr(backend, "_serializer").loads  # noqa: B009 (private, hence guarded)
        signal = _signal_for(backend, key)
    except AttributeError:
        return plain

    def redis_read() -> Any:
        value = client.get(key)
        return None if value is None else loads(value)

    return lambda: signal.read(redis_read)


class _VersionSignal:
    """One process's subscription to the channel bump_version() publishes on (Redis only).

    A round trip to Redis on every error cost as much as the rest of the handler (README,
    "Performance"). The version key is read once, then again only when a message arrived on
    the channel: whether one did is a non-blocking look at the subscription's socket, made in
    the request's own thread before the catalog answers, so the message of an edit saved
    before the request arrived is always seen. Until the subscription is confirmed (Redis
    down, PUBLISH/SUBSCRIBE not allowed, a new process after a fork) every read goes to Redis.
    """

    # Seconds between attempts to subscribe again after a failure.
    RETRY: Final = 5.0
    # Most seconds between two reads through redis-py, however quiet the socket looks.
    RECHECK: Final = 1.0

    def __init__(self, make_client: Any, channel: str) -> None:
        self._make_client = make_client
        self._channel = channel
        self._lock = threading.Lock()
        self._pubsub: Any = None
        self._pid = 0
        self._known: Any = _UNKNOWN
        self._retry_at = 0.0
        self._recheck_at = 0.0
        self._poller: tuple[Any, Any] | None = None

    def read(self, fetch: Any) -> Any:
        with self._lock:
            if self._pubsub is None or self._pid != os.getpid():
                self._subscribe()
            if self._pubsub is None:
                return fetch()
            try:
                changed = self._drain()
            except Exception:
                logger.warning("apierrors: catalog version channel lost", exc_info=True)
                self._drop()
                return fetch()
            if changed or self._known is _UNKNOWN:
                self._known = _UNKNOWN
                self._known = fetch()
            return self._known

    def _drain(self) -> bool:
        """Whether anything arrived: a bump, or a confirmation that redis-py subscribed again
        after reconnecting by itself (messages may have been missed meanwhile)."""
        if self._quiet():
            return False
        changed = False
        while (message := self._pubsub.get_message(timeout=0.0)) is not None:
            changed = changed or message.get("type") in {"message", "subscribe"}
        self._recheck_at = time.monotonic() + self.RECHECK
        return changed

    def _quiet(self) -> bool:
        """Whether nothing arrived since the last drain, from one poll() of the socket.

        A drain reads until redis-py has no whole message left in its buffer, so after one
        anything new is in the socket first. Asking redis-py the same question takes a dozen
        calls through its retry and parser layers, a fifth of an error's time. Where the socket
        is not to be found (redis-py's internals differ), or RECHECK seconds passed, the answer
        is "not known" and redis-py is asked.
        """
        sock = getattr(getattr(self._pubsub, "connection", None), "_sock", None)
        if sock is None or time.monotonic() >= self._recheck_at:
            return False
        try:
            if self._poller is None or self._poller[0] is not sock:
                poller = select.poll()
                poller.register(sock, select.POLLIN | select.POLLPRI)
                self._poller = (sock, poller)
            return not self._poller[1].poll(0)
        except (OSError, ValueError, TypeError):
            return False

    def _subscribe(self) -> None:
        """Subscribe and wait for Redis to confirm: a bump after that is a message, a bump
        before it is in the value read next."""
        # A parent's subscription, copied by a fork, is closed on this side only.
        self._drop()
        self._pid = os.getpid()
        now = time.monotonic()
        if now < self._retry_at:
            return
        try:
            self._pubsub = self._make_client().pubsub()
            self._pubsub.subscribe(self._channel)
            deadline = now + 1.0
            while (left := deadline - time.monotonic()) > 0:
                message = self._pubsub.get_message(timeout=left)
                if message is not None and message.get("type") == "subscribe":
                    return
        except Exception:
            logger.warning("apierrors: could not subscribe to catalog changes", exc_info=True)
        self._drop()
        self._retry_at = now + self.RETRY

    def _drop(self) -> None:
        """Forget the subscription, closing its connection: a lost or unconfirmed one is not
        left for the garbage collector to find open."""
        pubsub, self._pubsub, self._known, self._poller = self._pubsub, None, _UNKNOWN, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                pubsub.close()


_UNKNOWN: Final = object()
_signals: dict[tuple[str, str], _VersionSignal] = {}
_signals_lock = threading.Lock()


def _signal_for(backend: Any, channel: str) -> _VersionSignal:
    """The process's subscription for a Redis cache, shared by the cache objects of every
    thread (Django makes one per thread), on its own connection to the first server."""
    server = str(backend._servers[0])
    pool_class, options = backend._pool_class, backend._pool_options
    with _signals_lock:
        signal = _signals.get((server, channel))
        if signal is None:
            from redis import Redis

            def make_client() -> Any:
                return Redis(connection_pool=pool_class.from_url(server, **options))

            signal = _signals[(server, channel)] = _VersionSignal(make_client, channel)
        return signal


def _publish(cache: Any, version: str) -> None:
    """Tell every subscribed process that the version moved (after it was written)."""
    if not isinstance(cache, RedisCache):
        return
    try:
        client = cache._cache.get_client(write=True)
        channel = cache.make_and_validate_key(VERSION_KEY)
    except AttributeError:
        return
    client.publish(channel, version)


# Attribute of a cache object holding its version reader; settings changes make new objects.
READER_ATTR: Final = "_apierrors_version_reader"


class _ThreadCache(threading.local):
    """This thread's cache object for CACHE_ALIAS, and the settings generation it belongs to."""

    generation = -1
    alias = ""
    cache: Any = None


_thread_cache = _ThreadCache()
_generation = 0


def version_cache() -> Any:
    """``caches[CACHE_ALIAS]``, remembered in the thread until CACHES or APIERRORS change.

    Django keeps a thread's cache objects in a context-local, whose every read cost half the
    catalog's lookup; the object it hands a thread stays the same until the settings change.
    """
    local = _thread_cache
    alias = apierrors_settings.CACHE_ALIAS
    if local.generation != _generation or local.alias != alias:
        local.cache, local.alias, local.generation = caches[alias], alias, _generation
    return local.cache


def forget_caches() -> None:
    """Receiver's part when CACHES or APIERRORS change: every thread asks Django again."""
    global _generation
    _generation += 1


catalog = Catalog()


def bump_version(**kwargs: Any) -> None:
    """Receiver of ErrorCode saves and deletes: every process reloads on its next error."""
    catalog.invalidate()
    try:
        cache = version_cache()
        version = uuid.uuid4().hex
        cache.set(VERSION_KEY, version, timeout=None)
        _publish(cache, version)
    except Exception:
        logger.warning("apierrors: could not publish the catalog version", exc_info=True)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in {"APIERRORS", "CACHES"}:
        forget_caches()
