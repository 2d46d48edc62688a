"""Ten article requests at once from one reader cannot all spend the same free article."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import Client

from masthead.access import meter
from masthead.testing import builders
from masthead.testing.fixtures import SECRET_MARKER

RACERS = 10


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reads_get_exactly_the_articles_left(magazine, set_meter, monkeypatch):
    set_meter(3)
    articles = [
        builders.make_article(
            magazine.sections["Finance"],
            f"Paid story {n}",
            authors=[magazine.author],
            paragraphs=["Open paragraph.", f"Closed paragraph {SECRET_MARKER}."],
            access="subscribers",
            preview_after=1,
        )
        for n in range(RACERS + 1)
    ]
    first = Client(HTTP_USER_AGENT="One reader")
    assert SECRET_MARKER in first.get(articles[0].url).content.decode()
    cookie = first.cookies["mh_meter"].value

    # The worst interleaving: every request has counted before any has written.
    # Requests that are made to take turns never meet here; the barrier then
    # gives up after a few seconds (the turns still happen, only slower).
    barrier = threading.Barrier(RACERS, timeout=5)
    real_count = meter.meter_count

    def count_then_wait(keys, since):
        counted = real_count(keys, since)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return counted

    monkeypatch.setattr(meter, "meter_count", count_then_wait)
    results: list[bool] = []
    lock = threading.Lock()

    def read(article):
        try:
            client = Client(HTTP_USER_AGENT="One reader")
            client.cookies["mh_meter"] = cookie
            html = client.get(article.url).content.decode()
            with lock:
                results.append(SECRET_MARKER in html)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read, args=(article,)) for article in articles[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(results) == RACERS
    assert results.count(True) == 2  # three free articles, one already read
