"""Throttles: how often a client may try something, counted where every worker sees it.

An attempt is counted under up to three keys at once, each with its own limit
per window: the account it names (an email address), the client's network
(masthead.core.http.client_network: the real client behind a trusted proxy),
and the two together. It goes ahead only if every count stays within its
limit. A refused attempt is taken back from every count, so someone hammering
one account from one address fills only their own (account, address) count
and never the account's own budget: its owner, elsewhere, can still sign in.

Counts live in masthead.core.counters (the database, or Redis with
REDIS_URL); keys are hashes, so the table holds no email or IP address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.http import HttpRequest

from masthead.core import counters
from masthead.core.http import client_network


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Attempt:
    """One counted try; `allowed` says whether it may go ahead."""

    allowed: bool
    account_key: str = ""
    client_key: str = ""
    pair_key: str = ""

    def succeeded(self) -> None:
        """The client proved it holds the secret: this try no longer counts against the account or the
        network, and its own earlier failures for this account from this network are forgotten."""
        if not self.allowed:
            return
        for key in (self.account_key, self.client_key):
            if key:
                counters.undo(key)
        if self.pair_key:
            counters.reset(self.pair_key)


@dataclass(frozen=True)
class Throttle:
    """Limits per window on one action; 0 turns a limit off."""

    name: str
    per_account: int
    per_client: int
    per_account_and_client: int = 0
    window: timedelta = field(default=timedelta(minutes=15))

    def attempt(self, request: HttpRequest, account: str) -> Attempt:
        """Count one try at `account` from this request's client; refused tries are not counted."""
        account = account.strip().lower()
        network = client_network(request)
        planned = [
            ("account", self.per_account, _digest(account)),
            ("client", self.per_client, _digest(network)),
            ("pair", self.per_account_and_client, _digest(account, network)),
        ]
        counted: dict[str, str] = {}
        allowed = True
        for scope, limit, digest in planned:
            if limit <= 0:
                continue
            key = f"throttle:{self.name}:{scope}:{digest}"
            counted[scope] = key
            if counters.hit(key, self.window) > limit:
                allowed = False
        if not allowed:
            for key in counted.values():
                counters.undo(key)
            return Attempt(allowed=False)
        return Attempt(
            allowed=True,
            account_key=counted.get("account", ""),
            client_key=counted.get("client", ""),
            pair_key=counted.get("pair", ""),
        )
