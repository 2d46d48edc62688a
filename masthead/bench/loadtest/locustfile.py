"""The whole business under load, for locust (masthead/bench/scale_ops.py starts it against the scale demo).

Each visit is one of, by share of visits:
- 90%   an anonymous reader reads: an article (mostly), the home page or a section, through the edge;
- 8%    a signed-in subscriber reads an article and listens: two Range requests on its narration;
- 1.5%  a reader signs in with a password (half) or signs up by the emailed link (half);
- 0.5%  a reader subscribes with a card through localstripe (its webhooks come back through the edge).
Every locust user is one reader at an address of its own (X-Forwarded-For, which the edge and the
balancer append to and the app reads from the right past its trusted proxies), as real readers are.

The plan (URLs, accounts) is a JSON file named by MASTHEAD_LOAD_PLAN.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

from masthead.bench import reader_flows

PLAN: dict[str, Any] = json.loads(Path(os.environ["MASTHEAD_LOAD_PLAN"]).read_text())
_lock = threading.Lock()
_subscribers = itertools.cycle(PLAN["subscribers"])
_members = iter(PLAN["members"])
_joiners = iter(PLAN["joiners"])


def _next(pool: Any) -> Any:
    with _lock:
        return next(pool, None)


class Reader(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        self.client.headers["X-Forwarded-For"] = address
        self.subscriber: Any = None

    @task
    def visit(self) -> None:
        roll = random.random()
        if roll < 0.90:
            self.read_anonymously()
        elif roll < 0.98:
            self.read_and_listen()
        elif roll < 0.995:
            self.sign_in_or_up()
        else:
            self.subscribe()

    @property
    def _base(self) -> str:
        # locust types host as optional; the scale demo always passes --host.
        return str(self.host)

    def _fresh(self) -> Any:
        """Another reader's browser: no cookies, an address of its own."""
        from locust.clients import HttpSession

        session = HttpSession(base_url=self.host, request_event=self.environment.events.request, user=self)
        session.headers["X-Forwarded-For"] = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        return session

    def read_anonymously(self) -> None:
        roll = random.random()
        self.client.cookies.clear()
        if roll < 0.8:
            self.client.get(random.choice(PLAN["articles"]), name="/[article] anonymous")
        elif roll < 0.9:
            self.client.get("/", name="/ anonymous")
        else:
            self.client.get(random.choice(PLAN["sections"]), name="/[section]/ anonymous")

    def read_and_listen(self) -> None:
        if self.subscriber is None:
            email, password = _next(_subscribers)
            self.subscriber = self._fresh()
            reader_flows.sign_in(self.subscriber, self._base, email, password)
        with self.subscriber.get(random.choice(PLAN["articles"]), name="/[article] subscriber", catch_response=True) as page:
            if page.status_code == 200 and ">Account</a>" not in page.text:
                page.failure("a subscriber's page shows them signed out")
        audio = random.choice(PLAN["audio"])
        for start in (0, 65536):
            with self.subscriber.get(
                audio["url"],
                headers={"Range": f"bytes={start}-{start + 65535}"},
                name="/audio/[id]/[file] Range",
                catch_response=True,
            ) as heard:
                if heard.status_code != 206:
                    heard.failure(f"Range request answered {heard.status_code}")

    def sign_in_or_up(self) -> None:
        session = self._fresh()
        if random.random() < 0.5:
            member = _next(_members)
            if member is None:
                return
            reader_flows.sign_in(session, self._base, member[0], member[1])
            session.get("/account/", name="/account/ after sign-in")
        else:
            reader_flows.sign_up(session, self._base, f"joiner-{uuid.uuid4().hex[:12]}@example.com", Path(PLAN["maildir"]))

    def subscribe(self) -> None:
        joiner = _next(_joiners)
        if joiner is None:
            return
        session = self._fresh()
        reader_flows.sign_in(session, self._base, joiner[0], joiner[1])
        reader_flows.subscribe(session, self._base, PLAN["stripe_url"], PLAN["plan"])
