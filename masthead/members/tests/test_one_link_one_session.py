"""One emailed link signs in once, however many requests carry it at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from masthead.members import tokens
from masthead.testing import builders

RACERS = 10


def _race(monkeypatch, path):
    """RACERS real threads POST `path` together; returns their responses' status codes and session user ids.

    Each request waits, after checking the link and before using it, until all
    of them have checked it: the worst interleaving, every time, with no sleeps.
    """
    barrier = threading.Barrier(RACERS, timeout=30)
    real_state = tokens.account_state

    def state_then_wait(user):
        state = real_state(user)
        barrier.wait()
        return state

    monkeypatch.setattr(tokens, "account_state", state_then_wait)
    results = []
    lock = threading.Lock()

    def post():
        client = Client()
        try:
            response = client.post(path)
            with lock:
                results.append((response.status_code, client.session.get("_auth_user_id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == RACERS
    return results


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_posts_of_one_link_give_one_session(member, monkeypatch):
    builders.ensure_home()  # pages render with a site, which an earlier test's flush removed
    path = f"/account/link/{tokens.make_sign_in_token('member@example.com')}/"
    results = _race(monkeypatch, path)
    assert sorted(status for status, _ in results) == [302] + [400] * (RACERS - 1)
    assert [user for status, user in results if user] == [str(member.pk)]


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_posts_of_a_sign_up_link_make_one_account(monkeypatch):
    builders.ensure_home()
    path = f"/account/link/{tokens.make_sign_in_token('new.reader@example.com')}/"
    results = _race(monkeypatch, path)
    assert sorted(status for status, _ in results) == [302] + [400] * (RACERS - 1)
    assert get_user_model().objects.filter(email="new.reader@example.com").count() == 1
