"""Password sign-in, and the limit on failed attempts per address and per network."""

from __future__ import annotations

from django.test import Client

from masthead.members import throttle


def test_the_right_password_signs_in(member):
    client = Client()
    response = client.post("/account/signin/", {"email": "MEMBER@example.com", "password": "a-long-password-1"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk


def test_wrong_password_and_unknown_address_get_the_same_answer(member):
    wrong = Client().post("/account/signin/", {"email": "member@example.com", "password": "nope-nope-nope"})
    unknown = Client().post("/account/signin/", {"email": "ghost@example.com", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "do not match" in response.content.decode()


def test_five_failures_lock_the_address_for_a_while_even_with_the_right_password(member):
    client = Client()
    for _ in range(throttle.PER_EMAIL):
        client.post("/account/signin/", {"email": "member@example.com", "password": "guess"})
    response = client.post("/account/signin/", {"email": "member@example.com", "password": "a-long-password-1"})
    assert response.status_code == 429
    assert "Wait 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address from elsewhere is unaffected.
    other = Client(REMOTE_ADDR="198.51.100.7").post("/account/signin/", {"email": "x@example.com", "password": "guess"})
    assert other.status_code == 200


def test_many_addresses_from_one_network_are_limited_too(member, monkeypatch):
    monkeypatch.setattr(throttle, "PER_IP", 7)  # the real limit (20) is the same code path, just slower to reach
    client = Client(REMOTE_ADDR="192.0.2.50")
    for n in range(throttle.PER_IP):
        client.post("/account/signin/", {"email": f"spray{n}@example.com", "password": "guess"})
    response = client.post("/account/signin/", {"email": "member@example.com", "password": "a-long-password-1"})
    assert response.status_code == 429


def test_sign_in_links_are_limited_per_address(member, smtp_server):
    client = Client()
    for _ in range(throttle.PER_EMAIL):
        assert client.post("/account/signin/", {"email": "member@example.com"}).status_code == 200
    assert client.post("/account/signin/", {"email": "member@example.com"}).status_code == 429
    assert len(smtp_server.to("member@example.com")) == throttle.PER_EMAIL
