"""This process's copy of the shared tag clock, kept current by Redis pub/sub.

With REDIS_URL every cached-page hit used to read the tag clock from Redis:
one round trip, about 40 µs of CPU, which is most of what a hit costs
(docs/benchmarks.md, "Site"). The clock moves only when something is purged,
so each process now keeps the clock in memory and a thread listens on a
channel that every purge publishes to after it has moved the clock.

When the copy may not be trusted, `current()` returns None and the caller reads
Redis as before:

- until the thread has subscribed and then read the clock (a move published
  before the subscription would otherwise be missed);
- after this process moved the clock or found it lost, until the thread has
  read it again (within a quarter of PING_SECONDS);
- after the subscription broke (Redis restarted, the connection was killed),
  until it is made again;
- when the thread has heard nothing from Redis for LEASE_SECONDS: it pings
  every PING_SECONDS, so a connection that died without a word is noticed.

A purge in another process reaches this one as fast as Redis delivers the
message (well under a millisecond on one network); a purge in this process
drops the copy at once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = "masthead:pagecache:clock-moved"
PING_SECONDS = 1.0
LEASE_SECONDS = 3.0


class ClockWatch:
    def __init__(self, read_clock: Any, client: Any) -> None:
        # read_clock(): the clock from Redis (CacheTagStore's GET); client(): a redis-py client.
        self._read_clock = read_clock
        self._client = client
        self._value: str | None = None
        self._heard_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()
        # Moves made by this process: a clock read that began before one is not taken.
        self._forgotten = 0
        self._reread = False

    def current(self) -> str | None:
        """The clock as this process last heard it, or None when it must be read from Redis."""
        if self._pid != os.getpid():
            self._start()  # first use in this process (a forked worker starts its own thread)
        value = self._value
        if value is None or time.monotonic() - self._heard_at > LEASE_SECONDS:
            return None
        return value

    def forget(self) -> None:
        """This process moved the clock: read it from Redis until the thread hears of the move."""
        self._forgotten += 1
        self._value = None
        self._reread = True

    def stop(self) -> None:
        self._stop.set()
        self._value = None

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._value = None
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="masthead-clock-watch", daemon=True)
            self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        delay = 0.2
        while not stop.is_set():
            try:
                self._listen(stop)
                delay = 0.2
            except Exception as exc:  # noqa: BLE001 (any failure: fall back to reading Redis, try again later)
                log.debug("clock watch: %s; reading the clock from Redis until it is back", exc)
            self._value = None
            stop.wait(delay)
            delay = min(delay * 2, 5.0)

    def _listen(self, stop: threading.Event) -> None:
        pubsub = self._client().pubsub()
        try:
            pubsub.subscribe(CHANNEL)
            confirmed = pubsub.get_message(timeout=5.0)
            if not confirmed or confirmed.get("type") != "subscribe":
                raise RuntimeError(f"no subscription confirmed: {confirmed!r}")
            # Subscribed: every move from now on is heard, so the clock read now can be trusted.
            self._take(self._read_clock)
            pinged = time.monotonic()
            while not stop.is_set():
                message = pubsub.get_message(timeout=PING_SECONDS / 4)
                if self._reread:
                    self._reread = False
                    self._take(self._read_clock)
                if message is not None:
                    if message.get("type") == "message":
                        self._take(self._read_clock)
                    else:
                        self._heard_at = time.monotonic()  # the pong: the connection is alive
                if time.monotonic() - pinged >= PING_SECONDS:
                    pubsub.ping()
                    pinged = time.monotonic()
        finally:
            self._value = None
            try:
                pubsub.close()
            except Exception:  # noqa: BLE001, S110 (closing a broken connection)
                pass

    def _take(self, read: Any) -> None:
        before = self._forgotten
        value = read()
        if before != self._forgotten:
            return  # this process moved the clock meanwhile; its own message follows
        if value is None:
            self._reread = True  # no clock in Redis yet: the first reader makes one; look again shortly
        self._value = value
        self._heard_at = time.monotonic()
