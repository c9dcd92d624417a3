"""The catalog as the handler reads it: (code, language) -> Entry, from memory when warm."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import threading
import uuid
from dataclasses import replace
from time import monotonic
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections, router, transaction
from modeltranslation.utils import build_localized_fieldname

from apierrors.conf import apierrors_settings, clear_on_change
from apierrors.core.entry import GENERIC_CODES, LAST_RESORT, Entry
from apierrors.i18n import default_language, fallback_chain, shipped_translation
from apierrors.models import TRANSLATED_FIELDS, ErrorCode, normalize_code

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import PubSub

logger = logging.getLogger("apierrors")

VERSION_KEY: Final = "apierrors:catalog:version"

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
            return version_watch.current()
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
        version_watch.forget()

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


class VersionWatch:
    """This process's copy of the shared catalog version, read again when it may have moved.

    Where CACHE_ALIAS's LOCATION names Redis servers, the process subscribes (redis-py's PubSub)
    to a channel named after the key, on which bump_version() publishes after writing it; the
    key is read again only when a message arrived. Whether one did is asked of redis-py without
    blocking, in the request's own thread, so the message of a bump made before a request
    arrived is seen by that request. Without a subscription (any other cache; Redis refusing
    SUBSCRIBE or lost, until RETRY seconds passed), a version read is trusted for READ_EVERY
    seconds: this process's own bumps are seen at once, other processes' within that time.
    """

    READ_EVERY: Final = 1.0
    RETRY: Final = 5.0
    # Seconds Redis may take to connect, to confirm a subscription, to take a message (unless
    # LOCATION's query string says otherwise): a request never waits longer on the channel.
    TIMEOUT: Final = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pubsub: PubSub | None = None
        self._redis: tuple[Redis, str] | None = None  # a client and the channel
        self._start()

    def _start(self) -> None:
        self._pid = os.getpid()
        self._version: str | None = None
        self._trusted_until = 0.0
        self._subscribe_at = 0.0
        self._looked_up = False

    def current(self) -> str | None:
        with self._lock:
            if self._pid != os.getpid():
                # A fork's copy: the parent's subscription is closed on this side only.
                self._stop()
            now = monotonic()
            if self._moved(now) or now >= self._trusted_until:
                self._trusted_until = now + self.READ_EVERY
                version = caches[apierrors_settings.CACHE_ALIAS].get(VERSION_KEY)
                self._version = None if version is None else str(version)
                if self._pubsub is not None:
                    self._trusted_until = math.inf
            return self._version

    def forget(self) -> None:
        """Read the key again on the next lookup."""
        self._trusted_until = 0.0

    def publish(self, version: str) -> None:
        """Tell every subscribed process that the version moved (after it was written)."""
        with self._lock:
            redis = self._redis_channel()
        if redis is not None:
            client, channel = redis
            client.publish(channel, version)

    def reset(self) -> None:
        """Forget the version and the subscription: the settings they came from changed."""
        with self._lock:
            self._stop()

    def _moved(self, now: float) -> bool:
        """Whether the version may have moved as far as the subscription knows: a message
        arrived, the subscription was just made (the key is read once Redis confirmed it), or
        it was lost."""
        if self._pubsub is None:
            return now >= self._subscribe_at and self._subscribe(now)
        moved = False
        try:
            while self._pubsub.get_message(timeout=0.0) is not None:
                moved = True
        except Exception:
            logger.warning("apierrors: catalog version channel lost", exc_info=True)
            self._unsubscribe(now)
            moved = True
        return moved

    def _subscribe(self, now: float) -> bool:
        try:
            if (redis := self._redis_channel()) is None:
                self._subscribe_at = math.inf  # until the settings change
                return False
            client, channel = redis
            self._pubsub = client.pubsub()
            self._pubsub.subscribe(channel)
            message = self._pubsub.get_message(timeout=self.TIMEOUT)
            if message is None or message["type"] != "subscribe":
                raise TimeoutError(f"Redis did not confirm the subscription to {channel}")
            return True
        except Exception:
            logger.warning("apierrors: could not subscribe to catalog changes", exc_info=True)
            self._unsubscribe(now)
            return False

    def _unsubscribe(self, now: float) -> None:
        """Close the subscription's connection: a lost or unconfirmed one is not left open."""
        pubsub, self._pubsub, self._subscribe_at = self._pubsub, None, now + self.RETRY
        if pubsub is not None:
            with contextlib.suppress(Exception):
                pubsub.close()

    def _redis_channel(self) -> tuple[Redis, str] | None:
        """A client of the first server CACHE_ALIAS's LOCATION names (the one Django writes
        to), and the channel, the key as the cache names it; None when it names no Redis."""
        if not self._looked_up:
            self._looked_up = True
            alias = apierrors_settings.CACHE_ALIAS
            location = settings.CACHES[alias].get("LOCATION", "")
            servers = re.split("[;,]", location) if isinstance(location, str) else location
            url = str(servers[0]) if servers else ""
            if url.startswith(("redis://", "rediss://", "unix://")):
                from redis import Redis

                client = Redis.from_url(
                    url, socket_connect_timeout=self.TIMEOUT, socket_timeout=self.TIMEOUT
                )
                self._redis = client, caches[alias].make_key(VERSION_KEY)
        return self._redis

    def _stop(self) -> None:
        self._unsubscribe(0.0)
        if self._redis is not None:
            with contextlib.suppress(Exception):
                self._redis[0].close()
            self._redis = None
        self._start()


version_watch = VersionWatch()
catalog = Catalog()


def bump_version(*, using: str | None = None, **kwargs: Any) -> None:
    """Receiver of ErrorCode saves and deletes: this process reloads on its next error, every
    other one on its next error after the change was committed.

    A process told before the commit would reload the rows as they were, and keep them as the
    new version's.
    """
    catalog.invalidate()
    transaction.on_commit(_publish_version, using=using)


def _publish_version() -> None:
    version = uuid.uuid4().hex
    try:
        caches[apierrors_settings.CACHE_ALIAS].set(VERSION_KEY, version, timeout=None)
        version_watch.publish(version)
    except Exception:
        logger.warning("apierrors: could not publish the catalog version", exc_info=True)
    # A thread of this process may have reloaded the rows as they were before the commit.
    catalog.invalidate()


clear_on_change(version_watch.reset, settings=frozenset({"APIERRORS", "CACHES"}))
