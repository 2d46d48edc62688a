"""Password sign-in, and the limits on tries per account, per network and per (account, network)."""

from __future__ import annotations

import dataclasses

from django.test import Client

from masthead.members import throttle

LIMIT = throttle.PASSWORD.per_account_and_client


def guess(client, email="member@example.com", typed="guess"):
    return client.post("/account/signin/", {"email": email, "password": typed})


def test_the_right_password_signs_in(member):
    client = Client()
    response = client.post("/account/signin/", {"email": "MEMBER@example.com", "password": "a-long-password-1"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk


def test_wrong_password_and_unknown_address_get_the_same_answer(member):
    wrong = guess(Client())
    unknown = guess(Client(), email="ghost@example.com", typed="nope-nope-nope")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "do not match" in response.content.decode()


def test_five_failures_lock_the_address_for_a_while_even_with_the_right_password(member):
    client = Client()
    for _ in range(LIMIT):
        assert guess(client).status_code == 200
    response = guess(client, typed="a-long-password-1")
    assert response.status_code == 429
    assert "Wait 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address from elsewhere is unaffected.
    assert guess(Client(REMOTE_ADDR="198.51.100.7"), email="x@example.com").status_code == 200


def test_the_owner_is_not_locked_out_by_a_guesser_on_another_network(member):
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    answers = [guess(attacker).status_code for _ in range(2 * LIMIT)]
    assert answers == [200] * LIMIT + [429] * LIMIT
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert guess(owner, typed="a-long-password-1").status_code == 302
    # The guesser's refused tries were not counted against the account: it is still at LIMIT tries.
    assert guess(attacker).status_code == 429


def test_a_botnet_is_stopped_by_the_per_account_ceiling(member, monkeypatch):
    monkeypatch.setattr(throttle, "PASSWORD", dataclasses.replace(throttle.PASSWORD, per_account=8))
    answers = [guess(Client(REMOTE_ADDR=f"192.0.2.{n}")).status_code for n in range(1, 11)]
    assert answers == [200] * 8 + [429] * 2


def test_a_right_password_forgets_earlier_slips_from_the_same_network(member):
    client = Client()
    for _ in range(LIMIT - 1):
        guess(client)
    assert guess(client, typed="a-long-password-1").status_code == 302
    for _ in range(LIMIT):
        assert guess(Client(), typed="typo").status_code == 200


def test_many_addresses_from_one_network_are_limited_too(member, monkeypatch):
    # The real limit (20) is the same code path, just slower to reach.
    monkeypatch.setattr(throttle, "PASSWORD", dataclasses.replace(throttle.PASSWORD, per_client=7))
    client = Client(REMOTE_ADDR="192.0.2.50")
    for n in range(7):
        assert guess(client, email=f"spray{n}@example.com").status_code == 200
    assert guess(client, typed="a-long-password-1").status_code == 429


def test_sign_in_links_are_limited_per_address(member, smtp_server):
    client = Client()
    for _ in range(throttle.EMAILS.per_account):
        assert client.post("/account/signin/", {"email": "member@example.com"}).status_code == 200
    assert client.post("/account/signin/", {"email": "member@example.com"}).status_code == 429
    assert len(smtp_server.to("member@example.com")) == throttle.EMAILS.per_account
