"""Cache tags: what each cached page was built from, and emptying exactly those pages.

Every cached entry (a whole anonymous page, a page shell, a route) records the
tags it was built from — `page-12` for each page it shows, `list-section-3`
for a listing it contains, `site` always — and the version each tag had when
the entry was stored. It is served only while every tag still has that
version. Purging a tag gives it a new version, so the entries built from it
miss in every process and every other entry stays.

Versions live where every process of the site sees them:

- embedded (local-memory cache, one machine): one file per tag under
  VAR_DIR/pagecache/tags; its modification time in nanoseconds is the version;
- shared (REDIS_URL): one key per tag holding a random token. A lost key
  (eviction, restart) reads as "no version", which no entry matches.

A clock (one more file or key) moves on every purge. An entry already checked
under the current clock needs no further check, so a hit costs one stat or one
Redis GET however many tags the page carries (masthead/core/pagestore.py).

The order of reads and writes is what keeps this right when a purge runs
beside a reader: a purge moves the clock, writes the new tag versions, then
moves the clock again; a snapshot for storing reads the versions, then the
clock. So a reader who checks an entry between the purge's first and last
step sees the clock move once more afterwards and checks again, and a render
that overlapped a purge sees a clock different from the one it started under
and is not stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from masthead.core import shared_cache
from masthead.core.clock_watch import CHANNEL as CLOCK_CHANNEL
from masthead.core.clock_watch import ClockWatch

log = logging.getLogger(__name__)

# Carried by every entry: purging it empties everything (settings, navigation, a moved page).
SITE = "site"
# Carried by responses that list every page (feeds, sitemap) and by any cached
# response that named no tags of its own: every publish purges it.
LIST_ALL = "list-all"
# Tags are file names and tokens in the edge's xkey header: no spaces, no slashes.
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

CLOCK_KEY = "pagecache:clock"
TAG_KEY_PREFIX = "pagecache:tag:"


def page_tag(pk: object) -> str:
    """The tag of one page: every entry that shows the page (its own, a card, a byline) carries it."""
    return f"page-{pk}"


def list_tag(name: str, pk: object | None = None) -> str:
    """The tag of a listing (list-home, list-section-3): purged when a page may join or leave it."""
    return f"list-{name}" if pk is None else f"list-{name}-{pk}"


def clean(tags: Iterable[str], *, with_site: bool = True) -> tuple[str, ...]:
    """The tags sorted, without repeats, with `site` for an entry; a malformed tag is a programming error."""
    found = {SITE, *tags} if with_site else set(tags)
    bad = [tag for tag in found if not TAG_RE.match(tag)]
    if bad:
        raise ValueError(f"cache tags must match {TAG_RE.pattern}: {', '.join(sorted(bad))}")
    return tuple(sorted(found))


class TagStore(Protocol):
    def clock(self) -> str: ...

    def versions(self, tags: Sequence[str]) -> list[str | None]: ...

    def snapshot(self, tags: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        """(clock, versions) for storing an entry; tags never seen get a version now."""
        ...

    def purge(self, tags: Sequence[str]) -> None: ...


class FileTagStore:
    """Versions as file modification times: every process on the machine sees a purge at once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.clock_file = str(directory / "clock")
        self.tag_dir = directory / "tags"

    def _stat(self, path: str) -> str:
        try:
            return str(os.stat(path).st_mtime_ns)
        except FileNotFoundError:
            # Never purged. Nothing stored under another version can match "0".
            return "0"

    def clock(self) -> str:
        return self._stat(self.clock_file)

    def versions(self, tags: Sequence[str]) -> list[str | None]:
        base = str(self.tag_dir) + os.sep
        return [self._stat(base + tag) for tag in tags]

    def snapshot(self, tags: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        versions = tuple(v or "0" for v in self.versions(tags))
        return self.clock(), versions

    def purge(self, tags: Sequence[str]) -> None:
        self.tag_dir.mkdir(parents=True, exist_ok=True)
        clock = Path(self.clock_file)
        _touch_later(clock)
        for tag in tags:
            _touch_later(self.tag_dir / tag)
        _touch_later(clock)


def _touch_later(path: Path) -> None:
    # Strictly increasing even when two purges fall in one clock tick.
    now = time.time_ns()
    try:
        before = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        path.touch()
        before = 0
    os.utime(path, ns=(now, max(now, before + 1)))


def _unmatched_clock() -> str:
    """A clock value no entry was checked under and no render started under: while Redis does not answer,
    every lookup misses and nothing is stored, so nothing is served that could not be checked."""
    return "unreachable:" + uuid.uuid4().hex


def _read_clock_for_watch() -> str | None:
    value = cache.get(CLOCK_KEY)
    return None if value is None else str(value)


def _redis_client() -> Any:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


class CacheTagStore:
    """Versions in the shared cache (Redis): the clock is kept in memory by a watch that Redis
    tells of every move (masthead/core/clock_watch.py), or read in one round trip; one more reads the tags."""

    def __init__(self) -> None:
        self.watch = ClockWatch(_read_clock_for_watch, _redis_client)

    def clock(self) -> str:
        watched = self.watch.current()
        if watched is not None:
            return watched
        try:
            value = cache.get(CLOCK_KEY)
            if value is None:
                value = self._new_clock()
        except shared_cache.unreachable() as exc:
            shared_cache.warn("tag clock", exc)
            return _unmatched_clock()
        if value == "lost":
            # The clock could be neither read nor written: Redis is down and the cache ignores the errors.
            shared_cache.warn("tag clock", None)
            return _unmatched_clock()
        return str(value)

    @staticmethod
    def _new_clock() -> Any:
        # A random start, never 0: if Redis loses the key, counting again from
        # a known number could meet a clock some stored entry was checked under.
        cache.add(CLOCK_KEY, random.getrandbits(62), timeout=None)
        return cache.get(CLOCK_KEY, "lost")

    def versions(self, tags: Sequence[str]) -> list[str | None]:
        try:
            found = cache.get_many([TAG_KEY_PREFIX + tag for tag in tags])
        except shared_cache.unreachable() as exc:
            shared_cache.warn("tag versions", exc)
            return [None for _ in tags]  # "no version": no entry matches
        return [None if (value := found.get(TAG_KEY_PREFIX + tag)) is None else str(value) for tag in tags]

    def snapshot(self, tags: Sequence[str]) -> tuple[str, tuple[str, ...]]:
        # One MGET reads the clock and the versions at one instant.
        keys = [CLOCK_KEY, *(TAG_KEY_PREFIX + tag for tag in tags)]
        try:
            found = cache.get_many(keys)
            missing = [key for key in keys if key not in found]
            if missing:
                # add(): concurrent workers agree on one token per tag. Then read
                # everything again, so the clock returned belongs to these versions.
                for key in missing:
                    if key == CLOCK_KEY:
                        cache.add(key, random.getrandbits(62), timeout=None)
                        self._clock_moved()  # lost (evicted, flushed): every watch reads it again
                    else:
                        cache.add(key, uuid.uuid4().hex, timeout=None)
                found = cache.get_many(keys)
        except shared_cache.unreachable() as exc:
            shared_cache.warn("tag snapshot", exc)
            found = {}
        if CLOCK_KEY not in found:
            # Nothing could be read back, not even after add(): Redis is down. A clock no render started
            # under, so the caller stores nothing it could not check later.
            return _unmatched_clock(), tuple("lost" for _ in keys[1:])
        return str(found.get(CLOCK_KEY, "lost")), tuple(str(found.get(key, "lost")) for key in keys[1:])

    def purge(self, tags: Sequence[str]) -> None:
        self._tick()
        # A token never used before, so two purges cannot cancel out.
        cache.set_many({TAG_KEY_PREFIX + tag: uuid.uuid4().hex for tag in tags}, timeout=None)
        self._tick()
        self._clock_moved()

    def _clock_moved(self) -> None:
        self.watch.forget()
        try:
            # Every process's watch reads the clock again.
            _redis_client().publish(CLOCK_CHANNEL, "moved")
        except shared_cache.unreachable() as exc:
            # The others notice the lost connection and read the clock from Redis meanwhile.
            shared_cache.warn("clock publish", exc)

    def _tick(self) -> None:
        try:
            cache.incr(CLOCK_KEY)
        except ValueError:  # the clock was lost: any new value moves it
            self._new_clock()


# --- The store this process uses, chosen once per settings ---------------------


@dataclass(frozen=True)
class _Choice:
    store: TagStore
    local: bool


_choice: _Choice | None = None


def _chosen() -> _Choice:
    global _choice
    if _choice is None:
        local = "LocMemCache" in settings.CACHES["default"]["BACKEND"]
        store: TagStore = FileTagStore(Path(settings.VAR_DIR) / "pagecache") if local else CacheTagStore()
        _choice = _Choice(store, local)
    return _choice


def store() -> TagStore:
    return _chosen().store


# --- One clock read per request ------------------------------------------------
#
# Inside request_scope() (opened by the first middleware) the clock is read
# once and every lookup of the request reuses it: everything served was
# current at that instant, and a render stored under it is refused if a purge
# ran since.

_OUTSIDE = "outside"
_request_clock: ContextVar[str | None] = ContextVar("masthead_tag_clock", default=_OUTSIDE)


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    if _request_clock.get() is not _OUTSIDE:
        yield  # already inside one (the page cache middleware opened it)
        return
    token = _request_clock.set(None)
    try:
        yield
    finally:
        _request_clock.reset(token)


def clock() -> str:
    """The tag clock: read once per request inside request_scope(), every time outside it."""
    value = _request_clock.get()
    if value is None or value is _OUTSIDE:
        read = store().clock()
        if value is None:
            _request_clock.set(read)
        return read
    return value


# --- Site-wide facts a process may keep ---------------------------------------

_memo: dict[str, tuple[str, str, Any]] = {}
_memo_lock = threading.Lock()


T = TypeVar("T")


def sitewide(name: str, compute: Callable[[], T]) -> T:
    """compute(), kept in this process until the `site` tag is purged (settings, navigation, house ads).

    The value is shared by every request of the process: callers keep it read-only.
    """
    now = clock()
    known = _memo.get(name)
    if known is not None:
        checked, version, value = known
        if checked == now:
            return cast(T, value)
        if store().versions([SITE])[0] == version:
            _memo[name] = (now, version, value)
            return cast(T, value)
    version = str(store().versions([SITE])[0])
    value = compute()
    with _memo_lock:
        _memo[name] = (now, version, value)
    return value


def forget_sitewide() -> None:
    _memo.clear()


def forget_clock() -> None:
    """Read the tag clock from Redis again (after Redis was emptied behind this process's back)."""
    chosen = _choice
    if chosen is not None and isinstance(chosen.store, CacheTagStore):
        chosen.store.watch.forget()


def is_local() -> bool:
    """True when each process keeps its own cache (the embedded default), False with Redis."""
    return _chosen().local


@receiver(setting_changed)
def _forget_store(**_: Any) -> None:
    global _choice
    if _choice is not None and isinstance(_choice.store, CacheTagStore):
        _choice.store.watch.stop()
    _choice = None
    _memo.clear()


# --- Purging -----------------------------------------------------------------


def purge(tags: Iterable[str]) -> None:
    """Empty every cached entry built from any of these tags, here and at the edge.

    Purged now and again after the surrounding transaction commits: a reader
    who renders between the two sees the old rows (the change is not committed
    yet) and stores them, and the second purge makes that entry unreachable.
    The edge (Varnish) is told only after the commit, so it cannot refetch the
    old page from us in between.
    """
    chosen = clean(tags, with_site=False)
    if not chosen:
        return
    store().purge(chosen)

    def after_commit() -> None:
        store().purge(chosen)
        from masthead.core import edge

        edge.purge(chosen)

    transaction.on_commit(after_commit)


def purge_everything() -> None:
    purge([SITE])
