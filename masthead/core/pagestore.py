"""Where cached pages are kept: a memory tier in each process, in front of Redis when there is one.

The embedded default keeps entries only in the process's own memory tier
(each worker fills its own; the tag versions on disk keep them all honest).
With REDIS_URL, entries are written to Redis too, so one app server's render
serves every other; each process still keeps recent entries in memory,
unpickled, and checks them with one small GET of the tag clock instead of
fetching a 60 kB page from Redis for every hit.

An entry is served only while its tags have the versions it was stored under
(masthead/core/cachetags.py). Storing is refused when a purge ran during the
render: the render may have read rows the purge was about.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver

from masthead.core import cachetags, shared_cache


@dataclass(frozen=True)
class Entry:
    payload: Any
    tags: tuple[str, ...]
    versions: tuple[str, ...]
    # The tag clock when stored: while it has not moved, no tag can have changed.
    clock: str
    expires_at: float


class _Slot:
    __slots__ = ("checked", "entry", "size")

    def __init__(self, entry: Entry, checked: str, size: int) -> None:
        self.entry = entry
        self.checked = checked
        self.size = size


class MemoryTier:
    """A byte-bounded LRU of entries, shared by the threads of one process."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._slots: OrderedDict[str, _Slot] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> _Slot | None:
        with self._lock:
            slot = self._slots.get(key)
            if slot is not None:
                self._slots.move_to_end(key)
            return slot

    def put(self, key: str, entry: Entry, *, checked: str, size: int) -> None:
        if size > self.max_bytes // 4:
            return  # one huge page must not push out everything else
        with self._lock:
            old = self._slots.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._slots[key] = _Slot(entry, checked, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._slots:
                _, evicted = self._slots.popitem(last=False)
                self._bytes -= evicted.size

    def drop(self, key: str) -> None:
        with self._lock:
            old = self._slots.pop(key, None)
            if old is not None:
                self._bytes -= old.size

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._slots)

    def entries(self) -> list[tuple[str, Entry]]:
        """A snapshot of (key, entry), oldest first: for tests and inspection."""
        with self._lock:
            return [(key, slot.entry) for key, slot in self._slots.items()]


_tier: MemoryTier | None = None
_tier_lock = threading.Lock()


def tier() -> MemoryTier:
    global _tier
    if _tier is None:
        with _tier_lock:
            if _tier is None:
                _tier = MemoryTier(int(settings.PAGE_CACHE_LOCAL_MB) * 1024 * 1024)
    return _tier


@receiver(setting_changed)
def _forget_tier(**_: Any) -> None:
    # Tests switch backends and VAR_DIR: entries checked against the old ones must go.
    global _tier
    _tier = None


def clear() -> None:
    """Empty this process's memory tier and its copy of the tag clock (tests; the shared cache is cleared with cache.clear())."""
    tier().clear()
    cachetags.forget_clock()


def _current(entry: Entry) -> bool:
    return tuple(cachetags.store().versions(entry.tags)) == entry.versions


def lookup(key: str) -> Entry | None:
    """The entry if it is still current (its tags unpurged since it was stored)."""
    clock = cachetags.clock()
    slot = tier().get(key)
    if slot is not None:
        entry = slot.entry
        if entry.expires_at > time.time() and (slot.checked == clock or _current(entry)):
            slot.checked = clock
            return entry
        tier().drop(key)
    if cachetags.is_local():
        return None
    try:
        remote = cache.get(key)
    except shared_cache.unreachable() as exc:
        shared_cache.warn("page lookup", exc)
        return None
    if not isinstance(remote, Entry) or remote.expires_at <= time.time():
        return None
    if remote.clock != clock and not _current(remote):
        return None
    tier().put(key, remote, checked=clock, size=_size(remote.payload))
    return remote


def put(
    key: str, payload: Any, *, tags: tuple[str, ...] | list[str] | set[str], clock_before: str, size: int | None = None
) -> bool:
    """Store an entry built since `clock_before`; False (nothing stored) when a purge ran meanwhile."""
    chosen = cachetags.clean(tags)
    clock, versions = cachetags.store().snapshot(chosen)
    if clock != clock_before:
        return False
    seconds = int(settings.PAGE_CACHE_SECONDS)
    entry = Entry(payload, chosen, versions, clock, time.time() + seconds)
    tier().put(key, entry, checked=clock, size=size if size is not None else _size(payload))
    if not cachetags.is_local():
        try:
            cache.set(key, entry, seconds)
        except shared_cache.unreachable() as exc:
            # Kept in this process only; checked against the tags like any other entry.
            shared_cache.warn("page store", exc)
    return True


def _size(payload: Any) -> int:
    """Roughly the bytes an entry holds, for the memory tier's bound."""
    if isinstance(payload, bytes | str):
        return len(payload) + 100
    if isinstance(payload, tuple | list):
        return sum(_size(part) for part in payload) + 100
    return 200
